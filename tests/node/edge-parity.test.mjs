// The Lambda@Edge bundle (build/edge, made by `make package CONFIG=guard.toml`) must answer
// every sample event exactly like the native CLI, fail closed on anything unexpected, and load
// from a directory holding nothing but its own files. It refuses to run at all on a bundle built
// from another config than guard.toml (manifest.json records the config digest). Run: `make test-edge`.
import { after, test } from 'node:test';

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createPrivateKey, sign } from 'node:crypto';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';

import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { assertBundleBuiltFrom } from '../../scripts/bundle-manifest.mjs';
import { scratch } from './support.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BUNDLE = join(ROOT, 'build/edge');
const CLI = join(ROOT, 'target/debug/edgeguard');
const CONFIG = join(ROOT, 'guard.toml');
const NOW = 1767225600; // 2026-01-01T00:00:00Z, the clock of events/expected/
const EVENTS = readdirSync(join(ROOT, 'events'))
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => join(ROOT, 'events', f));

for (const needed of [join(BUNDLE, 'index.mjs'), CLI]) {
  if (!existsSync(needed)) throw new Error(`${needed} is missing: run \`make test-edge\``);
}
// Every expectation below is guard.toml's: a bundle built from another config is refused here.
assertBundleBuiltFrom(BUNDLE, CONFIG, CLI);


function cli(...args) {
  const run = spawnSync(CLI, args, { encoding: 'utf8' });
  assert.equal(run.status, 0, `edgeguard ${args.join(' ')}: ${run.stderr}`);
  return run.stdout.trimEnd();
}

/** A private copy of the bundle in a fresh directory, so each test gets its own module state. */
function freshBundle(mutate = () => {}) {
  const dir = scratch('edgeguard-bundle-');
  for (const f of readdirSync(BUNDLE)) cpSync(join(BUNDLE, f), join(dir, f));
  mutate(dir);
  return dir;
}
const load = (dir) => import(pathToFileURL(join(dir, 'index.mjs')).href);

/** Runs fn and returns [its result, the JSON lines it logged]. */
/** Runs `fn` capturing console.log: [its result, the lines parsed as JSON, the lines as text]. */
async function withLogs(fn) {
  const lines = [];
  const texts = [];
  const original = console.log;
  console.log = (line) => { texts.push(line); lines.push(JSON.parse(line)); };
  try {
    return [await fn(), lines, texts];
  } finally {
    console.log = original;
  }
}

const sampleEvent = (name) => JSON.parse(readFileSync(join(ROOT, 'events', name), 'utf8'));
const edge = await load(freshBundle());
const CONFIGURED_DENY = JSON.parse(cli('invoke', '--config', CONFIG, '--now', String(NOW), join(ROOT, 'events/path-unmatched.json')));

test('the bundle embeds guard.toml compiled, public keys inlined', () => {
  const embedded = JSON.parse(readFileSync(join(BUNDLE, 'config.json'), 'utf8'));
  assert.deepEqual(embedded, JSON.parse(cli('config', 'compile', '--allow-demo-keys', CONFIG)));
  for (const key of Object.values(embedded.keys)) assert.match(key.pem, /BEGIN PUBLIC KEY/);
});

test('the manifest records guard.toml and the digest of its compiled form, the bytes of config.json', () => {
  const manifest = JSON.parse(readFileSync(join(BUNDLE, 'manifest.json'), 'utf8'));
  assert.equal(manifest.config, 'guard.toml');
  assert.equal(manifest.config_sha256, cli('config', 'digest', CONFIG));
  assert.equal(manifest.config_sha256, createHash('sha256').update(readFileSync(join(BUNDLE, 'config.json'))).digest('hex'));
});

const EDGE_INVOKE = join(ROOT, 'scripts/edge-invoke.mjs');
const edgeInvoke = (...args) => spawnSync(process.execPath, [EDGE_INVOKE, ...args], { cwd: ROOT, encoding: 'utf8' });

test('edge-invoke runs the bundle built from the named config and prints what native invoke prints', () => {
  const event = join(ROOT, 'events/referer-foreign.json');
  const run = edgeInvoke('--config', CONFIG, '--now', String(NOW), event);
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.stdout.trimEnd(), cli('invoke', '--config', CONFIG, '--now', String(NOW), event));
});

