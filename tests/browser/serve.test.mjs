// Browser test of `edgeguard serve` with the shipped guard.toml, in headless Chromium.
//
// Two page servers on loopback play an allowed site (www.example.com) and a hotlinker
// (evil.test); Chromium resolves both names, and cdn.example.com (the edge), to 127.0.0.1 via
// --host-resolver-rules, so the Referer it sends is exactly what a real browser would send from
// those sites. Both pages embed the same protected image through the edge: the first must show
// it, the second must get 403. A CloudFront signed link (signed with @aws-sdk/cloudfront-signer,
// AWS's own signer) must open before its expiry and be refused after it.
//
// Screenshots go to target/browser-artifacts/. Run: make test-browser.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdtempSync, mkdirSync, writeFileSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { chromium } from 'playwright-core';
import { getSignedUrl } from '@aws-sdk/cloudfront-signer';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = process.env.EDGEGUARD_BIN ?? join(ROOT, 'target', 'debug', 'edgeguard');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const ARTIFACTS = join(ROOT, 'target', 'browser-artifacts');
const PRIVATE_KEY = readFileSync(join(ROOT, 'tests', 'fixtures', 'keys', 'K2JCJMDEHXQW5F.private.pem'), 'utf8');
// The Host the guard sees (--host-header): signed URLs name the distribution, not the local port.
const EDGE_HOST = 'cdn.example.com';
const STEP_MS = 15_000;

const IMAGE_SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="240" height="120" viewBox="0 0 240 120">
<rect width="240" height="120" fill="#2e7d32"/><text x="120" y="68" font-size="20" text-anchor="middle"
fill="#fff" font-family="sans-serif">protected image</text></svg>`;

let site, edge, edgeLog, edgePort, pages, browser;

/** Starts `edgeguard serve` and resolves once it prints its address. */
function startEdge(origin) {
  const child = spawn(BIN, [
    'serve', '--config', join(ROOT, 'guard.toml'), '--origin', origin,
    '--listen', '127.0.0.1:0', '--host-header', EDGE_HOST,
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  const log = [];
  createInterface({ input: child.stderr }).on('line', (line) => log.push(line));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`edgeguard serve did not start: ${log.join('\n')}`)), STEP_MS);
    child.on('exit', (code) => reject(new Error(`edgeguard serve exited ${code}: ${log.join('\n')}`)));
    createInterface({ input: child.stdout }).once('line', (line) => {
      clearTimeout(timer);
      const port = Number(/http:\/\/127\.0\.0\.1:(\d+)/.exec(line)?.[1]);
      resolve({ child, log, port });
    });
  });
}

/** A page server whose only page embeds the protected image through the edge. */
function startPageServer(title) {
  const server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><title>${title}</title><h1>${title}</h1>
<img id="protected" src="http://${EDGE_HOST}:${edgePort}/images/cat.svg" alt="protected">`);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** Loads a page and reports how its embedded image fared. */
async function embed(url, shot) {
  const page = await browser.newPage();
  try {
    const imageResponse = page.waitForResponse((r) => r.url().includes('/images/cat.svg'), { timeout: STEP_MS });
    await page.goto(url, { timeout: STEP_MS });
    const response = await imageResponse;
    const naturalWidth = await page.$eval('#protected', (img) =>
      img.complete ? img.naturalWidth : new Promise((done) => {
        img.onload = () => done(img.naturalWidth);
        img.onerror = () => done(img.naturalWidth);
      }));
    await page.screenshot({ path: join(ARTIFACTS, shot) });
    return { status: response.status(), naturalWidth, referer: await response.request().headerValue('referer') };
  } finally {
    await page.close();
  }
}

/** Opens a URL as a top-level navigation; returns the status and a screenshot. */
async function open(url, shot) {
  const page = await browser.newPage();
  try {
    const response = await page.goto(url, { timeout: STEP_MS });
    await page.screenshot({ path: join(ARTIFACTS, shot) });
    return { status: response.status(), body: await response.text() };
  } finally {
    await page.close();
  }
}

