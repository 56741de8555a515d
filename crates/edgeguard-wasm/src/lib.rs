//! The WebAssembly face of edgeguard, loaded by `lambda-edge/index.mjs` inside Lambda@Edge (Node.js).
//!
//! Lambda@Edge runs only Node.js and Python, so the Rust core reaches the edge as
//! `wasm32-unknown-unknown`. The interface is deliberately tiny and needs no generated glue:
//! the host copies UTF-8 bytes into memory it obtained from [`alloc`], calls [`init`] once with
//! the compiled config and [`handle`] per event, and reads the answer (or an error text) from
//! [`out_ptr`]/[`out_len`]. Every call that can fail returns a status: `0` ok, `1` error.
//!
//! The hot path is [`decide`]: instead of the event's JSON, the host hands over only the fields
//! the guard reads, in a compact encoding (see [`decide`]), and gets back a one-number verdict
//! plus, when needed, one text (the stripped query string, or Rust's log line for a deny or a
//! would-deny). [`handle`]
//! (the whole event as JSON) stays for the events the host does not take apart: any event whose
//! shape is not exactly the model's, so that Rust names what is wrong (`event_malformed`).
//!
//! RSA/ECDSA signatures are verified by the host: the module imports `host.verify` (the
//! handler implements it with `node:crypto`), which is smaller and several times faster than
//! RustCrypto compiled to wasm. Build with the `rust-crypto` feature to verify inside instead.
//!
//! The only `unsafe` in edgeguard lives here: turning host-provided pointers into slices and
//! calling the host import.

use edgeguard::cloudfront::HandlerResult;
use edgeguard::edge::EventFields;
use edgeguard::guard::RequestFields;
#[cfg(not(feature = "rust-crypto"))]
use edgeguard::signed::{HashAlgorithm, PublicKey, SignatureVerifier};
use edgeguard::{config, edge, Guard};
use std::cell::RefCell;

/// Status returned when the call succeeded and the output buffer holds its JSON answer.
const OK: u32 = 0;
/// Status returned when the call failed and the output buffer holds the error text.
const ERROR: u32 = 1;

