// `~REGEX` patterns in the CloudFront Function: the accepted ones decide exactly as the Rust guard
// on a table of hosts (long adversarial ones included), a regex that could backtrack is refused
// naming the pattern and the plain forms, a regex that escapes its anchors gets no function, and
// no RegExp ever sees a host longer than a DNS name. Refusal is proved by the generator's
// structural check (src/cff/regex_safety.rs), never by timing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate, generateFails, load, rustBatch, cffEventFor, verdict } from './harness.mjs';

const CONFIG = 'tests/cff/fixtures/regexes.toml';
const RULES = 19;
const { code } = generate(CONFIG);
const dir = mkdtempSync(join(tmpdir(), 'edgeguard-regex-'));

const LONG_LABEL = 'a'.repeat(63);
/** Hosts for every rule: matches, near misses, and long hosts built to make a backtracking engine
 * try every way to split them (the issue's `a` x 26 + `.example.co`, and worse). */
const HOSTS = [
  'cdn1.example.com', 'cdn.example.com', 'cdn123456789.example.com', 'www.example.com', 'static.example.com',
  'wwwstatic.example.com', 'example.com', 'a.example.com', 'aa.example.com', 'aaa.example.com', 'b.example.com',
  'a-b.example.com', 'a--b.example.com', '-.example.com', 'a-.example.com', 'ab-cd-ef.example.com', 'a_b.example.com',
  'img-1.example.org', 'img-123.example.org', 'img-1234.example.org', 'img-.example.org', 'edge1.example.net',
  'edge1.2.3.example.net', 'edge.example.net', 'edge1..example.net', '10.0.0.7', '10.0.0.255', '10.0.0.1000',
  '10.0.0', 'cdn.example.net', 'Cdn.example.com', 'ab.example.com', 'aab.example.com', 'a1.example.com',
  'ay.example.com', 'ax.example.com', 'x.com', 'x.y.z', 'y.x.com', 'ax.com', '_.example.com', 'a.example.com.evil',
  'evil.example.com.', 'example.com.example.com', 'xn--a.example.com',
  `${'a'.repeat(26)}.example.co`, `${'a'.repeat(26)}.example.com`, `${'a'.repeat(60)}.example.co`,
  `${'a-'.repeat(30)}a.example.co`, `${'a-'.repeat(30)}.example.co`, `${'0'.repeat(60)}.example.co`,
  `edge${'1.'.repeat(100)}example.ne`, `edge${'1.'.repeat(100)}example.net`, `${'ab'.repeat(100)}.example.com`,
  `${'a'.repeat(200)}b.example.co`, `${'a'.repeat(200)}b.example.com`,
  `${[LONG_LABEL, LONG_LABEL, LONG_LABEL].join('.')}.example.co`,
  // The host length bound: 253 characters is the longest DNS name, 254 is malformed in both.
  `${'a'.repeat(253 - '.example.com'.length)}.example.com`,
  `${'a'.repeat(254 - '.example.com'.length)}.example.com`,
  `${'a'.repeat(1000)}.example.com`,
];

const REFERERS = HOSTS.flatMap((h) => [`https://${h}/`, `http://${h.toUpperCase()}:8080/x`]);

test('for every accepted regex and host, the function decides exactly as the Rust guard', async () => {
  const cases = [];
  for (let i = 0; i < RULES; i++) {
    for (const referer of REFERERS) cases.push({ uri: `/r${i}/x.png`, referer: [referer] });
  }
  const rust = rustBatch(CONFIG, cases);
  const handler = load(code);
  const disagreements = [];
  for (let i = 0; i < cases.length; i++) {
    const js = verdict(await handler(cffEventFor(cases[i])));
    // A regex never matches a host with an xn-- label in the function (listed in the README).
    if (/xn--/i.test(cases[i].referer[0]) && js.decision === 'deny') continue;
    if (js.decision !== rust[i].decision || js.status !== rust[i].status) {
      disagreements.push(`${cases[i].uri} ${cases[i].referer[0].slice(0, 80)}: function ${js.decision}, Rust ${rust[i].decision} (${rust[i].reason})`);
    }
  }
  assert.deepEqual(disagreements, []);
  const allowed = rust.filter((d) => d.decision === 'allow').length;
  assert.ok(allowed >= 2 * RULES, `too few allows to be a meaningful test: ${allowed}`);
  assert.ok(rust.some((d) => d.reason === 'referer_not_allowed'));
});

