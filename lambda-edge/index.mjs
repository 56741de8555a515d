// edgeguard Lambda@Edge viewer-request handler (Node.js 22). Lambda@Edge runs only Node.js and
// Python, so the Rust guard comes as WebAssembly; this file only moves bytes across the boundary.
// An event of exactly the documented shape is taken apart here: only the fields the guard reads go
// to the wasm (`decide`), and an allow returns the very request object CloudFront handed over
// (only the query string edited when signing parameters are stripped). Any other event, even one
// field of another type or one unknown key, goes whole as JSON (`handle`), so that Rust names what
// is wrong with it exactly as native `edgeguard invoke` does. Nothing is decided here.
// Beside it in the bundle: edgeguard.wasm and config.json (compiled config, public keys inlined).
// Any failure answers with a deny (the configured one when known) and one JSON log line.
import { createPublicKey, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';

const FALLBACK_DENY = deepFreeze({
  status: '403',
  statusDescription: 'Forbidden',
  headers: {
    'content-type': [{ key: 'Content-Type', value: 'text/plain; charset=utf-8' }],
    'cache-control': [{ key: 'Cache-Control', value: 'no-store' }],
  },
  body: 'Forbidden',
  bodyEncoding: 'text',
});
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

// `decide` verdicts and `flags` bits: crates/edgeguard-wasm/src/lib.rs (ALLOW.., HAS_EVENT_TYPE..)
// owns them.
const ALLOW = 0;
const ALLOW_STRIPPED = 1;
const DENY = 2;
const ALLOW_LOGGED = 4;
const HAS_EVENT_TYPE = 1;
const HAS_REQUEST_ID = 2;

let module, config, wasm, denyResponse, loadError;
// The wasm-side buffer `decide` reads its input from, reused across events (grown when needed).
let fieldsPtr = 0;
let fieldsCap = 0;
try {
  module = new WebAssembly.Module(file('./edgeguard.wasm'));
  config = file('./config.json');
  wasm = start();
  preloadKeys(config);
} catch (e) {
  loadError = e;
}

// node:crypto gets every configured key once, at load: config.json holds them as the SPKI PEM the
// wasm hands to host.verify, so no event pays for parsing one. Rust's init has already accepted
// the config; a key node:crypto refuses here is simply not cached (its checks then fail closed).
function preloadKeys(bytes) {
  for (const key of Object.values(JSON.parse(text.decode(bytes)).keys ?? {})) {
    try {
      if (typeof key?.pem === 'string') keys.set(key.pem, createPublicKey(key.pem));
    } catch {
      // left to host.verify, which counts any error as an invalid signature
    }
  }
}

// Instantiates the module and loads the config; runs at cold start and after a trap.
function start() {
  const w = new WebAssembly.Instance(module, { host }).exports;
  wasm = w; // host.verify reads this instance's memory
  const status = call(w, w.init, config);
  if (status !== 0) throw new Error(`config rejected: ${output(w)}`);
  // Built once; frozen, since every deny hands out this same object.
  if (w.deny_response() === 0) denyResponse ??= deepFreeze(JSON.parse(output(w)));
  fieldsCap = 0;
  return w;
}

function deepFreeze(value) {
  if (typeof value === 'object' && value !== null) Object.values(value).forEach(deepFreeze);
  return Object.freeze(value);
}

const isObject = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);
// A string JSON.stringify and serde read alike: lone surrogates go the JSON way (Rust refuses them).
const isText = (v) => typeof v === 'string' && v.isWellFormed();
const isOptionalText = (v) => v === undefined || isText(v);

/** `name` equals the lower-case ASCII `lower`, ignoring ASCII case only (as Rust's header lookup). */
function isHeader(name, lower) {
  if (name === lower) return true;
  if (name.length !== lower.length) return false;
  for (let i = 0; i < lower.length; i++) {
    let c = name.charCodeAt(i);
    if (c >= 65 && c <= 90) c += 32;
    if (c !== lower.charCodeAt(i)) return false;
  }
  return true;
}

function isBody(body) {
  if (body === undefined) return true;
  if (!isObject(body)) return false;
  for (const k in body) {
    const v = body[k];
    if (k === 'inputTruncated' ? v !== undefined && typeof v !== 'boolean'
      : !(k === 'action' || k === 'encoding' || k === 'data') || !isOptionalText(v)) return false;
  }
  return true;
}

/**
 * The fields `decide` reads, when `event` has exactly the model's shape (the keys and types of
 * src/cloudfront.rs, one record, no `origin`); undefined otherwise, and the event then goes to
 * Rust whole. Shape only: which event is allowed is Rust's business.
 */
