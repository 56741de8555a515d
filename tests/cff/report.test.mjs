// Report-only mode in the generated CloudFront Function: a request the rules would deny goes on
// unchanged and one plain console.log line "would_deny REASON RULE URI" appears (CloudWatch does
// not extract EMF from CloudFront Functions logs); an enforced deny logs "deny ...". Labels,
// reason codes and the enforcement of pre-rule denies come from Rust through placeholders.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, cffEventFor, generate, load, rustBatch } from './harness.mjs';

const dirs = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** guard.toml with `prefix` at its top and `edit` applied, beside a copy of keys/. */
function config(prefix, edit = (t) => t) {
  const dir = mkdtempSync(join(tmpdir(), 'edgeguard-cff-report-'));
  dirs.push(dir);
  cpSync(join(ROOT, 'keys'), join(dir, 'keys'), { recursive: true });
  const file = join(dir, 'guard.toml');
  writeFileSync(file, prefix + edit(readFileSync(join(ROOT, 'guard.toml'), 'utf8')));
  return file;
}

async function run(code, request) {
  const logs = [];
  const handler = load(code, { logs });
  const event = cffEventFor(request);
  const before = structuredClone(event.request);
  return { result: await handler(event), before, logs };
}

const FOREIGN = { uri: '/images/cat.jpg', referer: ['https://hotlinker.example.net/page'] };

test('report mode: a foreign Referer goes on unchanged and logs would_deny with reason and rule', async () => {
  const { code } = generate(config('mode = "report"\n'));
  const { result, before, logs } = await run(code, FOREIGN);
  assert.deepEqual(result, before);
  assert.deepEqual(logs, ['would_deny referer_not_allowed 1 /images/cat.jpg']);
});

test('enforce mode (the default): the same request gets the deny response and logs deny', async () => {
  const { code } = generate(join(ROOT, 'guard.toml'));
  const { result, logs } = await run(code, FOREIGN);
  assert.equal(result.statusCode, 403);
  assert.deepEqual(logs, ['deny referer_not_allowed 1 /images/cat.jpg']);
});

test('a rule in report mode under an enforcing top level: only that rule passes', async () => {
  const file = config('', (t) => t.replace('signature_bypasses_referer = true', 'signature_bypasses_referer = true\nmode = "report"'));
  const { code } = generate(file);
  const media = await run(code, FOREIGN);
  assert.equal(media.result.statusCode, undefined);
  assert.deepEqual(media.logs, ['would_deny referer_not_allowed 1 /images/cat.jpg']);
  const unmatched = await run(code, { uri: '/admin/config.json' });
  assert.equal(unmatched.result.statusCode, 403);
  assert.deepEqual(unmatched.logs, ['deny no_rule none /admin/config.json']);
});

test('report mode: no_rule and a missing Referer pass and are logged as would_deny', async () => {
  const { code } = generate(config('mode = "report"\n'));
  const unmatched = await run(code, { uri: '/admin/config.json' });
  assert.deepEqual(unmatched.result, unmatched.before);
  assert.deepEqual(unmatched.logs, ['would_deny no_rule none /admin/config.json']);
  const missing = await run(code, { uri: '/images/cat.jpg' });
  assert.deepEqual(missing.logs, ['would_deny referer_missing 1 /images/cat.jpg']);
});

test('report mode with no enforcing rule: a path an origin reads differently passes as would_deny', async () => {
  const { code } = generate(config('mode = "report"\n'));
  const { result, logs } = await run(code, { uri: '/public/../private/secret.pdf' });
  assert.equal(result.statusCode, undefined);
  assert.deepEqual(logs, ['would_deny path_not_normalized none /public/../private/secret.pdf']);
});

test('path_not_normalized stays enforced when any rule enforces (it could reach that rule\'s objects)', async () => {
  const file = config('', (t) => t.replace('signature_bypasses_referer = true', 'signature_bypasses_referer = true\nmode = "report"'));
  const { code } = generate(file);
  const { result, logs } = await run(code, { uri: '/public/../private/secret.pdf' });
  assert.equal(result.statusCode, 403);
  assert.deepEqual(logs, ['deny path_not_normalized none /public/../private/secret.pdf']);
});

test('report mode: the function passes exactly what the Rust guard passes (decision labels agree)', async () => {
  const file = config('mode = "report"\n');
  const { code } = generate(file);
  const requests = [
    FOREIGN,
    { uri: '/images/cat.jpg', referer: ['https://example.com/'] },
    { uri: '/admin/config.json' },
    { uri: '/private/video.mp4' },
    { uri: '/public/a.css' },
  ];
  const rust = rustBatch(file, requests);
  for (const [i, request] of requests.entries()) {
    const { result, logs } = await run(code, request);
    assert.equal(result.statusCode, undefined, request.uri);
    const label = logs.length ? logs[0].split(' ')[0] : 'allow';
    assert.equal(label, rust[i].decision, request.uri);
  }
});
