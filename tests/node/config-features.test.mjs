// The edge module carries only what its config uses (issue #12): scripts/package-edge.sh builds
// the wasm with the features `edgeguard config edge-features` names, so `~REGEX` support is in the
// bundle of a config with such a pattern and nowhere else, and a bundle without it refuses such a
// config at load (every request denied, the reason logged) instead of dropping the pattern.
// Packaging here uses a copying stand-in for wasm-opt (the real one takes half a minute; the
// optimised bundle is what tests/node/edge-parity.test.mjs checks), into scratch directories.
import { test } from 'node:test';

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';

import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { COPYING_WASM_OPT, fakeWasmOpt, scratch as scratchDir } from './support.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = join(ROOT, 'target/debug/edgeguard');
const REGEX_CONFIG = `[[rules]]
paths = ["/images/*"]
referer = { allow = ["~(www\\\\.)?example\\\\.(com|org)"] }
`;

const scratch = () => scratchDir('edgeguard-features-');

function writeConfig(dir, toml) {
  const path = join(dir, 'guard.toml');
  writeFileSync(path, toml);
  return path;
}

function cli(...args) {
  const run = spawnSync(CLI, args, { cwd: ROOT, encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  return run.stdout;
}

function event(referer) {
  return { Records: [{ cf: {
    config: { distributionDomainName: 'd111111abcdef8.cloudfront.net', distributionId: 'EDFDVBD6EXAMPLE', eventType: 'viewer-request', requestId: 'features' },
    request: { clientIp: '203.0.113.178', method: 'GET', querystring: '', uri: '/images/cat.jpg', headers: {
      host: [{ key: 'Host', value: 'd111111abcdef8.cloudfront.net' }],
      referer: [{ key: 'Referer', value: referer }],
    } },
  } }] };
}

/** Imports the handler of a bundle directory, collecting what it logs. */
async function load(bundleDir) {
  const { handleAt } = await import(pathToFileURL(join(bundleDir, 'index.mjs')).href);
  return (ev) => {
    const lines = [];
    const log = console.log;
    console.log = (line) => lines.push(line);
    try {
      return { result: handleAt(ev, 1_700_000_000), lines };
    } finally {
      console.log = log;
    }
  };
}

test('a config without ~REGEX patterns needs no wasm feature; one with such a pattern needs regex', () => {
  const dir = scratch();
  assert.equal(cli('config', 'edge-features', 'guard.toml'), '\n');
  assert.equal(cli('config', 'edge-features', writeConfig(dir, REGEX_CONFIG)), 'regex\n');
});

test('the bundle of a config with a ~REGEX pattern is built with regex support and decides the pattern', async () => {
  const dir = scratch();
  const config = writeConfig(dir, REGEX_CONFIG);
  const wasmOpt = fakeWasmOpt(dir, COPYING_WASM_OPT);
  const buildDir = join(dir, 'build');
  const run = spawnSync('bash', [join(ROOT, 'scripts/package-edge.sh'), config], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, EDGE_BUILD_DIR: buildDir, WASM_OPT: wasmOpt, EDGE_BUDGET_BYTES: '100000000' },
  });
  assert.equal(run.status, 0, run.stderr);
  const manifest = JSON.parse(readFileSync(join(buildDir, 'edge', 'manifest.json'), 'utf8'));
  assert.deepEqual(manifest.wasm_features, ['regex']);
  const decide = await load(join(buildDir, 'edge'));
  assert.equal(decide(event('https://www.example.org/page')).result.uri, '/images/cat.jpg');
  const denied = decide(event('https://evil.test/page'));
  assert.equal(denied.result.status, '403');
  assert.equal(JSON.parse(denied.lines[0]).reason, 'referer_not_allowed');
});

test('the default bundle has no regex support: a ~REGEX config put into it denies every request and says why', async () => {
  const dir = scratch();
  const bundleDir = join(dir, 'edge');
  cpSync(join(ROOT, 'build/edge'), bundleDir, { recursive: true });
  assert.deepEqual(JSON.parse(readFileSync(join(bundleDir, 'manifest.json'), 'utf8')).wasm_features, []);
  writeFileSync(join(bundleDir, 'config.json'), cli('config', 'compile', writeConfig(dir, REGEX_CONFIG)));
  const decide = await load(bundleDir);
  const { result, lines } = decide(event('https://www.example.org/page'));
  assert.equal(result.status, '403');
  const record = JSON.parse(lines[0]);
  assert.equal(record.reason, 'internal_error');
  assert.match(record.error, /no `~REGEX` support/);
});