function fieldsOf(event) {
  if (!isObject(event)) return undefined;
  for (const k in event) if (k !== 'Records') return undefined;
  const records = event.Records;
  if (!Array.isArray(records) || records.length !== 1) return undefined;
  const record = records[0];
  if (!isObject(record)) return undefined;
  for (const k in record) if (k !== 'cf') return undefined;
  const cf = record.cf;
  if (!isObject(cf)) return undefined;
  for (const k in cf) if (k !== 'config' && k !== 'request') return undefined;
  const { config: facts, request } = cf;
  if (!isObject(facts) || !isObject(request)) return undefined;
  for (const k in facts) {
    if (!(k === 'eventType' || k === 'requestId' || k === 'distributionId' || k === 'distributionDomainName')) return undefined;
    if (!isOptionalText(facts[k])) return undefined;
  }
  for (const k in request) {
    if (!(k === 'clientIp' || k === 'headers' || k === 'method' || k === 'querystring' || k === 'uri' || k === 'body')) return undefined;
  }
  const { headers } = request;
  if (!isText(request.clientIp) || !isText(request.method) || !isText(request.querystring) || !isText(request.uri)) return undefined;
  if (!isObject(headers) || !isBody(request.body)) return undefined;
  const referer = [];
  const cookie = [];
  const host = [];
  for (const name in headers) {
    const list = headers[name];
    if (!name.isWellFormed() || !Array.isArray(list)) return undefined;
    const into = isHeader(name, 'referer') ? referer : isHeader(name, 'cookie') ? cookie : isHeader(name, 'host') ? host : null;
    for (const h of list) {
      if (!isObject(h)) return undefined;
      for (const k in h) if (k !== 'key' && k !== 'value') return undefined;
      if (!isText(h.value) || !isOptionalText(h.key)) return undefined;
      if (into !== null) into.push(h.value);
    }
  }
  return { facts, request, referer, cookie, host };
}

// Views over the wasm memory, rebuilt when it grows (growing detaches the old buffer).
let memory, bytes, view;

/** Writes `t` at `at` as a `decide` string (u32 LE UTF-8 length, bytes); the offset after it. */
function putText(t, at) {
  const start = at + 4;
  const n = t.length;
  let i = 0;
  for (; i < n; i++) { // ASCII byte by byte: most fields are, and encodeInto costs a call
    const c = t.charCodeAt(i);
    if (c > 0x7f) break;
    bytes[start + i] = c;
  }
  let written = i;
  if (i < n) written += utf8.encodeInto(t.slice(i), bytes.subarray(start + i, fieldsPtr + fieldsCap)).written;
  view.setUint32(at, written, true);
  return start + written;
}

function putList(values, at) {
  view.setUint32(at, values.length, true);
  at += 4;
  for (let i = 0; i < values.length; i++) at = putText(values[i], at);
  return at;
}

/** Writes `fields` in `decide`'s encoding (crates/edgeguard-wasm/src/lib.rs) into the input buffer; its length. */
function encode(w, { facts, request, referer, cookie, host }) {
  const eventType = facts.eventType ?? '';
  const requestId = facts.requestId ?? '';
  let bound = 1 + 4 * (8 + referer.length + cookie.length + host.length)
    + 3 * (eventType.length + requestId.length + request.uri.length + request.querystring.length + request.clientIp.length);
  for (const list of [referer, cookie, host]) for (let i = 0; i < list.length; i++) bound += 3 * list[i].length;
  if (bound > fieldsCap) {
    if (fieldsCap > 0) w.dealloc(fieldsPtr, fieldsCap);
    fieldsCap = Math.max(bound, 4096);
    fieldsPtr = w.alloc(fieldsCap);
  }
  if (memory !== w.memory.buffer) {
    memory = w.memory.buffer;
    bytes = new Uint8Array(memory);
    view = new DataView(memory);
  }
  bytes[fieldsPtr] = (facts.eventType !== undefined ? HAS_EVENT_TYPE : 0) | (facts.requestId !== undefined ? HAS_REQUEST_ID : 0);
  let at = putText(eventType, fieldsPtr + 1);
  at = putText(requestId, at);
  at = putText(request.uri, at);
  at = putText(request.querystring, at);
  at = putText(request.clientIp, at);
  at = putList(referer, at);
  at = putList(cookie, at);
  at = putList(host, at);
  return at - fieldsPtr;
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
    const fields = fieldsOf(event);
    if (fields !== undefined) {
      const length = encode(wasm, fields); // may move the input buffer: read fieldsPtr after it
      const verdict = wasm.decide(fieldsPtr, length, nowMs);
      if (verdict === ALLOW) return fields.request;
      if (verdict === ALLOW_STRIPPED) {
        fields.request.querystring = output(wasm);
        return fields.request;
      }
      if (verdict === ALLOW_LOGGED) { // a would-deny (report mode): logged, the request unchanged
        console.log(output(wasm)); // Outcome::log_line, as Rust wrote it
        return fields.request;
      }
      if (verdict === DENY) {
        console.log(output(wasm)); // Outcome::log_line, as Rust wrote it
        return denyResponse ?? FALLBACK_DENY;
      }
      return deny(output(wasm), event, nowMs);
    }
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