test('edge-invoke refuses a bundle built from another config, naming both and what to run', () => {
  const other = join(scratch('edgeguard-other-'), 'other.toml');
  writeFileSync(other, '[[rules]]\npaths = ["/*"]\nsignature = "off"\n');
  const run = edgeInvoke('--config', other, join(ROOT, 'events/referer-foreign.json'));
  assert.equal(run.status, 2);
  assert.equal(run.stdout, '');
  assert.match(run.stderr, /refusing the bundle: build\/edge was built from guard\.toml \(config sha256 [0-9a-f]{64}\), not from .*other\.toml \(config sha256 [0-9a-f]{64}\)/);
  assert.match(run.stderr, /run `make package CONFIG=.*other\.toml`/);
});

test('edge-invoke refuses a bundle without a manifest: nothing says what it decides with', () => {
  const dir = freshBundle((d) => rmSync(join(d, 'manifest.json')));
  const run = edgeInvoke('--bundle', dir, '--config', CONFIG, join(ROOT, 'events/referer-allowed.json'));
  assert.equal(run.status, 2);
  assert.equal(run.stdout, '');
  assert.match(run.stderr, /manifest\.json is missing or unreadable \(ENOENT\)/);
});

test('edge-invoke refuses a config it cannot digest, with the config error', () => {
  const bad = join(scratch('edgeguard-bad-'), 'bad.toml');
  writeFileSync(bad, '[[rules]]\npaths = ["/a b"]\n');
  const run = edgeInvoke('--config', bad, join(ROOT, 'events/referer-allowed.json'));
  assert.equal(run.status, 2);
  assert.match(run.stderr, /config digest .*bad\.toml failed: .*bad\.toml:2: rules\[0\]\.paths\[0\]/);
});

test('there are sample events to compare', () => assert.ok(EVENTS.length >= 9));

for (const file of EVENTS) {
  const name = file.slice(file.lastIndexOf('/') + 1);
  test(`${name}: the Node handler returns exactly what native edgeguard invoke prints`, async () => {
    const native = cli('invoke', '--config', CONFIG, '--now', String(NOW), file);
    const nativeOutcome = JSON.parse(cli('invoke', '--config', CONFIG, '--now', String(NOW), '--outcome', file));
    const event = JSON.parse(readFileSync(file, 'utf8'));
    const [result, logs, texts] = await withLogs(() => edge.handleAt(event, NOW));
    assert.equal(JSON.stringify(result), native);
    if (nativeOutcome.decision === 'allow') {
      assert.deepEqual(logs, []);
    } else {
      // Changed with metrics: the line is Rust's Outcome::log_line (EMF included), verbatim.
      assert.deepEqual(texts, [nativeOutcome.log]);
      assert.equal(logs[0].decision, 'deny');
      assert.equal(logs[0].reason, nativeOutcome.reason);
    }
  });
}

for (const [name, detail] of [
  ['sam-generated-missing-querystring.json', 'Records[0].cf.request.querystring: missing field'],
  ['sam-generated-missing-clientip.json', 'Records[0].cf.request.clientIp: missing field'],
  ['origin-request.json', "Records[0].cf.config.eventType: origin-request events are decided only with allow_origin_request = true (their Host header is the origin's)"],
]) {
  test(`${name}: the deny log line names the field (detail), as Rust wrote it`, async () => {
    const [result, logs] = await withLogs(() => edge.handleAt(sampleEvent(name), NOW));
    assert.equal(result.status, '403');
    assert.equal(logs.length, 1);
    assert.equal(logs[0].reason, 'event_malformed');
    assert.equal(logs[0].detail, detail);
  });
}

