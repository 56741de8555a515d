// The function is a viewer-request guard: attached to viewer-response (or handed an event without
// its context) it denies, logged event_malformed, as the Rust guard denies a viewer-response event.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cffEventFor, generate, load, verdict } from './harness.mjs';

const { code } = generate('guard.toml');
const PUBLIC = { uri: '/public/a.css' };

async function run(edit) {
  const logs = [];
  const event = cffEventFor(PUBLIC);
  edit(event);
  return { result: verdict(await load(code, { logs })(event)), logs };
}

test('a viewer-request event of an open path is allowed (the baseline of the cases below)', async () => {
  assert.deepEqual((await run(() => {})).result, { decision: 'allow', status: null });
});

test('a viewer-response event is denied event_malformed', async () => {
  const { result, logs } = await run((e) => { e.context.eventType = 'viewer-response'; });
  assert.deepEqual(result, { decision: 'deny', status: 403 });
  assert.match(logs.join('\n'), /^deny event_malformed none \/public\/a\.css$/m);
});

test('an event without its context is denied event_malformed', async () => {
  const { result, logs } = await run((e) => { delete e.context; });
  assert.deepEqual(result, { decision: 'deny', status: 403 });
  assert.match(logs.join('\n'), /^deny event_malformed /m);
});
