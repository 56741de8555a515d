#!/usr/bin/env node
// Measures a packaged Lambda@Edge bundle (default build/edge): cold start in fresh processes
// and steady-state time per event through the real handler (JSON in, wasm, JSON out) for a
// Referer-only request and RSA / ECDSA signed URLs. Numbers for BENCHMARKS.md, not a test.
// Usage: node scripts/bench-edge.mjs [BUNDLE_DIR] [ITERATIONS]
import { spawnSync } from 'node:child_process';
import { createPrivateKey, sign } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const bundle = resolve(process.argv[2] ?? 'build/edge');
const iterations = Number(process.argv[3] ?? 2000);
const NOW = 1767225600;
const DOMAIN = 'd111111abcdef8.cloudfront.net';
const b64 = (b) => Buffer.from(b).toString('base64').replace(/\+/g, '-').replace(/=/g, '_').replace(/\//g, '~');

function event(uri, querystring, headers = {}) {
  return { Records: [{ cf: {
    config: { distributionDomainName: DOMAIN, distributionId: 'EDFDVBD6EXAMPLE', eventType: 'viewer-request', requestId: 'bench' },
    request: { clientIp: '203.0.113.178', headers: { host: [{ key: 'Host', value: DOMAIN }], ...headers }, method: 'GET', querystring, uri },
  } }] };
}
function signedUrl(keyId, hash) {
  const uri = '/private/report.pdf';
  const policy = `{"Statement":[{"Resource":"https://${DOMAIN}${uri}","Condition":{"DateLessThan":{"AWS:EpochTime":${NOW + 3600}}}}]}`;
  const key = createPrivateKey(readFileSync(`tests/fixtures/keys/${keyId}.private.pem`));
  const algo = hash === 'SHA256' ? 'sha256' : 'sha1';
  const query = `Expires=${NOW + 3600}&Signature=${b64(sign(algo, Buffer.from(policy), key))}&Key-Pair-Id=${keyId}`;
  return event(uri, hash ? `${query}&Hash-Algorithm=${hash}` : query);
}
const cases = {
  'referer only (no signature)': event('/images/cat.jpg', '', { referer: [{ key: 'Referer', value: 'https://www.example.com/gallery/' }] }),
  'RSA-2048 SHA-1 signed URL': signedUrl('K2JCJMDEHXQW5F'),
  'ECDSA P-256 SHA-256 signed URL': signedUrl('K3ECDSAP256DEMO', 'SHA256'),
};

// Cold start: a fresh process imports the bundle (read + compile + instantiate + init) and
// decides one signed event. Median of 7.
const index = pathToFileURL(join(bundle, 'index.mjs')).href;
const coldScript = `const t0 = performance.now();
  const { handleAt } = await import(${JSON.stringify(index)});
  const t1 = performance.now();
  handleAt(JSON.parse(process.argv[1]), ${NOW});
  console.log(JSON.stringify({ load: t1 - t0, first: performance.now() - t1 }));`;
const median = (xs) => xs.sort((a, b) => a - b)[xs.length >> 1];
const cold = [];
for (let i = 0; i < 7; i++) {
  const t = performance.now();
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', coldScript, JSON.stringify(cases['RSA-2048 SHA-1 signed URL'])], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(run.stderr);
  cold.push({ ...JSON.parse(run.stdout.trim().split('\n').pop()), wall: performance.now() - t });
}
const { handleAt } = await import(index);
const quiet = console.log;
console.log = () => {};
const perCall = {};
for (const [name, ev] of Object.entries(cases)) {
  const result = handleAt(ev, NOW);
  if (result.status) throw new Error(`${name} was denied: run from the repository root with guard.toml's bundle`);
  for (let i = 0; i < 300; i++) handleAt(ev, NOW);
  const rounds = [];
  for (let r = 0; r < 5; r++) {
    const t = performance.now();
    for (let i = 0; i < iterations; i++) handleAt(ev, NOW);
    rounds.push(((performance.now() - t) * 1000) / iterations);
  }
  perCall[name] = median(rounds);
}
console.log = quiet;
const size = (f) => statSync(join(bundle, f)).size;
console.log(`bundle ${bundle}: edgeguard.wasm ${size('edgeguard.wasm')} B, node ${process.version}`);
console.log(`cold start (median of 7 fresh processes): import ${median(cold.map((c) => c.load)).toFixed(1)} ms, first signed event ${median(cold.map((c) => c.first)).toFixed(1)} ms, whole process ${median(cold.map((c) => c.wall)).toFixed(0)} ms`);
for (const [name, us] of Object.entries(perCall)) console.log(`  ${name}: ${us.toFixed(0)} µs/event (median of 5 x ${iterations})`);