test('hosts over 253 characters are malformed for the Rust guard, and the function checks the bound before any RegExp', () => {
  const long = `https://${'a'.repeat(254 - '.example.com'.length)}.example.com/`;
  const edge = `https://${'a'.repeat(253 - '.example.com'.length)}.example.com/`;
  const [over, at] = rustBatch(CONFIG, [{ uri: '/r2/x', referer: [long] }, { uri: '/r2/x', referer: [edge] }]);
  assert.equal(over.reason, 'referer_malformed');
  assert.equal(at.decision, 'allow');
  // The bound comes from Rust's MAX_HOST_LEN, in the parser P, which runs before M tests a RegExp.
  assert.match(code, /\|\|h\.length>253\)return 0;/);
  assert.ok(code.indexOf('h.length>253') < code.indexOf('function M('));
});

/** Runs `edgeguard cff` on a one-rule config allowing `pattern`; returns {status, stderr}. */
function refusal(pattern) {
  const path = join(dir, 'refused.toml');
  writeFileSync(path, `[[rules]]\npaths = ["/*"]\nreferer = { allow = [${JSON.stringify(pattern)}] }\n`);
  return generateFails(path);
}

const BACKTRACKING = [
  '~([a-z0-9]+-?)+\\.example\\.com', '~(a+)+', '~(a|ab)*c', '~(\\w+\\s?)*', '~(.*a){10}', '~\\d+\\d+x',
  '~.*\\.example\\.com', '~([a-z0-9-]+\\.)*example\\.com',
];

for (const pattern of BACKTRACKING) {
  test(`${pattern} is refused naming the pattern and the plain forms`, () => {
    const { status, stderr } = refusal(pattern);
    assert.equal(status, 2);
    assert.match(stderr, /rules\[0\]\.referer\.allow\[0\]: not supported by CloudFront Functions/);
    assert.ok(stderr.includes(`regex ${JSON.stringify(pattern.slice(1))}`), stderr);
    assert.match(stderr, /super-linear time/);
    assert.match(stderr, /`example\.com`, `\*\.example\.com` or `\.example\.com`/);
  });
}

test('a regex that closes a group it never opened gets no function: the config does not load', () => {
  const { status, stderr } = refusal('~example\\.com)|(.*');
  assert.equal(status, 2);
  assert.match(stderr, /refused\.toml:3: rules\[0\]\.referer\.allow\[0\]: bad pattern "~example\\\\\.com\)\|\(\.\*": invalid regex/);
});

/** Whether a RegExp body is one expression: no `)` closes a group it did not open, every group
 * and class it opens it closes (so `^(?:` body `)$` anchors all of it). */
function oneExpression(body) {
  let depth = 0;
  let inClass = false;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === '\\') i++;
    else if (c === '[' && !inClass) inClass = true;
    else if (c === ']' && inClass) inClass = false;
    else if (c === '(' && !inClass) depth++;
    else if (c === ')' && !inClass && --depth < 0) return false;
  }
  return depth === 0 && !inClass;
}

test('every Referer RegExp in the function is one expression between anchors, with no flags', () => {
  // `)$/` right before `]]`: nothing, no flag, after the closing slash.
  const regexps = [...code.matchAll(/\[0,\[\/\^\(\?:(.*?)\)\$\/\]\]/g)].map((m) => m[1]);
  assert.equal(regexps.length, RULES);
  for (const body of regexps) assert.ok(oneExpression(body), body);
  assert.ok(!oneExpression('example\\.com)|(.*'));
});
