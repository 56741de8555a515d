#!/usr/bin/env node
// Runs the packaged Lambda@Edge handler (build/edge/index.mjs) on one event file and prints its
// return value as JSON, like `sam local invoke` without Docker. Deny log lines go to stderr.
// Usage: node scripts/edge-invoke.mjs EVENT.json [--now EPOCH] [--bundle DIR]
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { now: { type: 'string' }, bundle: { type: 'string', default: 'build/edge' } },
});
if (positionals.length !== 1) {
  console.error('usage: edge-invoke.mjs EVENT.json [--now EPOCH] [--bundle DIR]');
  process.exit(2);
}
console.log = (...args) => console.error(...args); // keep stdout for the result only
const { handler, handleAt } = await import(pathToFileURL(resolve(values.bundle, 'index.mjs')));
const event = JSON.parse(readFileSync(positionals[0], 'utf8'));
const result = values.now === undefined ? await handler(event) : handleAt(event, Number(values.now));
process.stdout.write(`${JSON.stringify(result)}\n`);
