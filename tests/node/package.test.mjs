// scripts/package-edge.sh (`make package`) never leaves a half-written bundle: a missing tool is
// reported with what to run before anything is written, and a failure after staging leaves the
// previous bundle exactly as it was. Each test packages into its own EDGE_BUILD_DIR, never build/.
// The stand-in wasm-opt programs below let the failure happen at a chosen step without the real
// optimiser's half minute; tests/node/edge-parity.test.mjs checks the bundle the real one builds.
import { test } from 'node:test';

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';

import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { COPYING_WASM_OPT, fakeWasmOpt, scratch as scratchDir } from './support.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SCRIPT = join(ROOT, 'scripts/package-edge.sh');
const BUNDLE = join(ROOT, 'build/edge');

const scratch = () => scratchDir('edgeguard-package-');
// Writes the first bytes of a module to the -o file, then dies: a crash half way through.
const CRASHING = 'while [ $# -gt 0 ]; do [ "$1" = -o ] && printf "\\0asm" > "$2"; shift; done\necho "wasm-opt: simulated crash" >&2\nexit 1';
const COPYING = COPYING_WASM_OPT;

/** Runs the script with its output (and wasm-opt cache) in buildDir's parent, never in build/. */
function packageInto(buildDir, env) {
  return spawnSync('bash', [SCRIPT, 'guard.toml'], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, EDGE_BUILD_DIR: buildDir, WASM_OPT_CACHE_DIR: join(buildDir, '..', 'wasm-opt-cache'), ...env },
  });
}

/** buildDir holding a copy of the real bundle as "the previous one"; returns its file contents. */
function previousBundle(buildDir) {
  cpSync(BUNDLE, join(buildDir, 'edge'), { recursive: true });
  cpSync(join(ROOT, 'build/edgeguard-edge.zip'), join(buildDir, 'edgeguard-edge.zip'));
  return snapshot(buildDir);
}

/** Every file under buildDir (names and bytes), so "unchanged" means byte for byte. */
function snapshot(buildDir) {
  const files = {};
  for (const entry of readdirSync(buildDir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) {
      const path = join(entry.parentPath ?? entry.path, entry.name);
      files[path.slice(buildDir.length + 1)] = readFileSync(path).toString('base64');
    }
  }
  return files;
}

test('a missing wasm-opt is reported with the command to run, and nothing is written', () => {
  const buildDir = join(scratch(), 'build');
  const run = packageInto(buildDir, { WASM_OPT: '/nonexistent/node_modules/.bin/wasm-opt' });
  assert.equal(run.status, 1);
  assert.match(run.stderr, /^package-edge: \/nonexistent\/node_modules\/\.bin\/wasm-opt not found: it comes from the binaryen npm package; run `npm ci` in /m);
  assert.equal(existsSync(buildDir), false);
});

test('wasm-opt crashing half way leaves the previous bundle and zip byte for byte, and no staging directory', () => {
  const dir = scratch();
  const buildDir = join(dir, 'build');
  const before = previousBundle(buildDir);
  const run = packageInto(buildDir, { WASM_OPT: fakeWasmOpt(dir, CRASHING) });
  assert.equal(run.status, 1, run.stderr);
  assert.match(run.stderr, /simulated crash/);
  assert.deepEqual(snapshot(buildDir), before);
  assert.deepEqual(readdirSync(buildDir).sort(), ['edge', 'edgeguard-edge.zip']);
});

test('a bundle over the size budget is refused and the previous bundle stays in place', () => {
  const dir = scratch();
  const buildDir = join(dir, 'build');
  const before = previousBundle(buildDir);
  const run = packageInto(buildDir, { WASM_OPT: fakeWasmOpt(dir, COPYING), EDGE_BUDGET_BYTES: '1000' });
  assert.equal(run.status, 1, run.stderr);
  assert.match(run.stderr, /the bundle is over the 1000-byte budget; .*\/edge is left as it was/);
  assert.deepEqual(snapshot(buildDir), before);
  assert.deepEqual(readdirSync(buildDir).sort(), ['edge', 'edgeguard-edge.zip']);
});

test('a complete build replaces the previous bundle whole: the new wasm, a manifest, no leftovers', () => {
  const dir = scratch();
  const buildDir = join(dir, 'build');
  previousBundle(buildDir);
  writeFileSync(join(buildDir, 'edge', 'stale-file'), 'from an older build');
  const run = packageInto(buildDir, { WASM_OPT: fakeWasmOpt(dir, COPYING), EDGE_BUDGET_BYTES: '100000000' });
  assert.equal(run.status, 0, run.stderr);
  assert.deepEqual(readdirSync(join(buildDir, 'edge')).sort(), ['config.json', 'edgeguard.wasm', 'index.mjs', 'manifest.json']);
  assert.deepEqual(
    readFileSync(join(buildDir, 'edge', 'edgeguard.wasm')),
    readFileSync(join(ROOT, 'target/wasm32-unknown-unknown/edge/edgeguard_wasm.wasm')),
  );
  assert.equal(JSON.parse(readFileSync(join(buildDir, 'edge', 'manifest.json'), 'utf8')).config, 'guard.toml');
  assert.deepEqual(readdirSync(buildDir).sort(), ['edge', 'edgeguard-edge.zip']);
});