thread_local! {
    /// The guard built by `init`; `None` until a config loaded.
    static GUARD: RefCell<Option<Guard>> = const { RefCell::new(None) };
    /// The last answer, kept alive until the next call so the host can copy it out.
    static OUT: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// Reserves `len` bytes the host fills with input; pair every call with [`dealloc`].
#[no_mangle]
pub extern "C" fn alloc(len: usize) -> *mut u8 {
    let mut buffer = Vec::<u8>::with_capacity(len.max(1));
    let ptr = buffer.as_mut_ptr();
    std::mem::forget(buffer);
    ptr
}

/// Releases a buffer obtained from [`alloc`] with the same `len`.
///
/// # Safety
/// `ptr` must come from `alloc(len)` and must not be used afterwards.
#[no_mangle]
pub unsafe extern "C" fn dealloc(ptr: *mut u8, len: usize) {
    if ptr.is_null() {
        return;
    }
    // SAFETY: the caller returns a pointer `alloc` made with this capacity.
    drop(unsafe { Vec::from_raw_parts(ptr, 0, len.max(1)) });
}

/// Loads the compiled config JSON (`edgeguard config compile`). Returns 0, or 1 with the
/// config error in the output buffer; after an error every later `handle` fails closed.
///
/// # Safety
/// `ptr..ptr+len` must be initialised memory obtained from [`alloc`].
#[no_mangle]
pub unsafe extern "C" fn init(ptr: *const u8, len: usize) -> u32 {
    // SAFETY: guaranteed by the caller.
    let input = unsafe { input(ptr, len) };
    let loaded = std::str::from_utf8(input)
        .map_err(|e| format!("config is not UTF-8: {e}"))
        .and_then(|text| config::load_bundle_json(text).map_err(|e| e.to_string()));
    match loaded {
        Ok(config) => {
            GUARD.with(|g| *g.borrow_mut() = Some(new_guard(config)));
            respond(OK, Vec::new())
        }
        Err(message) => {
            GUARD.with(|g| *g.borrow_mut() = None);
            respond(ERROR, message.into_bytes())
        }
    }
}

/// Decides one event (its JSON text) at `now_ms` (epoch milliseconds; wasm has no clock: the
/// decision uses whole seconds, the log line's EMF `Timestamp` the milliseconds). Returns 0
/// with the `Outcome` JSON in the output buffer (its `log` is the line the host prints
/// verbatim), or 1 with an error text when no config is loaded or the input is not JSON at
/// all; the host then answers with a deny.
///
/// # Safety
/// `ptr..ptr+len` must be initialised memory obtained from [`alloc`].
#[no_mangle]
pub unsafe extern "C" fn handle(ptr: *const u8, len: usize, now_ms: i64) -> u32 {
    // SAFETY: guaranteed by the caller.
    let input = unsafe { input(ptr, len) };
    let answer = GUARD.with(|g| {
        let guard = g.borrow();
        let guard = guard.as_ref().ok_or("no config loaded")?;
        let text = std::str::from_utf8(input).map_err(|_| "event is not UTF-8")?;
        let outcome = edge::handle_event_json(guard, text, now_ms.div_euclid(1000))
            .map_err(|_| "event is not JSON")?
            .logged(now_ms);
        serde_json::to_vec(&outcome).map_err(|_| "outcome not serialisable")
    });
    match answer {
        Ok(json) => respond(OK, json),
        Err(message) => respond(ERROR, message.as_bytes().to_vec()),
    }
}

/// [`decide`]: allowed; the host returns the request object it was given, untouched.
const ALLOW: u32 = 0;
/// [`decide`]: allowed; the output buffer holds the query string to forward (signing parameters
/// stripped), the only field the host changes before returning the request.
const ALLOW_STRIPPED: u32 = 1;
/// [`decide`]: denied; the output buffer holds the log line ([`edge::Outcome::log_line`]) the
/// host prints as is, and the host returns the configured deny response.
const DENY: u32 = 2;
/// [`decide`]: failed (no config, or input not in the encoding); the output buffer holds the
/// error text and the host answers with a deny.
const DECIDE_ERROR: u32 = 3;
/// [`decide`]: a would-deny (report mode): the host returns the request object it was given,
/// untouched, and prints the log line in the output buffer as is. There is no "stripped and
/// logged" verdict: signing parameters are stripped only on an allow, and an allow logs nothing.
const ALLOW_LOGGED: u32 = 4;

/// `flags` bit: `config.eventType` is present.
const HAS_EVENT_TYPE: u8 = 1;
/// `flags` bit: `config.requestId` is present.
const HAS_REQUEST_ID: u8 = 2;
/// `flags` bit: `request.origin` is present.
const HAS_ORIGIN: u8 = 4;
/// Header kind: a `referer` value follows.
const REFERER: u8 = 1;
/// Header kind: a `cookie` value follows.
const COOKIE: u8 = 2;
/// Header kind: a `host` value follows.
const HOST: u8 = 3;

/// Decides one event from its fields at `now_ms` (epoch milliseconds, as [`handle`]: the
/// decision uses whole seconds, the log line's EMF `Timestamp` the milliseconds; an f64 so the
/// host passes `Date.now()` as is rather than a BigInt; anything but a whole number of
/// milliseconds is an error), through
/// [`edge::decide_fields`], the decision every adapter shares. The input is, in order: one
/// `flags` byte ([`HAS_EVENT_TYPE`], [`HAS_REQUEST_ID`], [`HAS_ORIGIN`]); five strings (event
/// type, request ID, URI, query string, client IP; absent ones empty); then, up to the end, every
/// `referer`, `cookie` and `host` value in event order, each a kind byte ([`REFERER`],
/// [`COOKIE`], [`HOST`]) and a string (so the host writes them in one walk over the headers). A
/// string is its UTF-8 length (u32, little-endian) and its bytes.
/// Returns [`ALLOW`], [`ALLOW_STRIPPED`], [`ALLOW_LOGGED`], [`DENY`] or [`DECIDE_ERROR`].
///
/// # Safety
/// `ptr..ptr+len` must be initialised memory obtained from [`alloc`].
#[no_mangle]
pub unsafe extern "C" fn decide(ptr: *const u8, len: usize, now_ms: f64) -> u32 {
    // SAFETY: guaranteed by the caller.
    let input = unsafe { input(ptr, len) };
    let answer = GUARD.with(|g| {
        let guard = g.borrow();
        let guard = guard.as_ref().ok_or("no config loaded")?;
        // Fail closed on a clock that is not whole milliseconds (NaN would otherwise read as
        // 1970).
        if !now_ms.is_finite() || now_ms.trunc() != now_ms {
            return Err("now is not a whole number of epoch milliseconds");
        }
        // In range of i64 after the check above; `as` saturates at the (far) ends.
        decide_encoded(guard, input, now_ms as i64)
    });
    match answer {
        Ok((status, text)) => respond(status, text.into_bytes()),
        Err(message) => respond(DECIDE_ERROR, message.as_bytes().to_vec()),
    }
}

fn decide_encoded(guard: &Guard, input: &[u8], now_ms: i64) -> Result<(u32, String), &'static str> {
    let mut reader = Reader(input);
    let flags = reader.byte()?;
    let event_type = reader.text()?;
    let request_id = reader.text()?;
    let uri = reader.text()?;
    let querystring = reader.text()?;
    let client_ip = reader.text()?;
    let (mut referer, mut cookie, mut host) = (Vec::new(), Vec::new(), Vec::new());
    while !reader.0.is_empty() {
        let list = match reader.byte()? {
            REFERER => &mut referer,
            COOKIE => &mut cookie,
            HOST => &mut host,
            _ => return Err("fields: unknown header kind"),
        };
        list.push(reader.text()?);
    }
    let fields = EventFields {
        event_type: (flags & HAS_EVENT_TYPE != 0).then_some(event_type),
        request_id: (flags & HAS_REQUEST_ID != 0).then_some(request_id),
        has_origin: flags & HAS_ORIGIN != 0,
        request: RequestFields {
            uri,
            querystring,
            client_ip,
            referer: &referer,
            cookie: &cookie,
            host: &host,
        },
    };
    let mut decided = edge::decide_fields(guard, &fields, now_ms.div_euclid(1000));
    // The query string the decision stripped, forwarded as it computed it (set only on an allow).
    let (passes, stripped) = (decided.verdict.passes(), decided.stripped_query.take());
    Ok(
        match (decided.log_line(uri, fields.request_id, now_ms), stripped) {
            (Some(line), _) if passes => (ALLOW_LOGGED, line),
            (Some(line), _) => (DENY, line),
            (None, Some(query)) => (ALLOW_STRIPPED, query),
            (None, None) => (ALLOW, String::new()),
        },
    )
}

