// Signed URLs and cookies on the shipped guard.toml: the function pre-checks what needs no
// public-key crypto (parameters present and well formed, known Key-Pair-Id, time window), the Rust
// guard verifies fully. Both must agree except where only a signature check can tell, which is
// the trusted key group's job at CloudFront (the function allows, Rust says signature_invalid,
// ip_not_allowed or resource_mismatch).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { BIN, NOW, ROOT, generate, load, rustBatch, cffEventFor, verdict } from './harness.mjs';

const CONFIG = 'guard.toml';
const { code } = generate(CONFIG);
const BASE = 'https://d111111abcdef8.cloudfront.net';
const RSA = ['K2JCJMDEHXQW5F', 'tests/fixtures/keys/K2JCJMDEHXQW5F.private.pem'];
const ECDSA = ['K3ECDSAP256DEMO', 'tests/fixtures/keys/K3ECDSAP256DEMO.private.pem'];
const KEY_GROUP_REASONS = ['signature_invalid', 'ip_not_allowed', 'resource_mismatch'];

function sign(path, { key = RSA, lessThan = NOW + 3600, extra = [], cookies = false } = {}) {
  const out = execFileSync(BIN, [
    cookies ? 'sign-cookies' : 'sign', '--url', BASE + path, '--key-pair-id', key[0],
    '--private-key', key[1], '--date-less-than', String(lessThan), ...extra,
  ], { cwd: ROOT }).toString().trim();
  if (cookies) return out.split('\n').map((l) => l.split(';')[0]).join('; ');
  return out.slice(out.indexOf('?') + 1);
}

const query = (qs, f) => qs.split('&').map(f).join('&');
const uri = '/private/a.pdf';
const valid = sign(uri);
const custom = sign(uri, { extra: ['--date-greater-than', String(NOW - 60)] });