// The handler takes apart only events of exactly the model's shape and hands anything else to Rust
// whole: each variant below must still get native invoke's answer and log line, byte for byte.
const KELVIN = '\u212a'; // lower-cases to "k" in Unicode, but is not ASCII: not a Cookie header
for (const [label, mutate] of [
  ['a header value that is a number', (r) => { r.headers['user-agent'] = [{ key: 'User-Agent', value: 42 }]; }],
  ['a header key that is null', (r) => { r.headers.referer[0].key = null; }],
  ['a header entry with an unknown field', (r) => { r.headers.referer[0].extra = 'x'; }],
  ['a header list that is not a list', (r) => { r.headers.accept = { key: 'Accept', value: '*/*' }; }],
  ['an unknown request field', (r) => { r.extra = 'kept nowhere'; }],
  ['a uri that is a number', (r) => { r.uri = 7; }],
  ['a body with a flag that is a string', (r) => { r.body = { inputTruncated: 'no', action: 'read-only', encoding: 'base64', data: '' }; }],
  ['a well-formed body', (r) => { r.body = { inputTruncated: false, action: 'read-only', encoding: 'base64', data: 'aGk=' }; }],
  ['a Referer header name in capitals with a foreign value', (r) => { r.headers.REFERER = [{ key: 'Referer', value: 'https://evil.test/' }]; }],
  ['a Cookie header name spelled with a Kelvin sign', (r) => { r.headers[`coo${KELVIN}ie`] = [{ key: 'Cookie', value: 'a=b' }]; }],
  ['a second Host value', (r) => { r.headers.host.push({ key: 'Host', value: 'evil.test' }); }],
  ['no headers at all', (r) => { r.headers = {}; }],
  ['a method that is null', (r) => { r.method = null; }],
  // Field values that outgrow the handler's input buffer in the middle of an event (it starts at
  // 4 KB and keeps what was written when it moves), and non-ASCII ones (written through encodeInto).
  ['a 20 KB Cookie header', (r) => { r.headers.cookie = [{ key: 'Cookie', value: `a=${'x'.repeat(20000)}` }]; }],
  ['Cookie values of 3,000 two-byte characters in two headers', (r) => {
    r.headers.cookie = [{ key: 'Cookie', value: `b=${'\u00e9'.repeat(3000)}` }, { key: 'Cookie', value: `c=${'\u00fc'.repeat(3000)}` }];
  }],
  ['a 6 KB query string', (r) => { r.querystring = `q=${'y'.repeat(6000)}`; }],
  ['a non-ASCII Referer', (r) => { r.headers.referer = [{ key: 'Referer', value: 'https://www.example.com/gal\u00e9rie/' }]; }],
]) {
  test(`an event with ${label}: the Node handler answers and logs exactly as native invoke`, async () => {
    const event = sampleEvent('referer-allowed.json');
    mutate(event.Records[0].cf.request);
    const file = join(scratch('edgeguard-shape-'), 'event.json');
    writeFileSync(file, JSON.stringify(event));
    const native = cli('invoke', '--config', CONFIG, '--now', String(NOW), file);
    const outcome = JSON.parse(cli('invoke', '--config', CONFIG, '--now', String(NOW), '--outcome', file));
    const [result, , texts] = await withLogs(() => edge.handleAt(event, NOW));
    assert.equal(JSON.stringify(result), native);
    // Changed with metrics: the line is Rust's Outcome::log_line (EMF included), verbatim.
    assert.deepEqual(texts, outcome.decision === 'allow' ? [] : [outcome.log]);
  });
}

test('an allowed event comes back as the very request object CloudFront handed over', async () => {
  const event = sampleEvent('referer-allowed.json');
  const [result] = await withLogs(() => edge.handleAt(event, NOW));
  assert.equal(result, event.Records[0].cf.request);
});

test('a clock that is not a number is denied as internal_error, never read as 1970', async () => {
  const [result, logs] = await withLogs(() => edge.handleAt(sampleEvent('signed-url-expired.json'), NaN));
  assert.deepEqual(result, CONFIGURED_DENY);
  assert.equal(logs[0].reason, 'internal_error');
});

test('a header value with a lone surrogate (no JSON Rust reads) is denied as internal_error', async () => {
  const event = sampleEvent('referer-allowed.json');
  event.Records[0].cf.request.headers['user-agent'] = [{ key: 'User-Agent', value: 'a\ud800b' }];
  const [result, logs] = await withLogs(() => edge.handleAt(event, NOW));
  assert.deepEqual(result, CONFIGURED_DENY);
  assert.equal(logs[0].reason, 'internal_error');
});

