// Every Lambda@Edge sample event in events/, converted to the CloudFront Functions shape, must get
// the same allow/deny and the same status from the generated function as from the Rust guard.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, generate, load, rustInvoke, toCffEvent, verdict } from './harness.mjs';

const CONFIG = 'guard.toml';
const { code } = generate(CONFIG);
const files = readdirSync(join(ROOT, 'events')).filter((f) => f.endsWith('.json')).sort();

/** Rust reasons a trusted key group enforces at CloudFront (the function cannot check them). */
const KEY_GROUP_REASONS = new Set([
  'signature_invalid', 'signature_malformed', 'policy_malformed', 'ip_not_allowed', 'resource_mismatch',
]);

function carriesSignature(cff) {
  const q = cff.request.querystring;
  const c = cff.request.cookies;
  return ['Expires', 'Policy', 'Signature', 'Key-Pair-Id'].some((k) => k in q || `CloudFront-${k}` in c);
}

test('events/ holds sample events to compare', () => {
  assert.ok(files.length >= 8, `only ${files.length} events`);
});

for (const file of files) {
  test(`${file}: same decision and status as the Rust guard`, async (t) => {
    const path = join(ROOT, 'events', file);
    const rust = rustInvoke(CONFIG, path);
    if (rust.reason === 'event_malformed') {
      // Not a well-formed viewer-request event (another trigger's event, a SAM sample lacking a
      // field): CloudFront Functions get their own event shape, which toCffEvent would invent.
      t.skip('not a viewer-request event: no CloudFront Functions counterpart');
      return;
    }
    const cff = toCffEvent(JSON.parse(readFileSync(path, 'utf8')));
    const handler = load(code);
    const js = verdict(await handler(structuredClone(cff)));
    if (js.decision === rust.decision) {
      assert.equal(js.status, rust.status);
      return;
    }
    // Signed requests: the function pre-checks, the key group verifies. Any difference must be one
    // the key group settles (JS allows what Rust rejects for a signature reason), or the listed
    // divergence that signature_bypasses_referer is not honoured (JS denies a bad Referer).
    assert.ok(carriesSignature(cff), `unsigned request: JS ${js.decision}, Rust ${rust.decision} (${rust.reason})`);
    if (js.decision === 'allow') {
      assert.ok(KEY_GROUP_REASONS.has(rust.reason), `JS allows what Rust denies for ${rust.reason}`);
    } else {
      const referer = cff.request.headers.referer;
      assert.ok(!referer || !/^https?:\/\/(www\.)?example\.com\//.test(referer.value),
        'JS denies a signed request with a good Referer');
    }
  });
}

test('an allowed request is returned unchanged', async () => {
  const path = join(ROOT, 'events', 'referer-allowed.json');
  const cff = toCffEvent(JSON.parse(readFileSync(path, 'utf8')));
  const result = await load(code)(structuredClone(cff));
  assert.deepEqual(result, cff.request);
});

test('the deny response has the configured status, headers and body', async () => {
  const path = join(ROOT, 'events', 'referer-foreign.json');
  const result = await load(code)(toCffEvent(JSON.parse(readFileSync(path, 'utf8'))));
  assert.deepEqual(JSON.parse(JSON.stringify(result)), {
    statusCode: 403,
    statusDescription: 'Forbidden',
    headers: {
      'content-type': { value: 'text/plain; charset=utf-8' },
      'cache-control': { value: 'no-store' },
    },
    body: 'Forbidden',
  });
});
