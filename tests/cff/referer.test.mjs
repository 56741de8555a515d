// Differential test: thousands of generated Referer values through the generated function and the
// Rust guard (one `edgeguard decide-batch` process), on a config using every pattern form.
// The function may never allow what Rust denies; it may deny what Rust allows only in the
// documented fail-closed cases (README, "CloudFront Functions variant"), matched below.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generate, load, rustBatch, cffEventFor, verdict } from './harness.mjs';
import { ALLOWED, generateReferers, HOSTS, PATHS } from './referers.mjs';

const CONFIG = 'tests/cff/fixtures/patterns.toml';
const { code } = generate(CONFIG);

/** The documented cases where the function denies a Referer the Rust guard allows. */
const KNOWN_STRICTER = [
  ['IPv6 literal not in canonical form', (v) => /\[[^\]]*\]/.test(v) && !/\[::1\]/.test(v)],
  ['path or query not already in WHATWG serialised form (under a path-prefix pattern)',
    (v) => /gallery\.example|deep\.example/i.test(v) && /[\\"<>^`{}']|\/(\.|%2e){1,2}([\/?#]|$)/i.test(v)],
  ['xn-- label inside a wildcard or regex match', (v) => /xn--/i.test(v)],
];

function requests(uri, values) {
  return values.map((v) => ({ uri, referer: [v] }));
}

async function compare(uri, values) {
  const rust = rustBatch(CONFIG, requests(uri, values));
  const handler = load(code);
  const looser = [];
  const stricter = {};
  for (let i = 0; i < values.length; i++) {
    const js = verdict(await handler(cffEventFor({ uri, referer: [values[i]] })));
    if (js.decision === rust[i].decision) {
      assert.equal(js.status, rust[i].status, `status for ${JSON.stringify(values[i])}`);
      continue;
    }
    if (js.decision === 'allow') {
      looser.push(`${JSON.stringify(values[i])} (Rust: ${rust[i].reason})`);
      continue;
    }
    const known = KNOWN_STRICTER.find(([, applies]) => applies(values[i]));
    const label = known ? known[0] : `UNLISTED: ${JSON.stringify(values[i])}`;
    (stricter[label] ??= []).push(values[i]);
  }
  return { looser, stricter, total: values.length, allowed: rust.filter((d) => d.decision === 'allow').length };
}

function report(name, { looser, stricter, total, allowed }) {
  const lines = Object.entries(stricter).map(([k, v]) => `  ${k}: ${v.length} (e.g. ${JSON.stringify(v[0])})`);
  console.log(`# ${name}: ${total} Referers, Rust allowed ${allowed}; function stricter in ${Object.values(stricter).flat().length}\n${lines.join('\n')}`);
}

test('the function never allows a generated Referer the Rust guard denies, and agrees otherwise', async () => {
  // CFF_SEED / CFF_COUNT explore further; the suite runs the same 20,000 values every time.
  const values = generateReferers(Number(process.env.CFF_COUNT ?? 20000), Number(process.env.CFF_SEED ?? 20260101));
  const result = await compare('/all/x.png', values);
  report('generated', result);
  assert.deepEqual(result.looser, [], 'function allows what Rust denies');
  assert.deepEqual(Object.keys(result.stricter).filter((k) => k.startsWith('UNLISTED')), []);
  assert.ok(result.allowed > result.total / 20, `too few allowed values to be a meaningful test: ${result.allowed}`);
  const stricter = Object.values(result.stricter).flat().length;
  assert.ok(stricter <= total(result) / 50, `function stricter in ${stricter} cases`);
});

function total(r) {
  return r.total;
}

test('every host in the corpus, over https with a clean path, gets the same decision', async () => {
  const values = HOSTS.flatMap((h) => [`https://${h}/`, `http://${h}/gallery/x`, `https://${h}:8443/a/b?c`]);
  const result = await compare('/all/x', values);
  report('hosts', result);
  assert.deepEqual(result.looser, []);
  assert.deepEqual(Object.keys(result.stricter).filter((k) => k.startsWith('UNLISTED')), []);
});

test('every path in the corpus under the path-prefix pattern', async () => {
  const values = PATHS.flatMap((p) => [`https://gallery.example${p}`, `https://deep.example:8443${p}`]);
  const result = await compare('/all/x', values);
  report('paths', result);
  assert.deepEqual(result.looser, []);
  assert.deepEqual(Object.keys(result.stricter).filter((k) => k.startsWith('UNLISTED')), []);
});

test('known bypasses are denied by both', async () => {
  const bypasses = [
    'https://example.com.evil.com/', 'https://evilexample.com/', 'https://evil.com?.example.com',
    'https://evil.com#.example.com', 'http://example.com:pw@evil.com/', 'https://evil.com\\@example.com',
    'https://evil.com%2F.example.com/', 'https://evil.com;.example.com/', 'http:evil.com@example.com',
    'https://example.com@evil.com/',
  ];
  const result = await compare('/all/x', bypasses);
  assert.equal(result.allowed, 0);
  assert.deepEqual(result.looser, []);
});

test('the near-miss seeds are all allowed by both', async () => {
  const result = await compare('/all/x', ALLOWED);
  assert.equal(result.allowed, ALLOWED.length);
  assert.deepEqual(result.stricter, {});
});

test('a URI with characters outside the BMP is denied by the function (listed divergence)', async () => {
  const handler = load(code);
  const js = verdict(await handler(cffEventFor({ uri: '/public/\u{1F600}', referer: [] })));
  const [rust] = rustBatch(CONFIG, [{ uri: '/public/\u{1F600}' }]);
  assert.equal(rust.decision, 'allow');
  assert.equal(js.decision, 'deny');
});

test('missing, empty and repeated Referers decide alike on every rule', async () => {
  const cases = [];
  for (const uri of ['/all/x', '/open/x', '/imgA/b.png', '/img/b.png', '/exact', '/public/x', '/none', '/imgü/x.png']) {
    for (const referer of [[], [''], ['https://example.com/'], ['https://example.com/', 'https://example.com/'],
      ['https://evil.com/'], ['https://x.example.com/']]) {
      cases.push({ uri, referer });
    }
  }
  const rust = rustBatch(CONFIG, cases);
  const handler = load(code);
  for (let i = 0; i < cases.length; i++) {
    const js = verdict(await handler(cffEventFor(cases[i])));
    assert.deepEqual(
      js,
      { decision: rust[i].decision, status: rust[i].status },
      `${JSON.stringify(cases[i])} (Rust: ${rust[i].reason})`,
    );
  }
});
