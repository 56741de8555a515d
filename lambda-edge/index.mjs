// edgeguard Lambda@Edge viewer-request handler (Node.js 22). Lambda@Edge runs only Node.js and
// Python, so the Rust guard comes as WebAssembly; this file only moves JSON across the boundary.
// Beside it in the bundle: edgeguard.wasm and config.json (compiled config, public keys inlined).
// Any failure answers with a deny (the configured one when known) and one JSON log line.
import { createPublicKey, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';

const FALLBACK_DENY = {
  status: '403',
  statusDescription: 'Forbidden',
  headers: {
    'content-type': [{ key: 'Content-Type', value: 'text/plain; charset=utf-8' }],
    'cache-control': [{ key: 'Cache-Control', value: 'no-store' }],
  },
  body: 'Forbidden',
  bodyEncoding: 'text',
};
const file = (name) => readFileSync(new URL(name, import.meta.url));
const utf8 = new TextEncoder();
const text = new TextDecoder();

// RSA/ECDSA verification for the wasm (import `host.verify`): node:crypto is several times
// faster than RustCrypto compiled to wasm. Returns 1 valid, 0 invalid or on any error.
const keys = new Map();
const host = {
  verify(keyPtr, keyLen, sha256, msgPtr, msgLen, sigPtr, sigLen) {
    try {
      const bytes = (ptr, len) => new Uint8Array(wasm.memory.buffer, ptr, len);
      const pem = text.decode(bytes(keyPtr, keyLen));
      if (!keys.has(pem)) keys.set(pem, createPublicKey(pem));
      return verify(sha256 ? 'sha256' : 'sha1', bytes(msgPtr, msgLen), keys.get(pem), bytes(sigPtr, sigLen)) ? 1 : 0;
    } catch {
      return 0;
    }
  },
};

let module, config, wasm, denyResponse, loadError;
try {
  module = new WebAssembly.Module(file('./edgeguard.wasm'));
  config = file('./config.json');
  wasm = start();
} catch (e) {
  loadError = e;
}

// Instantiates the module and loads the config; runs at cold start and after a trap.
function start() {
  const w = new WebAssembly.Instance(module, { host }).exports;
  wasm = w; // host.verify reads this instance's memory
  const status = call(w, w.init, config);
  if (status !== 0) throw new Error(`config rejected: ${output(w)}`);
  if (w.deny_response() === 0) denyResponse ??= JSON.parse(output(w));
  return w;
}

function call(w, fn, bytes, ...rest) {
  const ptr = w.alloc(bytes.length);
  new Uint8Array(w.memory.buffer, ptr, bytes.length).set(bytes);
  try {
    return fn(ptr, bytes.length, ...rest);
  } finally {
    w.dealloc(ptr, bytes.length);
  }
}

function output(w) {
  return text.decode(new Uint8Array(w.memory.buffer, w.out_ptr(), w.out_len()));
}

/**
 * The log record when the wasm cannot answer: the shape of Rust's Outcome::log_line for an
 * enforced internal_error deny (same keys, same CloudWatch Embedded Metric Format members; a
 * test compares them), plus `error` (what failed). Defined here once: no Rust is there to ask.
 */
export function fallbackRecord(error, event, nowMs) {
  const request = event?.Records?.[0]?.cf;
  return {
    decision: 'deny', reason: 'internal_error', rule: null, uri: request?.request?.uri ?? null,
    requestId: request?.config?.requestId ?? null,
    _aws: {
      Timestamp: nowMs,
      CloudWatchMetrics: [{
        Namespace: 'edgeguard', Dimensions: [['Reason', 'Rule']],
        Metrics: [{ Name: 'Denied', Unit: 'Count' }],
      }],
    },
    Reason: 'internal_error', Rule: 'none', Denied: 1, error: String(error),
  };
}

function deny(detail, event, nowMs) {
  console.log(JSON.stringify(fallbackRecord(detail, event, nowMs)));
  return denyResponse ?? FALLBACK_DENY;
}

/**
 * Decides one event at `now` (epoch seconds); tests use it to pin the clock. `nowMs` (epoch
 * milliseconds) stamps the log line; it defaults to `now` at .000.
 */
export function handleAt(event, now, nowMs = now * 1000) {
  try {
    if (loadError) return deny(loadError, event, nowMs);
    wasm ??= start();
    const json = utf8.encode(JSON.stringify(event) ?? 'null');
    if (call(wasm, wasm.handle, json, BigInt(nowMs)) !== 0) {
      return deny(output(wasm), event, nowMs);
    }
    const outcome = JSON.parse(output(wasm));
    if (typeof outcome?.result !== 'object' || outcome.result === null) {
      return deny('outcome without a result', event, nowMs);
    }
    // Deny and would-deny: the line Rust wrote (Outcome::log_line), printed as is.
    if (typeof outcome.log === 'string') console.log(outcome.log);
    return outcome.result;
  } catch (e) {
    if (e instanceof WebAssembly.RuntimeError) wasm = undefined; // memory may be inconsistent
    return deny(e, event, nowMs);
  }
}

export const handler = async (event) => {
  const nowMs = Date.now();
  return handleAt(event, Math.floor(nowMs / 1000), nowMs);
};