/** Every value of `name=value` pairs with its first character and each `~ - _` as %XX. */
function encodeValues(pairs, sep = '&') {
  const hex = (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`;
  return pairs.split(sep).map((p) => {
    const i = p.indexOf('=');
    const v = p.slice(i + 1);
    return `${p.slice(0, i + 1)}${hex(v[0])}${v.slice(1).replace(/[~_-]/g, hex)}`;
  }).join(sep);
}

/** [name, request, expected decision of both | 'key-group'] */
const CASES = [
  ['valid canned URL', { uri, querystring: valid }, 'allow'],
  ['valid custom policy URL', { uri, querystring: sign(uri, { extra: ['--date-greater-than', String(NOW - 60)] }) }, 'allow'],
  ['valid SHA-256 URL', { uri, querystring: sign(uri, { extra: ['--hash-algorithm', 'SHA256'] }) }, 'allow'],
  ['valid ECDSA URL', { uri, querystring: sign(uri, { key: ECDSA }) }, 'allow'],
  ['valid URL with the viewer IP in the policy', { uri, querystring: sign(uri, { extra: ['--ip-address', '203.0.113.0/24'] }) }, 'allow'],
  ['valid wildcard custom policy', { uri, querystring: sign(uri, { extra: ['--policy-resource', `${BASE}/private/*`] }) }, 'allow'],
  ['valid signed cookies', { uri, cookie: sign(uri, { cookies: true, extra: ['--policy-resource', `${BASE}/private/*`] }) }, 'allow'],
  ['no signature on a required rule', { uri }, 'deny'],
  ['expired canned URL', { uri, querystring: sign(uri, { lessThan: NOW - 1 }) }, 'deny'],
  ['Expires equal to now', { uri, querystring: sign(uri, { lessThan: NOW }) }, 'deny'],
  ['not yet valid', { uri, querystring: sign(uri, { extra: ['--date-greater-than', String(NOW + 60)] }) }, 'deny'],
  ['expired custom policy', { uri, querystring: sign(uri, { lessThan: NOW - 1, extra: ['--date-greater-than', String(NOW - 60)] }) }, 'deny'],
  ['expired signed cookies', { uri, cookie: sign(uri, { cookies: true, lessThan: NOW - 1, extra: ['--policy-resource', `${BASE}/private/*`] }) }, 'deny'],
  ['unknown Key-Pair-Id', { uri, querystring: valid.replace('Key-Pair-Id=K2JCJMDEHXQW5F', 'Key-Pair-Id=KUNKNOWN') }, 'deny'],
  ['unsupported Hash-Algorithm', { uri, querystring: `${valid}&Hash-Algorithm=MD5` }, 'deny'],
  ['missing Signature', { uri, querystring: query(valid, (p) => (p.startsWith('Signature=') ? 'x=1' : p)) }, 'deny'],
  ['missing Key-Pair-Id', { uri, querystring: query(valid, (p) => (p.startsWith('Key-Pair-Id=') ? 'x=1' : p)) }, 'deny'],
  ['Expires not digits', { uri, querystring: query(valid, (p) => (p.startsWith('Expires=') ? 'Expires=1e10' : p)) }, 'deny'],
  ['a canned URL with a junk Policy beside its Expires (the Policy governs)', { uri, querystring: `${valid}&Policy=eyJ9` }, 'deny'],
  ['a custom policy URL with an ignored, expired Expires beside it', { uri, querystring: `Expires=${NOW - 100}&${custom}` }, 'allow'],
  ['a custom policy URL with a junk Expires beside it', { uri, querystring: `${custom}&Expires=junk` }, 'allow'],
  ['an expired custom policy with a future Expires beside it', { uri, querystring: `${sign(uri, { lessThan: NOW - 1, extra: ['--date-greater-than', String(NOW - 60)] })}&Expires=2147483647` }, 'deny'],
  ['Expires twice beside a Policy', { uri, querystring: `${custom}&Expires=1&Expires=1` }, 'deny'],
  ['a broken percent escape in an Expires beside a Policy', { uri, querystring: `${custom}&Expires=%ZZ` }, 'deny'],
  ['percent-encoded signing values (aws-cloudfront-sign writes ~ as %7E)', { uri, querystring: encodeValues(custom) }, 'allow'],
  ['percent-encoded canned URL values', { uri, querystring: encodeValues(valid) }, 'allow'],
  ['percent-encoded signed cookie values', { uri, cookie: encodeValues(sign(uri, { cookies: true, extra: ['--policy-resource', `${BASE}/private/*`] }), '; ') }, 'allow'],
  ['a double percent-encoded Signature', { uri, querystring: query(valid, (p) => (p.startsWith('Signature=') ? `Signature=%25${p.charCodeAt(10).toString(16)}${p.slice(11)}` : p)) }, 'deny'],
  ['a broken percent escape in the Signature', { uri, querystring: query(valid, (p) => (p.startsWith('Signature=') ? `${p}%7` : p)) }, 'deny'],
  ['an escape that is not UTF-8 in the Key-Pair-Id', { uri, querystring: query(valid, (p) => (p.startsWith('Key-Pair-Id=') ? `${p}%FF` : p)) }, 'deny'],
  ['duplicate Signature', { uri, querystring: `${valid}&Signature=abc` }, 'deny'],
  ['Policy not CloudFront base64', { uri, querystring: query(valid, (p) => (p.startsWith('Expires=') ? 'Policy=%%%' : p)) }, 'deny'],
  ['Policy without DateLessThan', { uri, querystring: query(valid, (p) => (p.startsWith('Expires=') ? `Policy=${Buffer.from('{"Statement":[{"Resource":"*"}]}').toString('base64').replace(/\+/g, '-').replace(/=/g, '_').replace(/\//g, '~')}` : p)) }, 'deny'],
  ['an expired URL wins over valid cookies', { uri, querystring: sign(uri, { lessThan: NOW - 1 }), cookie: sign(uri, { cookies: true, extra: ['--policy-resource', `${BASE}/private/*`] }) }, 'deny'],
  ['tampered signature', { uri, querystring: valid.replace(/Signature=(.)/, (m, c) => `Signature=${c === 'A' ? 'B' : 'A'}`) }, 'key-group'],
  ['policy for another viewer IP', { uri, querystring: sign(uri, { extra: ['--ip-address', '198.51.100.7'] }) }, 'key-group'],
  ['policy for another path', { uri, querystring: sign(uri, { extra: ['--policy-resource', `${BASE}/other/*`] }) }, 'key-group'],
  ['a canned signature beside another URL\'s valid Policy', { uri, querystring: `${valid}&Policy=${custom.split('&').find((p) => p.startsWith('Policy=')).slice(7)}` }, 'key-group'],
  ['optional rule, no signature, good Referer', { uri: '/images/a.png', referer: ['https://example.com/'] }, 'allow'],
  ['optional rule, expired signature, good Referer', { uri: '/images/a.png', referer: ['https://example.com/'], querystring: sign('/images/a.png', { lessThan: NOW - 1 }) }, 'deny'],
];

const rust = rustBatch(CONFIG, CASES.map(([, request]) => request));

for (const [i, [name, request, expected]] of CASES.entries()) {
  test(`${name}: ${expected === 'key-group' ? 'left to the trusted key group' : `both ${expected}`}`, async () => {
    const js = verdict(await load(code)(cffEventFor(request)));
    if (expected === 'key-group') {
      assert.equal(js.decision, 'allow');
      assert.equal(rust[i].decision, 'deny');
      assert.ok(KEY_GROUP_REASONS.includes(rust[i].reason), rust[i].reason);
    } else {
      assert.equal(rust[i].decision, expected, `Rust: ${rust[i].reason}`);
      assert.deepEqual(js, { decision: rust[i].decision, status: rust[i].status });
    }
  });
}

test('allowed signed URLs lose their signing parameters (strip_signature)', async () => {
  const event = cffEventFor({ uri, querystring: `a=1&${valid}` });
  const result = await load(code)(event);
  assert.deepEqual(Object.keys(result.querystring), ['a']);
});

test('an Expires ignored beside a Policy is stripped too (it is a signing parameter)', async () => {
  const event = cffEventFor({ uri, querystring: `a=1&Expires=1&${custom}` });
  const result = await load(code)(event);
  assert.deepEqual(Object.keys(result.querystring), ['a']);
});

test('signature_bypasses_referer is not honoured: a valid share link with a foreign Referer is denied (listed divergence)', async () => {
  const request = { uri: '/images/a.png', referer: ['https://evil.com/'], querystring: sign('/images/a.png') };
  const [r] = rustBatch(CONFIG, [request]);
  const js = verdict(await load(code)(cffEventFor(request)));
  assert.equal(r.decision, 'allow');
  assert.equal(js.decision, 'deny');
});
