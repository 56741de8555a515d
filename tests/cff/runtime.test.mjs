// The generated code must be a cloudfront-js-2.0 function: within 10 KB, one `async function
// handler(event)`, no globals or syntax the runtime lacks, no imports beyond cloudfront/crypto.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  FORBIDDEN_SYNTAX, NOW, forbiddenReferences, generate, generateFails, load, cffEventFor, verdict,
} from './harness.mjs';

const LIMIT = 10240;

function fiftyDomainConfig(dir) {
  const allow = [];
  for (let i = 0; i < 50; i++) allow.push(`"customer-site-${i}.example.com"`);
  const path = join(dir, 'fifty.toml');
  writeFileSync(path, `[[rules]]\npaths = ["/images/*", "/media/*"]\nreferer = { allow = [${allow.join(', ')}], missing = "deny" }\n\n[[rules]]\npaths = ["/public/*"]\n`);
  return path;
}

const shipped = generate('guard.toml');
const patterns = generate('tests/cff/fixtures/patterns.toml');
const kvs = generate('guard.toml', ['--kvs']);

test('the shipped guard.toml generates a function under 10 KB', () => {
  const bytes = Buffer.byteLength(shipped.code);
  console.log(`# shipped guard.toml: ${bytes} bytes`);
  assert.ok(bytes <= LIMIT, `${bytes} bytes`);
});

test('a 50-domain config generates a function under 10 KB', () => {
  const { code } = generate(fiftyDomainConfig(shipped.dir));
  const bytes = Buffer.byteLength(code);
  console.log(`# 50 domains: ${bytes} bytes`);
  assert.ok(bytes <= LIMIT, `${bytes} bytes`);
});

test('a config that cannot fit fails with exit 2 and a clear message', () => {
  const allow = Array.from({ length: 600 }, (_, i) => `"domain-number-${i}.example.com"`);
  const path = join(shipped.dir, 'huge.toml');
  writeFileSync(path, `[[rules]]\npaths = ["/*"]\nreferer = { allow = [${allow.join(', ')}] }\n`);
  const { status, stderr } = generateFails(path);
  assert.equal(status, 2);
  assert.match(stderr, /over the 10240-byte \(10 KB\) CloudFront Functions limit/);
  assert.match(stderr, /--kvs/);
});

test('a regex with no JavaScript equivalent fails with exit 2 naming the key', () => {
  // (`(?i)`, which this test used before, is now carried: the RegExp is printed from Rust's parse.)
  const path = join(shipped.dir, 'regex.toml');
  writeFileSync(path, '[[rules]]\npaths = ["/*"]\nreferer = { allow = ["example.com", "~x\\\\.com\\\\b{end}"] }\n');
  const { status, stderr } = generateFails(path);
  assert.equal(status, 2);
  assert.match(stderr, /rules\[0\]\.referer\.allow\[1\]: not supported by CloudFront Functions/);
});

for (const [name, { code }] of [['shipped', shipped], ['patterns', patterns], ['kvs', kvs]]) {
  test(`${name}: exactly one async function handler(event)`, () => {
    assert.equal(code.match(/async function handler\(event\)/g)?.length, 1);
  });

  test(`${name}: references no global the runtime lacks`, () => {
    assert.deepEqual(forbiddenReferences(code), []);
  });

  test(`${name}: uses no syntax the runtime is not documented to support`, () => {
    const body = code.replace(/^\/\/.*$/gm, '');
    for (const [what, re] of FORBIDDEN_SYNTAX) assert.doesNotMatch(body, re, what);
  });

  test(`${name}: the only comments are the header`, () => {
    const lines = code.split('\n');
    const firstCode = lines.findIndex((l) => !l.startsWith('//'));
    assert.ok(lines.slice(firstCode).every((l) => !l.trimStart().startsWith('//')));
  });

  test(`${name}: runs in a sandbox without URL, fetch, require or timers`, async () => {
    const handler = load(code);
    const result = verdict(await handler(cffEventFor({ uri: '/images/a.png', referer: ['https://example.com/'] })));
    assert.ok(['allow', 'deny'].includes(result.decision));
  });
}

test('the sandbox really lacks the forbidden globals (a function using URL throws)', async () => {
  const handler = load('async function handler(event){return new URL("https://a/")}');
  await assert.rejects(handler({}), /URL is not defined/);
});

test('the shipped function warns that a trusted key group must verify signatures', () => {
  assert.match(shipped.code, /^\/\/ SECURITY: .*does NOT verify signatures/m);
  assert.match(shipped.code, /MUST be enforced by a trusted key group/);
});

test('the clock of the sandbox is the test clock', async () => {
  const handler = load('async function handler(event){return Date.now()}', { now: NOW });
  assert.equal(await handler({}), NOW * 1000);
});

test('a redirecting deny answers 302 with location and no body, like the Rust guard', async () => {
  const config = 'tests/cff/fixtures/redirect.toml';
  const { code } = generate(config);
  const request = { uri: '/images/a.png', referer: ['https://evil.com/'] };
  const result = JSON.parse(JSON.stringify(await load(code)(cffEventFor(request))));
  const [rust] = (await import('./harness.mjs')).rustBatch(config, [request]);
  assert.equal(rust.status, 302);
  assert.deepEqual(result, {
    statusCode: 302,
    statusDescription: 'Found',
    headers: { location: { value: 'https://example.com/hotlink.png' }, 'cache-control': { value: 'no-store' } },
  });
});

test('URI plus query string over 8,192 bytes is denied like the Rust guard; at the limit both allow', async () => {
  const { code } = generate('guard.toml');
  const handler = load(code);
  const cases = [
    { uri: `/public/${'a'.repeat(8192 - 8)}` },
    { uri: `/public/${'a'.repeat(8193 - 8)}` },
    { uri: `/public/${'é'.repeat(4092)}` },
    { uri: `/public/${'é'.repeat(4093)}` },
    { uri: `/public/${'€'.repeat(2728)}` },
    { uri: `/public/${'€'.repeat(2729)}` },
    { uri: `/public/${'a'.repeat(8000)}`, querystring: `q=${'b'.repeat(300)}` },
  ];
  const { rustBatch } = await import('./harness.mjs');
  const rust = rustBatch('guard.toml', cases);
  assert.deepEqual(rust.map((r) => r.decision), ['allow', 'deny', 'allow', 'deny', 'allow', 'deny', 'deny']);
  for (let i = 0; i < cases.length; i++) {
    assert.equal(verdict(await handler(cffEventFor(cases[i]))).decision, rust[i].decision, `case ${i}`);
  }
});
