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
// `keys`: node:crypto key objects by SPKI PEM text. `keysAt`: the same objects by where the
// instance keeps that PEM (its config's memory, unchanged while the instance lives; emptied
// whenever start() makes a new one), so an event does not decode the PEM to find its key.
const keys = new Map();
const keysAt = new Map();
const host = {
  verify(keyPtr, keyLen, sha256, msgPtr, msgLen, sigPtr, sigLen) {
    try {
      const bytes = (ptr, len) => new Uint8Array(wasm.memory.buffer, ptr, len);
      let known = keysAt.get(keyPtr);
      if (known === undefined || known.len !== keyLen) {
        const pem = text.decode(bytes(keyPtr, keyLen));
        if (!keys.has(pem)) keys.set(pem, createPublicKey(pem));
        known = { len: keyLen, key: keys.get(pem) };
        keysAt.set(keyPtr, known);
      }
      return verify(sha256 ? 'sha256' : 'sha1', bytes(msgPtr, msgLen), known.key, bytes(sigPtr, sigLen)) ? 1 : 0;
    } catch {
      return 0;
    }
  },
};

// `decide` verdicts, `flags` bits and header kinds: crates/edgeguard-wasm/src/lib.rs (ALLOW..,
// HAS_EVENT_TYPE.., REFERER..) owns them.
const ALLOW = 0;
const ALLOW_STRIPPED = 1;
const DENY = 2;
const ALLOW_LOGGED = 4;
const HAS_EVENT_TYPE = 1;
const HAS_REQUEST_ID = 2;
const REFERER = 1;
const COOKIE = 2;
const HOST = 3;

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
  keysAt.clear(); // addresses of the previous instance's PEMs
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

