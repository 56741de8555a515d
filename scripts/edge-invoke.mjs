#!/usr/bin/env node
// Runs the packaged Lambda@Edge handler (build/edge/index.mjs) on one event file and prints its
// return value as JSON, like `sam local invoke` without Docker. Deny log lines go to stderr.
// Refuses (exit 2) a bundle that was not built from --config (its manifest.json records the
// config's digest): deciding with another config's rules would silently answer the wrong question.
// Usage: node scripts/edge-invoke.mjs EVENT.json [--config guard.toml] [--now EPOCH] [--bundle DIR]
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { BundleMismatch, assertBundleBuiltFrom } from './bundle-manifest.mjs';

const USAGE = 'usage: edge-invoke.mjs EVENT.json [--config guard.toml] [--now EPOCH] [--bundle DIR]';
let values, positionals;
try {
  ({ values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      now: { type: 'string' },
      bundle: { type: 'string', default: 'build/edge' },
      config: { type: 'string', default: 'guard.toml' },
    },
  }));
} catch (e) {
  console.error(`edge-invoke: ${e.message}\n${USAGE}`);
  process.exit(2);
}
if (positionals.length !== 1) {
  console.error(USAGE);
  process.exit(2);
}
try {
  assertBundleBuiltFrom(values.bundle, values.config);
} catch (e) {
  if (!(e instanceof BundleMismatch)) throw e;
  console.error(`edge-invoke: refusing the bundle: ${e.message}`);
  process.exit(2);
}
console.log = (...args) => console.error(...args); // keep stdout for the result only
const { handler, handleAt } = await import(pathToFileURL(resolve(values.bundle, 'index.mjs')));
const event = JSON.parse(readFileSync(positionals[0], 'utf8'));
const result = values.now === undefined ? await handler(event) : handleAt(event, Number(values.now));
process.stdout.write(`${JSON.stringify(result)}\n`);
