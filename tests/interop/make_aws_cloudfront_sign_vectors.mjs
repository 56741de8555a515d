// Writes tests/vectors/aws-cloudfront-sign.json: signed URLs and cookies made by the npm package
// aws-cloudfront-sign with the demo keys (tests/fixtures/keys/) at a fixed clock, so the Rust
// tests (tests/aws_cloudfront_sign_vectors.rs) pin its wire form even where npm is absent.
// RSA PKCS#1 v1.5 and the package's ECDSA (Node's createSign, random k) are both checked by
// verification, not by comparing bytes, so regenerating gives new ECDSA signatures.
//
// Usage (maintainers): node tests/interop/make_aws_cloudfront_sign_vectors.mjs
// Review the diff before committing.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const ROOT = new URL('../../', import.meta.url).pathname;
const require = createRequire(import.meta.url);
const NOW = 1767225600; // 2026-01-01T00:00:00Z: the package checks expireTime > now
const EXPIRES = 2000000000;
const HOST = 'd111111abcdef8.cloudfront.net';
const KEYS = { rsa: 'K2JCJMDEHXQW5F', ecdsa: 'K3ECDSAP256DEMO' };

// The package reads the clock through `new Date()`: freeze it so generation is reproducible.
const RealDate = Date;
globalThis.Date = class extends RealDate {
  constructor(...args) {
    super(...(args.length ? args : [NOW * 1000]));
  }
  static now() {
    return NOW * 1000;
  }
};
const sign = require('aws-cloudfront-sign');
const pkg = require('aws-cloudfront-sign/package.json');

const options = (key, extra = {}) => ({
  keypairId: KEYS[key],
  privateKeyPath: `${ROOT}tests/fixtures/keys/${KEYS[key]}.private.pem`,
  expireTime: EXPIRES * 1000,
  ...extra,
});

/** A viewer request for `url`, optionally on another path (a wildcard policy's use). */
function urlRequest(url, path) {
  const u = url.slice(`https://${HOST}`.length);
  const [uri, querystring] = [u.slice(0, u.indexOf('?')), u.slice(u.indexOf('?') + 1)];
  return { uri: path ?? uri, querystring, cookie: null };
}

function cookieRequest(cookies, path) {
  return { uri: path, querystring: '', cookie: Object.entries(cookies).map(([k, v]) => `${k}=${v}`).join('; ') };
}

const base = `https://${HOST}`;
const vectors = [
  ['url, one file', 'rsa', urlRequest(sign.getSignedUrl(`${base}/private/report.pdf`, options('rsa')))],
  ['url, one file with its own query', 'rsa', urlRequest(sign.getSignedUrl(`${base}/private/report.pdf?page=2&lang=en`, options('rsa')))],
  ['url, IP range', 'rsa', urlRequest(sign.getSignedUrl(`${base}/private/report.pdf`, options('rsa', { ipRange: '203.0.113.0/24' })))],
  ['url, wildcard applied to a file under it', 'rsa', urlRequest(sign.getSignedUrl(`${base}/media/*`, options('rsa')), '/media/season1/ep1.mp4')],
  ['url, ECDSA key', 'ecdsa', urlRequest(sign.getSignedUrl(`${base}/private/report.pdf`, options('ecdsa')))],
  ['cookies, wildcard and IP range', 'rsa', cookieRequest(sign.getSignedCookies(`${base}/private/*`, options('rsa', { ipRange: '203.0.113.0/24' })), '/private/album/1.jpg')],
  ['cookies, ECDSA key, one file', 'ecdsa', cookieRequest(sign.getSignedCookies(`${base}/private/report.pdf`, options('ecdsa')), '/private/report.pdf')],
].map(([name, key, request]) => ({ name, key_pair_id: KEYS[key], host: HOST, client_ip: '203.0.113.178', ...request }));

const out = {
  source: {
    package: pkg.name,
    version: pkg.version,
    license: pkg.license,
    repository: pkg.repository.url,
    generated_by: 'node tests/interop/make_aws_cloudfront_sign_vectors.mjs',
    clock: NOW,
    notes: [
      'Signed by the package itself (getSignedUrl, getSignedCookies) with the demo keys of tests/fixtures/keys/ (public halves below), expireTime 2000000000 s.',
      'Its URLs carry both Expires and Policy (the Policy governs) and write the values through URLSearchParams, so ~ appears as %7E.',
      'Every vector must verify at `clock` with the scheme https; a one-character change of the path must not.',
    ],
  },
  public_keys: Object.fromEntries(Object.values(KEYS).map((id) => [id, readFileSync(`${ROOT}keys/${id}.pem`, 'utf8')])),
  vectors,
};
writeFileSync(`${ROOT}tests/vectors/aws-cloudfront-sign.json`, `${JSON.stringify(out, null, 2)}\n`);
for (const v of vectors) console.log(`${v.name}: ${v.uri}?${v.querystring.slice(0, 60)}...`);
