// Path globs with CloudFront semantics (`*` any run including `/`, `?` one character,
// case-sensitive, first rule wins, no rule = deny; paths an origin reads otherwise are refused):
// generated URIs through the function and the Rust guard. Rules alternate allow /
// deny-without-Referer, so the decision shows the rule chosen.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generate, load, rustBatch, cffEventFor, verdict } from './harness.mjs';
import { rng } from './referers.mjs';

const CONFIG = 'tests/cff/fixtures/globs.toml';
const { code } = generate(CONFIG);
const PIECES = ['/', '/', 'a', 'b', 'c', 'x', 'y', 'z', 'q', 'v', '1', '.', '.jpg', '.png', '.JPG', 'img',
  'thumb', '$', '+', '~user', 'exact.txt', '?', '%2F', 'é', '-', '_', 'A', 'B',
  // forms the path check refuses or reads otherwise (src/path.rs), so rule choice meets them too
  '..', '%2e', '%2E%2E', ';', ';x', '\\', '%5C', '%3B', '%00', '%', '%zz', '%c0%ae', '%252e', '%69',
  '%20', '%C3%A9', '%2B', '%24'];

function uris(count) {
  const r = rng(99);
  const out = ['/', '/abc/', '/a.jpg', '/abc.jpg', '/aXc/d', '/ax/xy', '/$v+1/z', '/img/a/b/thumb/c.png',
    '/q1', '/exact.txt', '/exactXtxt', '/a.b', '/aXb', '/x1yz', '/~user/p', '/ab/c', '/a/b/c', '/é/x', '/éé/x',
    '/IMG/a/thumb/b.png', '/a.JPG', '/qé'];
  while (out.length < count) {
    let u = '/';
    const n = 1 + Math.floor(r() * 7);
    for (let i = 0; i < n; i++) u += PIECES[Math.floor(r() * PIECES.length)];
    out.push(u);
  }
  return out;
}

test('generated URIs choose the same rule in the function and in Rust', async () => {
  const list = uris(5000);
  const rust = rustBatch(CONFIG, list.map((uri) => ({ uri })));
  const handler = load(code);
  const seen = new Set();
  for (let i = 0; i < list.length; i++) {
    const js = verdict(await handler(cffEventFor({ uri: list[i] })));
    assert.deepEqual(js, { decision: rust[i].decision, status: rust[i].status },
      `${JSON.stringify(list[i])} (Rust: ${rust[i].reason})`);
    seen.add(`${rust[i].decision}/${rust[i].reason}`);
  }
  assert.deepEqual([...seen].sort(),
    ['allow/null', 'deny/no_rule', 'deny/path_not_normalized', 'deny/referer_missing']);
});
