// Shared helpers for the CloudFront Functions differential tests: generate the function with
// `edgeguard cff`, run it in a sandbox shaped like cloudfront-js-2.0, convert Lambda@Edge events
// to the CloudFront Functions event shape, and ask the Rust guard for its decisions in batch.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import vm from 'node:vm';

export const ROOT = new URL('../../', import.meta.url).pathname;
export const BIN = process.env.EDGEGUARD ?? join(ROOT, 'target/debug/edgeguard');
/** The clock every differential test runs at (2026-01-01T00:00:00Z). */
export const NOW = 1767225600;

// Scratch directories of generate(), removed when the test file's process exits.
const scratchDirs = [];
process.on('exit', () => scratchDirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/**
 * Runs `edgeguard cff`; returns {code, dir} (a scratch directory for the test's own files) or
 * throws with the exit status. Test configs may trust the demo keys (guard.toml does), so every
 * run is marked as a demo build.
 */
export function generate(config, extra = []) {
  const dir = mkdtempSync(join(tmpdir(), 'edgeguard-cff-'));
  scratchDirs.push(dir);
  const out = join(dir, 'guard.js');
  execFileSync(BIN, ['cff', '--allow-demo-keys', '--config', config, '--out', out, ...extra], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  return { code: readFileSync(out, 'utf8'), dir };
}

/** Runs `edgeguard cff` expecting failure; returns {status, stderr}. */
export function generateFails(config, extra = []) {
  try {
    execFileSync(BIN, ['cff', '--allow-demo-keys', '--config', config, ...extra], { cwd: ROOT, stdio: 'pipe' });
  } catch (e) {
    return { status: e.status, stderr: e.stderr.toString() };
  }
  throw new Error(`edgeguard cff --config ${config} succeeded`);
}

/** Globals a cloudfront-js-2.0 function cannot use (or that do not exist there). */
export const FORBIDDEN = [
  'URL', 'URLSearchParams', 'fetch', 'require', 'eval', 'Function', 'setTimeout', 'setInterval',
  'setImmediate', 'XMLHttpRequest', 'WebAssembly', 'process', 'globalThis', 'TextEncoder',
  'TextDecoder', 'atob', 'btoa', 'queueMicrotask', 'structuredClone', 'Proxy', 'Reflect',
];

/** Syntax this runtime is not documented to support; the generated code must avoid it. */
export const FORBIDDEN_SYNTAX = [
  ['optional chaining', /\?\.(?!\d)/],
  ['nullish coalescing', /\?\?/],
  ['spread/rest', /\.\.\./],
  ['class', /\bclass\s/],
  ['for..of', /\bfor\s*\([^)]*\bof\b/],
  ['dynamic import', /\bimport\s*\(/],
  ['regex flags u/s/y/d', /\/[gimsuyd]*[suyd][gimsuyd]*[,;)\]]/],
];

/**
 * Loads generated code into a fresh context that has only the ECMAScript built-ins plus the
 * `cloudfront` module shim (kvs), a console whose lines are pushed to `logs`, with a frozen
 * clock. Returns the `handler` function.
 */
export function load(code, { now = NOW, kvs = new Set(), logs = [] } = {}) {
  const imports = [...code.matchAll(/^import\s+(\w+)\s+from\s+'([^']+)';$/gm)];
  for (const [, , module] of imports) {
    if (module !== 'cloudfront' && module !== 'crypto') throw new Error(`import of ${module}`);
  }
  if (/\brequire\s*\(|\bimport\b(?!\s+\w+\s+from\s+'(cloudfront|crypto)';)/.test(code)) {
    throw new Error('require() or an import other than cloudfront/crypto');
  }
  const cloudfront = {
    kvs: () => ({
      exists: async (key) => kvs.has(key),
      get: async (key) => {
        if (!kvs.has(key)) throw new Error(`Key ${key} not found`);
        return '1';
      },
    }),
  };
  // console.log is the one output a CloudFront Function has; its lines land in `logs`.
  const console = { log: (line) => logs.push(String(line)) };
  const context = vm.createContext({ __modules: { cloudfront }, console });
  vm.runInContext(
    `for (const g of ['WebAssembly','SharedArrayBuffer','Atomics','Intl','FinalizationRegistry','WeakRef','Proxy','Reflect','eval'])
       delete globalThis[g];
     Date.now = () => ${now * 1000};`,
    context,
  );
  const body = code.replace(/^import\s+(\w+)\s+from\s+'([^']+)';$/gm, "var $1=__modules['$2'];");
  return vm.runInContext(`${body}\n;handler`, context, { filename: 'guard.js' });
}

/** The identifiers of FORBIDDEN the code mentions (strings and comments excluded). */
export function forbiddenReferences(code) {
  const stripped = code
    .replace(/^\/\/.*$/gm, '')
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""');
  return FORBIDDEN.filter((name) => new RegExp(`(^|[^.\\w$])${name}\\b`).test(stripped));
}

function add(target, name, value) {
  const entry = target[name];
  if (!entry) {
    target[name] = { value };
  } else {
    entry.multiValue ??= [{ value: entry.value }];
    entry.multiValue.push({ value });
  }
}

/** Converts a Lambda@Edge viewer-request event to the CloudFront Functions event shape. */
export function toCffEvent(lambdaEvent) {
  const { config, request } = lambdaEvent.Records[0].cf;
  const headers = {};
  const cookies = {};
  for (const [key, values] of Object.entries(request.headers ?? {})) {
    const name = key.toLowerCase();
    for (const { value } of values) {
      if (name === 'cookie') {
        for (const piece of value.split(';')) {
          const t = piece.replace(/^[ \t]+|[ \t]+$/g, '');
          if (!t) continue;
          const i = t.indexOf('=');
          add(cookies, i < 0 ? t : t.slice(0, i), i < 0 ? '' : t.slice(i + 1));
        }
      } else {
        add(headers, name, value);
      }
    }
  }
  const querystring = {};
  for (const piece of (request.querystring ?? '').split('&')) {
    if (!piece) continue;
    const i = piece.indexOf('=');
    add(querystring, i < 0 ? piece : piece.slice(0, i), i < 0 ? '' : piece.slice(i + 1));
  }
  return {
    version: '1.0',
    context: {
      distributionDomainName: config.distributionDomainName,
      distributionId: config.distributionId,
      eventType: 'viewer-request',
      requestId: config.requestId,
    },
    viewer: { ip: request.clientIp },
    request: { method: request.method, uri: request.uri, querystring, headers, cookies },
  };
}

/** allow/deny and status of what a CloudFront Function returned. */
export function verdict(result) {
  if (result && typeof result.statusCode === 'number') {
    return { decision: 'deny', status: result.statusCode };
  }
  return { decision: 'allow', status: null };
}

/** The Rust guard's outcome for a Lambda@Edge event file (`edgeguard invoke --outcome`). */
export function rustInvoke(config, eventFile, now = NOW) {
  const out = execFileSync(
    BIN,
    ['invoke', '--config', config, '--now', String(now), '--outcome', eventFile],
    { cwd: ROOT },
  );
  const outcome = JSON.parse(out.toString());
  return {
    decision: outcome.decision,
    reason: outcome.reason ?? null,
    status: outcome.result.status ? Number(outcome.result.status) : null,
  };
}

/** The Rust guard's decisions for many synthetic requests, in one process. */
export function rustBatch(config, requests, now = NOW) {
  const input = requests.map((r) => JSON.stringify(r)).join('\n');
  const out = execFileSync(BIN, ['decide-batch', '--config', config, '--now', String(now)], {
    cwd: ROOT,
    input,
    maxBuffer: 256 * 1024 * 1024,
  });
  return out.toString().trim().split('\n').map((l) => JSON.parse(l));
}

/** The CloudFront Functions event for a synthetic batch request (same shape as rustBatch's). */
export function cffEventFor({ uri, querystring = '', referer = [], cookie }) {
  const headers = { host: [{ key: 'Host', value: 'd111111abcdef8.cloudfront.net' }] };
  if (referer.length) headers.referer = referer.map((value) => ({ key: 'Referer', value }));
  if (cookie !== undefined) headers.cookie = [{ key: 'Cookie', value: cookie }];
  return toCffEvent({
    Records: [{
      cf: {
        config: { distributionId: 'EDFDVBD6EXAMPLE', requestId: 'batch' },
        request: { clientIp: '203.0.113.10', headers, method: 'GET', querystring, uri },
      },
    }],
  });
}