// Signed URLs exercise the bundle's host verifier (node:crypto) against native RustCrypto.
const DOMAIN = 'd111111abcdef8.cloudfront.net';
const cfBase64 = (bytes) => Buffer.from(bytes).toString('base64').replace(/\+/g, '-').replace(/=/g, '_').replace(/\//g, '~');
const privateKey = (id) => createPrivateKey(readFileSync(join(ROOT, `tests/fixtures/keys/${id}.private.pem`)));
const RSA = 'K2JCJMDEHXQW5F';
const ECDSA = 'K3ECDSAP256DEMO';

function signedEvent({ keyId, signWith = keyId, hash = 'sha1', custom = false, tamper = (q) => q }) {
  const uri = '/private/report.pdf';
  const expires = NOW + 3600;
  const resource = custom ? `https://${DOMAIN}/private/*` : `https://${DOMAIN}${uri}?lang=en`; // canned: the URL as requested
  const policy = `{"Statement":[{"Resource":"${resource}","Condition":{"DateLessThan":{"AWS:EpochTime":${expires}}}}]}`;
  const signature = cfBase64(sign(hash, Buffer.from(policy), privateKey(signWith)));
  let query = custom ? `Policy=${cfBase64(policy)}` : `Expires=${expires}`;
  query += `&Signature=${signature}&Key-Pair-Id=${keyId}`;
  if (hash === 'sha256') query += '&Hash-Algorithm=SHA256';
  query = `lang=en&${tamper(query)}`;
  return {
    Records: [{
      cf: {
        config: { distributionDomainName: DOMAIN, distributionId: 'EDFDVBD6EXAMPLE', eventType: 'viewer-request', requestId: 'signed-url-parity' },
        request: { clientIp: '203.0.113.178', headers: { host: [{ key: 'Host', value: DOMAIN }] }, method: 'GET', querystring: query, uri },
      },
    }],
  };
}

for (const [label, spec, expected] of [
  ['RSA SHA-1 canned policy', { keyId: RSA }, 'allow'],
  ['RSA SHA-256 canned policy', { keyId: RSA, hash: 'sha256' }, 'allow'],
  ['RSA custom policy', { keyId: RSA, custom: true }, 'allow'],
  ['ECDSA P-256 SHA-256 canned policy', { keyId: ECDSA, hash: 'sha256' }, 'allow'],
  ['ECDSA P-256 SHA-1 canned policy', { keyId: ECDSA }, 'allow'],
  ['RSA signature over another expiry', { keyId: RSA, tamper: (q) => q.replace(/Expires=\d+/, `Expires=${NOW + 7200}`) }, 'signature_invalid'],
  ['ECDSA signature over another expiry', { keyId: ECDSA, hash: 'sha256', tamper: (q) => q.replace(/Expires=\d+/, `Expires=${NOW + 7200}`) }, 'signature_invalid'],
  ['ECDSA key id with an RSA signature', { keyId: ECDSA, signWith: RSA }, 'signature_invalid'],
  ['RSA key id with an ECDSA signature', { keyId: RSA, signWith: ECDSA }, 'signature_invalid'],
  ['a signature that is not a signature', { keyId: RSA, tamper: (q) => q.replace(/Signature=[^&]+/, 'Signature=AAAA') }, 'signature_invalid'],
]) {
  test(`signed URL, ${label}: Node handler (node:crypto) and native (RustCrypto) agree: ${expected}`, async () => {
    const dir = scratch('edgeguard-signed-');
    const file = join(dir, 'event.json');
    const event = signedEvent(spec);
    writeFileSync(file, JSON.stringify(event));
    const native = cli('invoke', '--config', CONFIG, '--now', String(NOW), file);
    const [result, logs] = await withLogs(() => edge.handleAt(event, NOW));
    assert.equal(JSON.stringify(result), native);
    if (expected === 'allow') {
      assert.deepEqual(logs, []);
      assert.equal(result.querystring, 'lang=en');
    } else {
      assert.equal(logs[0].reason, expected);
    }
  });
}

test('the exported handler decides with the real clock', async () => {
  const [result] = await withLogs(() => edge.handler(sampleEvent('referer-allowed.json')));
  assert.equal(result.uri, '/images/cat.jpg');
});


for (const [label, event] of [
  ['a string', 'GET /images/cat.jpg'],
  ['null', null],
  ['undefined', undefined],
  ['a number', 42],
  ['an object without Records', { hello: 'world' }],
  ['Records that is not a list', { Records: { cf: {} } }],
]) {
  test(`an event that is ${label} is denied with the configured response`, async () => {
    const [result, logs] = await withLogs(() => edge.handler(event));
    assert.deepEqual(result, CONFIGURED_DENY);
    assert.equal(logs.length, 1);
    assert.equal(logs[0].decision, 'deny');
  });
}

test('an event JSON.stringify cannot serialise (cycle) is denied as internal_error', async () => {
  const event = sampleEvent('referer-allowed.json');
  event.Records[0].cf.self = event;
  const [result, logs] = await withLogs(() => edge.handler(event));
  assert.deepEqual(result, CONFIGURED_DENY);
  assert.equal(logs.length, 1);
  assert.equal(logs[0].reason, 'internal_error');
  assert.equal(logs[0].uri, '/images/cat.jpg');
});

test('a wasm trap is denied as internal_error and the next event runs on a fresh instance', async () => {
  const RealInstance = WebAssembly.Instance;
  let traps = 1;
  // Wrap the real module so its first `decide` or `handle` (the field and the whole-event entry
  // points) reads far outside linear memory: a genuine trap.
  WebAssembly.Instance = function (module, imports) {
    const real = new RealInstance(module, imports).exports;
    const trapOnce = (fn) => (ptr, len, now) => (traps-- > 0 ? fn(0xfffffff0, 64, now) : fn(ptr, len, now));
    return { exports: { ...real, decide: trapOnce(real.decide), handle: trapOnce(real.handle) } };
  };
  try {
    const bundle = await load(freshBundle());
    const event = sampleEvent('referer-allowed.json');
    const [denied, logs] = await withLogs(() => bundle.handler(event));
    assert.deepEqual(denied, CONFIGURED_DENY);
    assert.equal(logs.length, 1);
    assert.equal(logs[0].reason, 'internal_error');
    assert.match(logs[0].error, /RuntimeError/);
    const [allowed, after] = await withLogs(() => bundle.handler(event));
    assert.equal(allowed.uri, '/images/cat.jpg');
    assert.deepEqual(after, []);
  } finally {
    WebAssembly.Instance = RealInstance;
  }
});

const BUILT_IN_403 = {
  status: '403', statusDescription: 'Forbidden',
  headers: {
    'content-type': [{ key: 'Content-Type', value: 'text/plain; charset=utf-8' }],
    'cache-control': [{ key: 'Cache-Control', value: 'no-store' }],
  },
  body: 'Forbidden', bodyEncoding: 'text',
};

test('a config the wasm rejects makes every event a built-in 403 no-store deny', async () => {
  const dir = freshBundle((d) => writeFileSync(join(d, 'config.json'), '{"unknown_setting": true}'));
  const bundle = await load(dir);
  const [result, logs] = await withLogs(() => bundle.handler(sampleEvent('referer-allowed.json')));
  assert.deepEqual(result, BUILT_IN_403);
  assert.equal(logs.length, 1);
  assert.equal(logs[0].reason, 'internal_error');
  assert.match(logs[0].error, /config rejected/);
});

test('a corrupt .wasm makes every event a built-in 403 no-store deny, not a load failure', async () => {
  const bundle = await load(freshBundle((d) => writeFileSync(join(d, 'edgeguard.wasm'), 'not wasm')));
  const [result, logs] = await withLogs(() => bundle.handler(sampleEvent('referer-allowed.json')));
  assert.deepEqual(result, BUILT_IN_403);
  assert.equal(logs[0].reason, 'internal_error');
});

test('the bundle runs from a fresh directory holding only its own four files', () => {
  const dir = freshBundle();
  assert.deepEqual(readdirSync(dir).sort(), ['config.json', 'edgeguard.wasm', 'index.mjs', 'manifest.json']);
  const script = `import { handleAt } from ${JSON.stringify(pathToFileURL(join(dir, 'index.mjs')).href)};
    const e = JSON.parse(process.argv[1]); process.stdout.write(JSON.stringify(handleAt(e, ${NOW})));`;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script, JSON.stringify(sampleEvent('referer-foreign.json'))], {
    cwd: dir, encoding: 'utf8', env: {},
  });
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.stdout.split('\n').pop(), cli('invoke', '--config', CONFIG, '--now', String(NOW), join(ROOT, 'events/referer-foreign.json')));
});

test('the zip holds exactly the bundle files', () => {
  const listing = spawnSync('python3', ['-m', 'zipfile', '-l', join(ROOT, 'build/edgeguard-edge.zip')], { encoding: 'utf8' });
  assert.equal(listing.status, 0, listing.stderr);
  const names = listing.stdout.split('\n').slice(1).filter(Boolean).map((l) => l.split(/\s+/)[0]).sort();
  assert.deepEqual(names, ['config.json', 'edgeguard.wasm', 'index.mjs', 'manifest.json']);
});