/** The `decide` header kind of a header name (REFERER, COOKIE, HOST), or 0 for one it does not read. */
function headerKind(name) {
  if (name.length === 7) return isHeader(name, 'referer') ? REFERER : 0;
  if (name.length === 6) return isHeader(name, 'cookie') ? COOKIE : 0;
  if (name.length === 4) return isHeader(name, 'host') ? HOST : 0;
  return 0;
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

// Views over the wasm memory, rebuilt when it grows (growing detaches the old buffer).
let memory, bytes;
// From this many UTF-16 units on, putText hands a string to TextEncoder.encodeInto whole.
const LONG_TEXT = 64;

function views(w) {
  if (memory !== w.memory.buffer) {
    memory = w.memory.buffer;
    bytes = new Uint8Array(memory);
  }
}

/**
 * Makes room for `need` more bytes after `at` in the input buffer (moving what is written so far
 * to a larger one when needed); the offset that stands for `at` afterwards.
 */
function room(w, at, need) {
  if (at + need <= fieldsPtr + fieldsCap) return at;
  const used = at - fieldsPtr;
  const cap = Math.max(2 * fieldsCap, used + need, 4096);
  const ptr = w.alloc(cap);
  views(w);
  if (fieldsCap > 0) {
    bytes.copyWithin(ptr, fieldsPtr, at);
    w.dealloc(fieldsPtr, fieldsCap);
  }
  fieldsPtr = ptr;
  fieldsCap = cap;
  return ptr + used;
}

/**
 * Writes `t` at `at` as a `decide` string (u32 LE UTF-8 length, bytes); the offset after it, or
 * -1 when `t` is not a string JSON and serde read alike (then the event goes whole to Rust).
 */
function putText(w, t, at) {
  if (typeof t !== 'string') return -1;
  const n = t.length;
  if (at + 4 + 3 * n > fieldsPtr + fieldsCap) at = room(w, at, 4 + 3 * n);
  const start = at + 4;
  let i = 0;
  let written;
  if (n >= LONG_TEXT) { // a signature or a query: one native call beats a loop
    written = utf8.encodeInto(t, bytes.subarray(start, fieldsPtr + fieldsCap)).written;
    if (written !== n && !t.isWellFormed()) return -1; // non-ASCII: must be well formed
  } else {
    for (; i < n; i++) { // short ASCII byte by byte: most fields are, and encodeInto costs a call
      const c = t.charCodeAt(i);
      if (c > 0x7f) break;
      bytes[start + i] = c;
    }
    written = i;
    if (i < n) {
      if (!t.isWellFormed()) return -1;
      written += utf8.encodeInto(t.slice(i), bytes.subarray(start + i, fieldsPtr + fieldsCap)).written;
    }
  }
  bytes[at] = written & 0xff; // the length, u32 little-endian
  bytes[at + 1] = (written >>> 8) & 0xff;
  bytes[at + 2] = (written >>> 16) & 0xff;
  bytes[at + 3] = written >>> 24;
  return start + written;
}

/**
 * When `event` has exactly the model's shape (the keys and types of src/cloudfront.rs, one
 * record, no `origin`), writes the fields `decide` reads into the input buffer in its encoding
 * (crates/edgeguard-wasm/src/lib.rs) and returns the encoding's length; returns -1 otherwise,
 * and the event then goes to Rust whole. One pass, nothing allocated. Shape only: which event
 * is allowed is Rust's business.
 */
function encodeEvent(w, event) {
  if (!isObject(event)) return -1;
  for (const k in event) if (k !== 'Records') return -1;
  const records = event.Records;
  if (!Array.isArray(records) || records.length !== 1) return -1;
  const record = records[0];
  if (!isObject(record)) return -1;
  for (const k in record) if (k !== 'cf') return -1;
  const cf = record.cf;
  if (!isObject(cf)) return -1;
  for (const k in cf) if (k !== 'config' && k !== 'request') return -1;
  const facts = cf.config;
  const request = cf.request;
  if (!isObject(facts) || !isObject(request)) return -1;
  for (const k in facts) {
    if (!(k === 'eventType' || k === 'requestId' || k === 'distributionId' || k === 'distributionDomainName')) return -1;
    if (!isOptionalText(facts[k])) return -1;
  }
  for (const k in request) {
    if (!(k === 'clientIp' || k === 'headers' || k === 'method' || k === 'querystring' || k === 'uri' || k === 'body')) return -1;
  }
  const headers = request.headers;
  if (!isText(request.method) || !isObject(headers) || !isBody(request.body)) return -1;
  views(w);
  let at = room(w, fieldsPtr, 1);
  const { eventType, requestId } = facts;
  bytes[at] = (eventType !== undefined ? HAS_EVENT_TYPE : 0) | (requestId !== undefined ? HAS_REQUEST_ID : 0);
  at = putText(w, eventType ?? '', at + 1);
  if (at >= 0) at = putText(w, requestId ?? '', at);
  if (at >= 0) at = putText(w, request.uri, at);
  if (at >= 0) at = putText(w, request.querystring, at);
  if (at >= 0) at = putText(w, request.clientIp, at);
  if (at < 0) return -1;
  for (const name in headers) {
    const list = headers[name];
    if (!name.isWellFormed() || !Array.isArray(list)) return -1;
    const kind = headerKind(name);
    for (let i = 0; i < list.length; i++) {
      const h = list[i];
      if (!isObject(h)) return -1;
      for (const k in h) if (k !== 'key' && k !== 'value') return -1;
      if (!isOptionalText(h.key)) return -1;
      if (kind === 0) {
        if (!isText(h.value)) return -1;
      } else {
        at = room(w, at, 1);
        bytes[at] = kind;
        at = putText(w, h.value, at + 1);
        if (at < 0) return -1;
      }
    }
  }
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
    const length = encodeEvent(wasm, event); // may move the input buffer: read fieldsPtr after it
    if (length >= 0) {
      const request = event.Records[0].cf.request; // the object encodeEvent checked
      const verdict = wasm.decide(fieldsPtr, length, nowMs);
      if (verdict === ALLOW) return request;
      if (verdict === ALLOW_STRIPPED) {
        request.querystring = output(wasm);
        return request;
      }
      if (verdict === ALLOW_LOGGED) { // a would-deny (report mode): logged, the request unchanged
        console.log(output(wasm)); // Outcome::log_line, as Rust wrote it
        return request;
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