function lastLogFor(path) {
  const lines = edgeLog.map((l) => { try { return JSON.parse(l); } catch { return null; } })
    .filter((l) => l && l.uri.startsWith(path));
  return lines.at(-1);
}

before(async () => {
  assert.ok(existsSync(BIN), `${BIN} missing: run cargo build --bin edgeguard first`);
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} missing: scripts/setup.sh installs it`);
  mkdirSync(ARTIFACTS, { recursive: true });
  site = mkdtempSync(join(tmpdir(), 'edgeguard-browser-'));
  mkdirSync(join(site, 'images'));
  mkdirSync(join(site, 'private'));
  writeFileSync(join(site, 'images', 'cat.svg'), IMAGE_SVG);
  writeFileSync(join(site, 'private', 'report.html'), '<!doctype html><h1>paid report</h1>');
  ({ child: edge, log: edgeLog, port: edgePort } = await startEdge(site));
  pages = { allowed: await startPageServer('www.example.com'), foreign: await startPageServer('evil.test') };
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    timeout: STEP_MS,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--disable-features=HttpsUpgrades,HttpsFirstBalancedModeAutoEnable',
      '--host-resolver-rules=MAP *.example.com 127.0.0.1, MAP evil.test 127.0.0.1',
    ],
  });
});

after(async () => {
  await browser?.close();
  for (const server of Object.values(pages ?? {})) server.close();
  if (edge && edge.exitCode === null) {
    const exited = new Promise((resolve) => edge.once('exit', resolve));
    edge.kill('SIGTERM');
    await exited;
  }
  if (site) rmSync(site, { recursive: true, force: true });
});

test('page on the allowed site shows the protected image', async () => {
  const port = pages.allowed.address().port;
  const result = await embed(`http://www.example.com:${port}/`, 'allowed-site.png');
  assert.equal(result.referer, `http://www.example.com:${port}/`);
  assert.equal(result.status, 200);
  assert.ok(result.naturalWidth > 0, `image not rendered (naturalWidth ${result.naturalWidth})`);
  assert.equal(lastLogFor('/images/cat.svg').decision, 'allow');
});

test('page on a foreign site gets 403 and no image', async () => {
  const port = pages.foreign.address().port;
  const result = await embed(`http://evil.test:${port}/`, 'foreign-site.png');
  assert.equal(result.referer, `http://evil.test:${port}/`);
  assert.equal(result.status, 403);
  assert.equal(result.naturalWidth, 0);
  const log = lastLogFor('/images/cat.svg');
  assert.equal(log.decision, 'deny');
  assert.equal(log.reason, 'referer_not_allowed');
});

test('signed link opens before its expiry and is refused after it', async () => {
  const base = `http://${EDGE_HOST}:${edgePort}/private/report.html`;
  const unsigned = await open(base, 'private-unsigned.png');
  assert.equal(unsigned.status, 403);
  assert.equal(lastLogFor('/private/report.html').reason, 'signature_missing');

  // Signed for the distribution's URL (what --host-header presents), valid for 3 seconds.
  const expires = Math.floor(Date.now() / 1000) + 3;
  const signed = getSignedUrl({
    url: `https://${EDGE_HOST}/private/report.html`,
    keyPairId: 'K2JCJMDEHXQW5F',
    privateKey: PRIVATE_KEY,
    dateLessThan: new Date(expires * 1000).toISOString(),
  });
  const link = `${base}${new URL(signed).search}`;

  const fresh = await open(link, 'signed-before-expiry.png');
  assert.equal(fresh.status, 200, `signed link refused: ${JSON.stringify(lastLogFor('/private/report.html'))}`);
  assert.match(fresh.body, /paid report/);

  const waitMs = (expires + 1) * 1000 - Date.now();
  if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
  const stale = await open(link, 'signed-after-expiry.png');
  assert.equal(stale.status, 403);
  assert.equal(lastLogFor('/private/report.html').reason, 'expired');
});
