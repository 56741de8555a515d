// `edgeguard cff --kvs`: plain host patterns move to a CloudFront KeyValueStore (keys
// `<rule>:<pattern>`). Loaded with the import file `--kvs-data` writes, the function must decide
// like the Rust guard with the patterns inline.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generate, load, rustBatch, cffEventFor, verdict } from './harness.mjs';
import { ALLOWED, generateReferers } from './referers.mjs';

const CONFIG = 'tests/cff/fixtures/patterns.toml';
const first = generate(CONFIG);
const DATA = join(first.dir, 'kvs.json');
const { code } = generate(CONFIG, ['--kvs', '--kvs-data', DATA]);
const data = JSON.parse(readFileSync(DATA, 'utf8'));

test('the KVS variant keeps only non-plain patterns inline and imports cloudfront', () => {
  assert.match(code, /^import cf from 'cloudfront';$/m);
  assert.doesNotMatch(code, /"=example\.com"/);
  assert.match(code, /\["=secure\.example",'https',0,0\]/);
});

test('the import file lists every plain host pattern under its rule', () => {
  const keys = data.data.map((e) => e.key);
  for (const k of ['0:example.com', '0:*.example.com', '0:.apex.example', '0:xn--bcher-kva.example',
    '0:*.xn--caf-dma.example', '0:127.0.0.1', '1:example.com', '2:.example.com']) {
    assert.ok(keys.includes(k), k);
  }
  assert.ok(data.data.every((e) => e.value === '1'));
});

test('with the KeyValueStore loaded, decisions match the Rust guard (never looser)', async () => {
  const kvs = new Set(data.data.map((e) => e.key));
  const handler = load(code, { kvs });
  const values = [...ALLOWED, ...generateReferers(4000, 7)];
  const rust = rustBatch(CONFIG, values.map((v) => ({ uri: '/all/x', referer: [v] })));
  let stricter = 0;
  for (let i = 0; i < values.length; i++) {
    const js = verdict(await handler(cffEventFor({ uri: '/all/x', referer: [values[i]] })));
    if (js.decision === rust[i].decision) continue;
    assert.equal(js.decision, 'deny', `KVS variant allows ${JSON.stringify(values[i])} (Rust: ${rust[i].reason})`);
    assert.match(values[i], /\[|xn--|gallery|deep/i, `unlisted stricter case ${JSON.stringify(values[i])}`);
    stricter++;
  }
  assert.ok(stricter < values.length / 50);
});

test('an empty KeyValueStore denies hosts that only it would allow', async () => {
  const handler = load(code, { kvs: new Set() });
  const js = verdict(await handler(cffEventFor({ uri: '/all/x', referer: ['https://example.com/'] })));
  assert.equal(js.decision, 'deny');
});

test('a failing KeyValueStore fails closed', async () => {
  const handler = load(code.replace("var V=cf.kvs();", "var V={exists:async()=>{throw new Error('kvs down')}};"));
  const js = verdict(await handler(cffEventFor({ uri: '/all/x', referer: ['https://example.com/'] })));
  assert.equal(js.decision, 'deny');
});

test('hosts over 20 labels are not looked up (listed divergence: the function denies)', async () => {
  const handler = load(code, { kvs: new Set(data.data.map((e) => e.key)) });
  const deep = `https://${'a.'.repeat(18)}example.com/`; // 20 labels
  const deeper = `https://${'a.'.repeat(19)}example.com/`; // 21 labels
  const rust = rustBatch(CONFIG, [deep, deeper].map((v) => ({ uri: '/all/x', referer: [v] })));
  assert.deepEqual(rust.map((r) => r.decision), ['allow', 'allow']);
  assert.equal(verdict(await handler(cffEventFor({ uri: '/all/x', referer: [deep] }))).decision, 'allow');
  assert.equal(verdict(await handler(cffEventFor({ uri: '/all/x', referer: [deeper] }))).decision, 'deny');
});