/// Reads [`decide`]'s encoding front to back; any short or non-UTF-8 input is an error.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], &'static str> {
        if self.0.len() < n {
            return Err("fields: input ends early");
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }

    fn byte(&mut self) -> Result<u8, &'static str> {
        Ok(self.take(1)?[0])
    }

    fn number(&mut self) -> Result<usize, &'static str> {
        let bytes: [u8; 4] = self.take(4)?.try_into().map_err(|_| "fields: bad length")?;
        usize::try_from(u32::from_le_bytes(bytes)).map_err(|_| "fields: bad length")
    }

    fn text(&mut self) -> Result<&'a str, &'static str> {
        let len = self.number()?;
        std::str::from_utf8(self.take(len)?).map_err(|_| "fields: text is not UTF-8")
    }
}

/// Puts the configured deny response (the handler result CloudFront receives) in the output
/// buffer, so the host can still answer with it when a later call traps. Returns 1 before a
/// successful `init`.
#[no_mangle]
pub extern "C" fn deny_response() -> u32 {
    let answer = GUARD.with(|g| {
        let guard = g.borrow();
        let result: Option<HandlerResult> = guard.as_ref().map(Guard::deny_response);
        result.and_then(|r| serde_json::to_vec(&r).ok())
    });
    match answer {
        Some(json) => respond(OK, json),
        None => respond(ERROR, b"no config loaded".to_vec()),
    }
}

/// Address of the last answer or error text.
#[no_mangle]
pub extern "C" fn out_ptr() -> *const u8 {
    OUT.with(|o| o.borrow().as_ptr())
}

/// Length in bytes of the last answer or error text.
#[no_mangle]
pub extern "C" fn out_len() -> usize {
    OUT.with(|o| o.borrow().len())
}

fn respond(status: u32, bytes: Vec<u8>) -> u32 {
    OUT.with(|o| *o.borrow_mut() = bytes);
    status
}

/// # Safety
/// `ptr..ptr+len` must be initialised memory that outlives the returned slice's use.
unsafe fn input<'a>(ptr: *const u8, len: usize) -> &'a [u8] {
    if ptr.is_null() || len == 0 {
        return &[];
    }
    // SAFETY: guaranteed by the caller.
    unsafe { std::slice::from_raw_parts(ptr, len) }
}

/// The guard with RustCrypto verification compiled in.
#[cfg(feature = "rust-crypto")]
fn new_guard(config: edgeguard::Config) -> Guard {
    Guard::new(config)
}

/// The guard verifying signatures through the host import, leaving RustCrypto out.
#[cfg(not(feature = "rust-crypto"))]
fn new_guard(config: edgeguard::Config) -> Guard {
    Guard::with_verifier(config, &HostVerifier)
}

#[cfg(not(feature = "rust-crypto"))]
#[link(wasm_import_module = "host")]
extern "C" {
    /// `node:crypto` verify: 1 when `sig` is a valid signature of `msg` under the SPKI PEM key
    /// with SHA-1 (`sha256 == 0`) or SHA-256; 0 otherwise, including on any host error.
    fn verify(
        key_pem: *const u8,
        key_pem_len: usize,
        sha256: u32,
        msg: *const u8,
        msg_len: usize,
        sig: *const u8,
        sig_len: usize,
    ) -> u32;
}

/// Hands signature checks to the host (see [`verify`]); the key is passed as SPKI PEM, which
/// the host parses once and caches.
#[cfg(not(feature = "rust-crypto"))]
struct HostVerifier;

#[cfg(not(feature = "rust-crypto"))]
impl SignatureVerifier for HostVerifier {
    fn verify(
        &self,
        key: &PublicKey,
        hash: HashAlgorithm,
        message: &[u8],
        signature: &[u8],
    ) -> bool {
        let pem = key.spki_pem();
        let sha256 = u32::from(hash == HashAlgorithm::Sha256);
        // SAFETY: every pointer/length pair describes a live slice for the whole call; the host
        // only reads them.
        let valid = unsafe {
            verify(
                pem.as_ptr(),
                pem.len(),
                sha256,
                message.as_ptr(),
                message.len(),
                signature.as_ptr(),
                signature.len(),
            )
        };
        valid == 1
    }
}
