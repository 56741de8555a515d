// Report-only mode in the Lambda@Edge bundle: with `mode = "report"` a request the rules would
// deny goes on unchanged and Rust's would_deny line (CloudWatch EMF, metric WouldDeny) is
// printed as is; the fallback record of a failing wasm has the shape of Rust's record.
// Run: `make test-edge` (needs build/edge).
import { test } from 'node:test';

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';

import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { scratch as scratchDir } from './support.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BUNDLE = join(ROOT, 'build/edge');
const CLI = join(ROOT, 'target/debug/edgeguard');
const NOW = 1767225600;
for (const needed of [join(BUNDLE, 'index.mjs'), CLI]) {
  if (!existsSync(needed)) throw new Error(`${needed} is missing: run \`make test-edge\``);
}

const scratch = () => scratchDir('edgeguard-report-');

function cli(...args) {
  const run = spawnSync(CLI, args, { encoding: 'utf8', cwd: ROOT });
  assert.equal(run.status, 0, `edgeguard ${args.join(' ')}: ${run.stderr}`);
  return run.stdout.trimEnd();
}

/** guard.toml with `prefix` put at its top, written beside keys/ so pem_file paths resolve. */
function configWith(prefix) {
  const dir = scratch();
  cpSync(join(ROOT, 'keys'), join(dir, 'keys'), { recursive: true });
  const file = join(dir, 'guard.toml');
  writeFileSync(file, prefix + readFileSync(join(ROOT, 'guard.toml'), 'utf8'));
  return file;
}

/** A copy of the bundle running `config` (compiled by the CLI, as package-edge.sh does). */
async function bundleFor(config) {
  const dir = scratch();
  for (const f of readdirSync(BUNDLE)) cpSync(join(BUNDLE, f), join(dir, f));
  writeFileSync(join(dir, 'config.json'), cli('config', 'compile', '--allow-demo-keys', config));
  return import(pathToFileURL(join(dir, 'index.mjs')).href);
}

async function withLogs(fn) {
  const lines = [];
  const original = console.log;
  console.log = (line) => lines.push(line);
  try {
    return [await fn(), lines];
  } finally {
    console.log = original;
  }
}

const sample = (name) => JSON.parse(readFileSync(join(ROOT, 'events', name), 'utf8'));
const REPORT = configWith('mode = "report"\n');
const report = await bundleFor(REPORT);

test('report mode: a foreign Referer goes on unchanged and is logged as would_deny', async () => {
  const event = sample('referer-foreign.json');
  const [result, logs] = await withLogs(() => report.handleAt(structuredClone(event), NOW));
  assert.deepEqual(result, event.Records[0].cf.request);
  assert.equal(logs.length, 1);
  const line = JSON.parse(logs[0]);
  assert.equal(line.decision, 'would_deny');
  assert.equal(line.reason, 'referer_not_allowed');
  assert.equal(line.rule, 1);
  assert.equal(line.WouldDeny, 1);
  assert.equal(line.Denied, undefined);
  assert.deepEqual(line._aws.CloudWatchMetrics[0].Metrics, [{ Name: 'WouldDeny', Unit: 'Count' }]);
});

test('report mode: a would-deny comes back as the very request object CloudFront handed over', async () => {
  const event = sample('referer-foreign.json');
  const [result, logs] = await withLogs(() => report.handleAt(event, NOW));
  assert.equal(result, event.Records[0].cf.request);
  assert.equal(JSON.parse(logs[0]).decision, 'would_deny');
});

test('report mode: the bundle prints exactly the line native invoke writes', async () => {
  for (const name of ['referer-foreign.json', 'path-unmatched.json', 'signed-url-tampered.json']) {
    const file = join(ROOT, 'events', name);
    const native = JSON.parse(cli('invoke', '--config', REPORT, '--now', String(NOW), '--outcome', file));
    const [result, logs] = await withLogs(() => report.handleAt(sample(name), NOW));
    assert.equal(native.decision, 'would_deny', name);
    assert.deepEqual(result, native.result, name);
    assert.deepEqual(logs, [native.log], name);
  }
});

test('report mode: every sample event gets native invoke\'s answer and log line, byte for byte', async () => {
  const names = readdirSync(join(ROOT, 'events')).filter((f) => f.endsWith('.json')).sort();
  const labels = new Set();
  for (const name of names) {
    const file = join(ROOT, 'events', name);
    const answer = cli('invoke', '--config', REPORT, '--now', String(NOW), file);
    const native = JSON.parse(cli('invoke', '--config', REPORT, '--now', String(NOW), '--outcome', file));
    const [result, logs] = await withLogs(() => report.handleAt(sample(name), NOW));
    assert.equal(JSON.stringify(result), answer, name);
    assert.deepEqual(logs, native.decision === 'allow' ? [] : [native.log], name);
    labels.add(native.decision);
  }
  assert.deepEqual([...labels].sort(), ['allow', 'deny', 'would_deny']);
});

test('report mode: a would-deny on a strip_signature rule keeps the signing parameters', async () => {
  const event = sample('signed-url-expired.json');
  const [result] = await withLogs(() => report.handleAt(structuredClone(event), NOW));
  assert.equal(result.querystring, event.Records[0].cf.request.querystring);
});

test('report mode: a malformed event is still denied (fail closed)', async () => {
  const [result, logs] = await withLogs(() => report.handleAt(sample('viewer-response.json'), NOW));
  assert.equal(result.status, '403');
  assert.equal(JSON.parse(logs[0]).decision, 'deny');
  assert.equal(JSON.parse(logs[0]).reason, 'event_malformed');
});

test('the log line is stamped with the milliseconds the handler passes in', async () => {
  const [, logs] = await withLogs(() => report.handleAt(sample('referer-foreign.json'), NOW, NOW * 1000 + 789));
  assert.equal(JSON.parse(logs[0])._aws.Timestamp, NOW * 1000 + 789);
});

test('the fallback record of a failed wasm has the keys and EMF block of Rust\'s record, plus error', async () => {
  const native = JSON.parse(cli('invoke', '--config', join(ROOT, 'guard.toml'), '--now', String(NOW), '--outcome',
    join(ROOT, 'events/referer-foreign.json')));
  const rust = JSON.parse(native.log);
  const fallback = report.fallbackRecord(new Error('boom'), sample('referer-foreign.json'), NOW * 1000);
  const { error, ...shape } = fallback;
  assert.equal(error, 'Error: boom');
  assert.deepEqual(Object.keys(shape), Object.keys(rust));
  assert.deepEqual(
    { ...shape._aws.CloudWatchMetrics[0], Metrics: undefined },
    { ...rust._aws.CloudWatchMetrics[0], Metrics: undefined },
  );
  assert.deepEqual(shape._aws.CloudWatchMetrics[0].Metrics, rust._aws.CloudWatchMetrics[0].Metrics);
  assert.equal(shape._aws.Timestamp, rust._aws.Timestamp);
  assert.equal(shape.Reason, 'internal_error');
  assert.equal(shape.Rule, 'none');
});
