#!/usr/bin/env node
// The edge bundle (build/edge: Node.js handler + edgeguard.wasm) against the plain Node.js
// baseline (bench/node-baseline/index.mjs) in one run: cold start in fresh processes (module
// load incl. wasm compile + instantiate + config init, then the first event) and the time per
// invocation of the exported async `handler`, plus the zip size against Lambda@Edge's 1 MB
// viewer-trigger quota. Numbers for BENCHMARKS.md, not a test.
//
//   make package && node bench/edge-vs-node.mjs [BUNDLE_DIR] [ITERATIONS]
import { spawnSync } from 'node:child_process';
import { createPrivateKey, sign } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const bundle = resolve(process.argv[2] ?? 'build/edge');
const zip = resolve(bundle, '..', 'edgeguard-edge.zip');
const iterations = Number(process.argv[3] ?? 3000);
const EXPIRES = 2000000000; // 2033: valid under the handlers' real clock
const HOST = 'd111111abcdef8.cloudfront.net';
const QUOTA = 1024 * 1024;
const b64 = (b) => b.toString('base64').replace(/\+/g, '-').replace(/=/g, '_').replace(/\//g, '~');

function event(uri, querystring, headers = {}) {
  return { Records: [{ cf: {
    config: { distributionDomainName: HOST, distributionId: 'EDFDVBD6EXAMPLE', eventType: 'viewer-request', requestId: 'bench' },
    request: { clientIp: '203.0.113.178', method: 'GET', querystring, uri, headers: {
      host: [{ key: 'Host', value: HOST }],
      'user-agent': [{ key: 'User-Agent', value: 'Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0 Safari/537.36' }],
      accept: [{ key: 'Accept', value: 'image/avif,image/webp,*/*;q=0.8' }],
      ...headers,
    } },
  } }] };
}
function signed(keyId, sha256) {
  const uri = '/private/report.pdf';
  const policy = `{"Statement":[{"Resource":"https://${HOST}${uri}","Condition":{"DateLessThan":{"AWS:EpochTime":${EXPIRES}}}}]}`;
  const key = createPrivateKey(readFileSync(`tests/fixtures/keys/${keyId}.private.pem`));
  const sig = b64(sign(sha256 ? 'sha256' : 'sha1', Buffer.from(policy), key));
  return event(uri, `Expires=${EXPIRES}&Signature=${sig}&Key-Pair-Id=${keyId}${sha256 ? '&Hash-Algorithm=SHA256' : ''}`);
}
const referer = (value) => ({ referer: [{ key: 'Referer', value }] });
const cases = [
  ['referer allow', event('/images/cat.jpg', '', referer('https://www.example.com/gallery/')), true],
  ['referer deny', event('/images/cat.jpg', '', referer('https://evil.test/page')), false],
  ['RSA-2048 SHA-1 signed URL', signed('K2JCJMDEHXQW5F', false), true],
  ['ECDSA P-256 SHA-256 signed URL', signed('K3ECDSAP256DEMO', true), true],
];
const handlers = {
  edge: pathToFileURL(join(bundle, 'index.mjs')).href,
  baseline: new URL('./node-baseline/index.mjs', import.meta.url).href,
};
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

// Cold start: a fresh node process imports the handler module and decides one signed event.
function coldStart(href) {
  const script = `const t0 = performance.now();
    const { handler } = await import(${JSON.stringify(href)});
    const t1 = performance.now();
    console.log = () => {};
    const r = await handler(JSON.parse(process.argv[1]));
    process.stdout.write(JSON.stringify({ load: t1 - t0, first: performance.now() - t1, allowed: !r.status }));`;
  const runs = [];
  for (let i = 0; i < 9; i++) {
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script, JSON.stringify(cases[2][1])], { encoding: 'utf8' });
    if (run.status !== 0) throw new Error(run.stderr);
    const r = JSON.parse(run.stdout);
    if (!r.allowed) throw new Error(`${href}: signed event denied at cold start`);
    runs.push(r);
  }
  return { load: median(runs.map((r) => r.load)), first: median(runs.map((r) => r.first)) };
}

const cold = { edge: coldStart(handlers.edge), baseline: coldStart(handlers.baseline) };

const quiet = console.log;
const loaded = {};
for (const [name, href] of Object.entries(handlers)) loaded[name] = (await import(href)).handler;
console.log = () => {}; // the edge handler logs one line per deny
const perCall = {};
for (const [label, ev, allow] of cases) {
  perCall[label] = {};
  // Each invocation gets its own copy of the event, made before the clock starts: a handler may
  // return (and so edit) the request it was given, as both do when they strip signing parameters.
  const copies = (n) => Array.from({ length: n }, () => structuredClone(ev));
  for (const [name, handler] of Object.entries(loaded)) {
    const result = await handler(copies(1)[0]);
    if (!result.status !== allow) throw new Error(`${name} decided ${label} wrongly`);
  }
  // Alternate the two handlers round by round so machine noise hits both alike.
  const rounds = { edge: [], baseline: [] };
  for (let r = 0; r < 7; r++) {
    for (const [name, handler] of Object.entries(loaded)) {
      for (const e of copies(200)) await handler(e);
      const events = copies(iterations);
      const t = performance.now();
      for (let i = 0; i < iterations; i++) await handler(events[i]);
      rounds[name].push(((performance.now() - t) * 1000) / iterations);
    }
  }
  for (const name of Object.keys(loaded)) perCall[label][name] = median(rounds[name]);
}
console.log = quiet;

const kb = (n) => `${(n / 1024).toFixed(1)} KiB`;
console.log(`node ${process.version}; bundle ${bundle}; ${iterations} invocations x 7 rounds per case, medians`);
console.log(`zip ${zip}: ${kb(statSync(zip).size)} of the 1 MB viewer-trigger quota (${((100 * statSync(zip).size) / QUOTA).toFixed(1)} %); edgeguard.wasm ${kb(statSync(join(bundle, 'edgeguard.wasm')).size)}`);
console.log('');
console.log('| cold start (median of 9 fresh processes) | edge bundle | plain Node.js | ratio |');
console.log('|---|---:|---:|---:|');
for (const k of ['load', 'first']) {
  const what = k === 'load' ? 'module load (import; edge: + wasm compile, instantiate, config init)' : 'first event (RSA-2048 signed URL)';
  console.log(`| ${what} | ${cold.edge[k].toFixed(2)} ms | ${cold.baseline[k].toFixed(2)} ms | ${(cold.edge[k] / cold.baseline[k]).toFixed(2)} |`);
}
const total = (c) => c.load + c.first;
console.log(`| load + first event | ${total(cold.edge).toFixed(2)} ms | ${total(cold.baseline).toFixed(2)} ms | ${(total(cold.edge) / total(cold.baseline)).toFixed(2)} |`);
console.log('');
console.log('| per invocation (await handler(event)) | edge bundle | plain Node.js | ratio |');
console.log('|---|---:|---:|---:|');
for (const [label, t] of Object.entries(perCall)) {
  console.log(`| ${label} | ${t.edge.toFixed(1)} µs | ${t.baseline.toFixed(1)} µs | ${(t.edge / t.baseline).toFixed(2)} |`);
}
