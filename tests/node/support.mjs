// Helpers the edge tests share (not a test file: `node --test tests/node/*.test.mjs` skips it).
import { after } from 'node:test';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const scratchDirs = [];
after(() => scratchDirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** A fresh directory under the system's temporary folder, removed when the test file ends. */
export function scratch(prefix = 'edgeguard-test-') {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  scratchDirs.push(dir);
  return dir;
}

/** An executable stand-in for wasm-opt in `dir` with the given shell body (it sees wasm-opt's arguments). */
export function fakeWasmOpt(dir, body) {
  const path = join(dir, 'wasm-opt');
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

/** A wasm-opt body that copies its input unoptimised to the -o file: a complete (larger) bundle, at once. */
export const COPYING_WASM_OPT = 'in=; while [ $# -gt 0 ]; do case "$1" in -o) out="$2"; shift;; -*) ;; *) in="$1";; esac; shift; done\ncp "$in" "$out"';
