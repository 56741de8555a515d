//! The local-directory origin: safe path resolution, content types, single byte ranges, HEAD,
//! and file bodies streamed in chunks (a large video never sits in memory).

use super::{text_response, BoxError, ResponseBody};
use edgeguard::cloudfront::Request;
use http_body_util::{BodyExt, Full};
use hyper::body::{Body, Bytes, Frame};
use hyper::header::{HeaderValue, ACCEPT_RANGES, CONTENT_LENGTH, CONTENT_RANGE, CONTENT_TYPE};
use hyper::{Response, StatusCode};
use std::ffi::OsStr;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, ReadBuf};

/// Bytes read from disk per body frame.
const CHUNK: usize = 64 * 1024;

/// A directory served as the origin, like an S3 bucket behind CloudFront.
#[derive(Debug)]
pub struct DirOrigin {
    /// Canonical root: every served file must resolve below it, symlinks included.
    root: PathBuf,
}

/// Why a URI does not name a servable file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathRejection {
    /// The path is not one the guard accepts as written (`..`, `//`, a NUL, a backslash, ...:
    /// see `edgeguard::path`), or a symlink points out of the root.
    Forbidden,
    /// Nothing servable there.
    NotFound,
}

/// The part of a file a request asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ByteRange {
    /// The whole file (no Range, an unknown unit, several ranges, or invalid syntax, all of
    /// which RFC 9110 lets a server answer with the full representation).
    Full,
    /// Bytes `start..=end`.
    Partial {
        /// First byte.
        start: u64,
        /// Last byte, inclusive.
        end: u64,
    },
    /// A well-formed range entirely past the end: 416.
    Unsatisfiable,
}

impl DirOrigin {
    /// Opens a root directory; fails when it does not exist or is not a directory.
    pub fn new(dir: &Path) -> Result<Self, String> {
        let root =
            std::fs::canonicalize(dir).map_err(|e| format!("--origin {}: {e}", dir.display()))?;
        if !root.is_dir() {
            return Err(format!("--origin {}: not a directory", dir.display()));
        }
        Ok(DirOrigin { root })
    }

    /// The canonical root, for the startup banner.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Serves the (guard-approved) request from the directory.
    pub async fn serve(&self, request: &Request) -> Response<ResponseBody> {
        let head = match request.method.as_str() {
            "GET" => false,
            "HEAD" => true,
            _ => {
                let mut r = text_response(StatusCode::METHOD_NOT_ALLOWED, "Method Not Allowed\n");
                r.headers_mut()
                    .insert("allow", HeaderValue::from_static("GET, HEAD"));
                return r;
            }
        };
        let range_header = {
            let mut values = request.header_values("range");
            match (values.next(), values.next()) {
                (Some(value), None) if !head => Some(value.to_string()),
                _ => None,
            }
        };
        // One trip to the blocking pool for resolve + open + stat (+ the read, for a body that
        // fits in one chunk), not one per syscall.
        let root = self.root.clone();
        let uri = request.uri.clone();
        let prepared = tokio::task::spawn_blocking(move || {
            prepare(&root, &uri, range_header.as_deref(), head)
        })
        .await;
        match prepared {
            Ok(Ok(prepared)) => prepared.into_response(),
            Ok(Err(Failure::Forbidden)) => text_response(StatusCode::FORBIDDEN, "Forbidden path\n"),
            Ok(Err(Failure::NotFound)) => text_response(StatusCode::NOT_FOUND, "Not Found\n"),
            Ok(Err(Failure::Io)) | Err(_) => {
                text_response(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error\n")
            }
        }
    }
}

/// Why a file could not be served.
enum Failure {
    Forbidden,
    NotFound,
    Io,
}

impl From<PathRejection> for Failure {
    fn from(r: PathRejection) -> Self {
        match r {
            PathRejection::Forbidden => Failure::Forbidden,
            PathRejection::NotFound => Failure::NotFound,
        }
    }
}

/// A file ready to be answered: everything the response head needs, and the body source.
struct Prepared {
    path: PathBuf,
    len: u64,
    range: ByteRange,
    body: PreparedBody,
}

enum PreparedBody {
    /// HEAD or 416: no body.
    None,
    /// A body no larger than one chunk, already read.
    Bytes(Bytes),
    /// A larger body, positioned at its first byte, streamed chunk by chunk.
    File(std::fs::File, u64),
}

/// Blocking: resolves the URI below the root, opens the file, applies the Range, and reads
/// bodies of at most one chunk right away.
fn prepare(
    root: &Path,
    uri: &str,
    range_header: Option<&str>,
    head: bool,
) -> Result<Prepared, Failure> {
    let path = resolve(root, uri)?;
    let mut file = std::fs::File::open(&path).map_err(|_| Failure::NotFound)?;
    let meta = file.metadata().map_err(|_| Failure::NotFound)?;
    if !meta.is_file() {
        return Err(Failure::NotFound);
    }
    let len = meta.len();
    let range = range_header.map_or(ByteRange::Full, |value| parse_range(value, len));
    let (start, count) = match range {
        ByteRange::Full => (0, len),
        ByteRange::Partial { start, end } => (start, end - start + 1),
        ByteRange::Unsatisfiable => (0, 0),
    };
    let body = if head || range == ByteRange::Unsatisfiable {
        PreparedBody::None
    } else {
        if start > 0 {
            file.seek(SeekFrom::Start(start)).map_err(|_| Failure::Io)?;
        }
        match usize::try_from(count) {
            Ok(small) if small <= CHUNK => {
                let mut buffer = vec![0; small];
                file.read_exact(&mut buffer).map_err(|_| Failure::Io)?;
                PreparedBody::Bytes(Bytes::from(buffer))
            }
            _ => PreparedBody::File(file, count),
        }
    };
    Ok(Prepared {
        path,
        len,
        range,
        body,
    })
}

impl Prepared {
    fn into_response(self) -> Response<ResponseBody> {
        let len = self.len;
        let (status, count) = match self.range {
            ByteRange::Full => (StatusCode::OK, len),
            ByteRange::Partial { start, end } => (StatusCode::PARTIAL_CONTENT, end - start + 1),
            ByteRange::Unsatisfiable => {
                let mut r = text_response(StatusCode::RANGE_NOT_SATISFIABLE, "");
                r.headers_mut().remove(CONTENT_TYPE);
                if let Ok(v) = HeaderValue::from_str(&format!("bytes */{len}")) {
                    r.headers_mut().insert(CONTENT_RANGE, v);
                }
                return r;
            }
        };
        let body = match self.body {
            PreparedBody::None => super::empty_body(),
            PreparedBody::Bytes(bytes) => Full::new(bytes).map_err(|never| match never {}).boxed(),
            PreparedBody::File(file, remaining) => {
                FileBody::new(tokio::fs::File::from_std(file), remaining).boxed()
            }
        };
        let content_type = mime_guess::from_path(&self.path).first_or_octet_stream();
        let mut response = Response::new(body);
        *response.status_mut() = status;
        let headers = response.headers_mut();
        if let Ok(v) = HeaderValue::from_str(content_type.as_ref()) {
            headers.insert(CONTENT_TYPE, v);
        }
        headers.insert(ACCEPT_RANGES, HeaderValue::from_static("bytes"));
        headers.insert(CONTENT_LENGTH, HeaderValue::from(count));
        if let ByteRange::Partial { start, end } = self.range {
            if let Ok(v) = HeaderValue::from_str(&format!("bytes {start}-{end}/{len}")) {
                headers.insert(CONTENT_RANGE, v);
            }
        }
        response
    }
}

/// Maps a raw URI to a file below `root` (canonical), or says why not.
///
/// The file is the URI's decoded reading ([`relative_path`]); the final path is canonicalised so
/// that a symlink pointing outside the root is refused too. A directory serves its `index.html`.
/// Blocking: call it off the async workers.
pub fn resolve(root: &Path, uri: &str) -> Result<PathBuf, PathRejection> {
    let relative = relative_path(uri)?;
    let mut candidate = root.join(relative);
    for _ in 0..2 {
        let canonical = std::fs::canonicalize(&candidate).map_err(|_| PathRejection::NotFound)?;
        if !canonical.starts_with(root) {
            return Err(PathRejection::Forbidden);
        }
        let meta = std::fs::metadata(&canonical).map_err(|_| PathRejection::NotFound)?;
        if meta.is_file() {
            return Ok(canonical);
        }
        if !meta.is_dir() {
            return Err(PathRejection::NotFound);
        }
        candidate = canonical.join("index.html");
    }
    Err(PathRejection::NotFound)
}

/// The relative path of the file a URI names (pure: no filesystem access).
///
/// Exactly the URI percent-decoded once, segment for segment, as S3 reads a key: the reading
/// [`edgeguard::path`] checked the rules against. Anything that would make the file differ from
/// the literal path in another way (`.`/`..` or empty segments, `%2F`, a backslash, NUL, bad or
/// double escapes, encoded unreserved characters) is refused, never normalised, so the file
/// opened is the object the guard decided on. Only the trailing `/` of a directory URL is empty.
pub fn relative_path(uri: &str) -> Result<PathBuf, PathRejection> {
    let served = edgeguard::path::check(uri).map_err(|_| PathRejection::Forbidden)?;
    let Some(decoded) = served.decoded().strip_prefix('/') else {
        return Err(PathRejection::Forbidden);
    };
    Ok(decoded
        .split('/')
        .filter(|segment| !segment.is_empty())
        .map(OsStr::new)
        .collect())
}

/// Interprets one `Range` header value for a file of `len` bytes (single ranges only).
pub fn parse_range(value: &str, len: u64) -> ByteRange {
    let Some(spec) = value.trim().strip_prefix("bytes=") else {
        return ByteRange::Full;
    };
    if spec.contains(',') {
        return ByteRange::Full;
    }
    let Some((first, last)) = spec.trim().split_once('-') else {
        return ByteRange::Full;
    };
    let number = |s: &str| -> Option<u64> {
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        s.parse().ok()
    };
    match (first.is_empty(), last.is_empty()) {
        (true, false) => match number(last) {
            Some(0) => ByteRange::Unsatisfiable,
            Some(_) if len == 0 => ByteRange::Unsatisfiable,
            Some(n) => ByteRange::Partial {
                start: len - n.min(len),
                end: len - 1,
            },
            None => ByteRange::Full,
        },
        (false, _) => {
            let Some(start) = number(first) else {
                return ByteRange::Full;
            };
            let end = if last.is_empty() {
                None
            } else {
                match number(last) {
                    Some(end) if end >= start => Some(end),
                    _ => return ByteRange::Full,
                }
            };
            if start >= len {
                return ByteRange::Unsatisfiable;
            }
            ByteRange::Partial {
                start,
                end: end.map_or(len - 1, |e| e.min(len - 1)),
            }
        }
        (true, true) => ByteRange::Full,
    }
}

/// A file (or a slice of one) as an HTTP body, read `CHUNK` bytes at a time.
struct FileBody {
    file: tokio::fs::File,
    remaining: u64,
    buffer: Vec<u8>,
}

impl FileBody {
    fn new(file: tokio::fs::File, remaining: u64) -> Self {
        let size = usize::try_from(remaining).map_or(CHUNK, |r| r.min(CHUNK));
        FileBody {
            file,
            remaining,
            buffer: vec![0; size],
        }
    }
}

impl Body for FileBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let this = self.get_mut();
        if this.remaining == 0 {
            return Poll::Ready(None);
        }
        let want =
            usize::try_from(this.remaining).map_or(this.buffer.len(), |r| r.min(this.buffer.len()));
        let mut buf = ReadBuf::new(&mut this.buffer[..want]);
        match Pin::new(&mut this.file).poll_read(cx, &mut buf) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Err(e)) => Poll::Ready(Some(Err(e.into()))),
            Poll::Ready(Ok(())) => {
                let filled = buf.filled();
                if filled.is_empty() {
                    // The file shrank after Content-Length went out: abort the body.
                    this.remaining = 0;
                    return Poll::Ready(Some(Err("file truncated while serving".into())));
                }
                this.remaining -= filled.len() as u64;
                Poll::Ready(Some(Ok(Frame::data(Bytes::copy_from_slice(filled)))))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.remaining == 0
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        hyper::body::SizeHint::with_exact(self.remaining)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_path_maps_below_the_root() {
        assert_eq!(
            relative_path("/images/cat.png"),
            Ok(PathBuf::from("images/cat.png"))
        );
    }

    #[test]
    fn percent_encoding_is_decoded_once() {
        assert_eq!(
            relative_path("/images/a%20b.png"),
            Ok(PathBuf::from("images/a b.png"))
        );
        assert_eq!(
            relative_path("/images/caf%C3%A9;v=1.png"),
            Ok(PathBuf::from("images/café;v=1.png"))
        );
    }

    #[test]
    fn double_encoding_is_forbidden_not_decoded_twice_or_kept() {
        assert_eq!(
            relative_path("/images/%252e%252e/x"),
            Err(PathRejection::Forbidden)
        );
    }

    #[test]
    fn dot_dot_is_forbidden_in_every_spelling() {
        for uri in [
            "/../etc/passwd",
            "/images/../../etc/passwd",
            "/images/%2e%2e/%2e%2e/etc/passwd",
            "/images/%2E%2E%2Fsecret",
            "/images/..%2f..%2fsecret",
            "/..",
        ] {
            assert_eq!(relative_path(uri), Err(PathRejection::Forbidden), "{uri}");
        }
    }

    #[test]
    fn nul_and_backslash_are_forbidden() {
        assert_eq!(relative_path("/a%00.png"), Err(PathRejection::Forbidden));
        assert_eq!(relative_path("/a%5c..%5cb"), Err(PathRejection::Forbidden));
        assert_eq!(relative_path("/a\\b"), Err(PathRejection::Forbidden));
    }

    #[test]
    fn single_dots_and_empty_segments_are_forbidden_not_dropped() {
        for uri in ["//a/b", "/a/./b", "/a/b//", "/./a", "/a/."] {
            assert_eq!(relative_path(uri), Err(PathRejection::Forbidden), "{uri}");
        }
    }

    #[test]
    fn a_trailing_slash_names_the_directory() {
        assert_eq!(relative_path("/open/sub/"), Ok(PathBuf::from("open/sub")));
        assert_eq!(relative_path("/"), Ok(PathBuf::new()));
    }

    #[test]
    fn encoded_slashes_and_unreserved_characters_are_forbidden_not_decoded() {
        for uri in ["/images%2Fcat.jpg", "/%69mages/cat.jpg"] {
            assert_eq!(relative_path(uri), Err(PathRejection::Forbidden), "{uri}");
        }
    }

    #[test]
    fn a_uri_not_starting_with_slash_is_forbidden() {
        assert_eq!(relative_path("*"), Err(PathRejection::Forbidden));
    }

    mod served_is_decided {
        use super::super::super::served_paths::{
            decide, hostile_uri, readme_guard, referer, rule_of,
        };
        use super::*;
        use proptest::prelude::*;

        /// The URI of the file `relative_path` opens for `uri` (a directory keeps its `/`).
        fn opened(uri: &str) -> String {
            let relative = relative_path(uri).expect("an allowed URI names a file");
            let text = relative.to_str().expect("decoded paths are UTF-8");
            match (text.is_empty(), uri.ends_with('/')) {
                (true, _) => "/".to_string(),
                (false, true) => format!("/{text}/"),
                (false, false) => format!("/{text}"),
            }
        }

        /// The four URIs the issue found serving `/images/cat.jpg` under the open `/*` rule.
        #[test]
        fn the_reported_uris_never_open_a_file_for_a_foreign_referer() {
            for uri in [
                "/./images/cat.jpg",
                "//images/cat.jpg",
                "/%69mages/cat.jpg",
                "/images%2Fcat.jpg",
            ] {
                assert!(decide(uri, Some("https://evil.test/")).is_none(), "{uri}");
                assert_eq!(relative_path(uri), Err(PathRejection::Forbidden), "{uri}");
            }
        }

        #[test]
        fn an_escaped_file_name_opens_the_decoded_file_under_the_same_rule() {
            let (rule, allowed) = decide("/docs/a%20b%C3%A9.txt", None).unwrap();
            assert_eq!(opened(&allowed.uri), "/docs/a bé.txt");
            assert_eq!(rule_of(readme_guard(), "/docs/a bé.txt"), Some(rule));
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(3000))]

            /// Whatever the URI, an allowed request opens a file whose own path is matched by
            /// the rule that decided, and the URI handed to the origin is the one decided.
            #[test]
            fn the_file_opened_belongs_to_the_rule_that_decided(
                uri in hostile_uri(),
                referer in referer(),
            ) {
                if let Some((rule, allowed)) = decide(&uri, referer) {
                    prop_assert_eq!(&allowed.uri, &uri);
                    let served = opened(&allowed.uri);
                    prop_assert_eq!(
                        rule_of(readme_guard(), &served),
                        Some(rule),
                        "{:?} decided by rule {} opens {:?}", uri, rule, served
                    );
                }
            }
        }
    }

    #[test]
    fn range_first_to_last() {
        assert_eq!(
            parse_range("bytes=0-9", 100),
            ByteRange::Partial { start: 0, end: 9 }
        );
    }

    #[test]
    fn range_open_ended() {
        assert_eq!(
            parse_range("bytes=90-", 100),
            ByteRange::Partial { start: 90, end: 99 }
        );
    }

    #[test]
    fn range_suffix() {
        assert_eq!(
            parse_range("bytes=-10", 100),
            ByteRange::Partial { start: 90, end: 99 }
        );
        assert_eq!(
            parse_range("bytes=-500", 100),
            ByteRange::Partial { start: 0, end: 99 }
        );
    }

    #[test]
    fn range_end_past_the_file_is_clamped() {
        assert_eq!(
            parse_range("bytes=50-1000", 100),
            ByteRange::Partial { start: 50, end: 99 }
        );
    }

    #[test]
    fn range_starting_past_the_end_is_unsatisfiable() {
        assert_eq!(parse_range("bytes=100-", 100), ByteRange::Unsatisfiable);
        assert_eq!(parse_range("bytes=200-300", 100), ByteRange::Unsatisfiable);
        assert_eq!(parse_range("bytes=-0", 100), ByteRange::Unsatisfiable);
        assert_eq!(parse_range("bytes=0-", 0), ByteRange::Unsatisfiable);
    }

    #[test]
    fn invalid_or_multiple_ranges_serve_the_whole_file() {
        for value in [
            "bytes=5-1",
            "bytes=a-b",
            "bytes=-",
            "bytes=0-1,5-6",
            "items=0-1",
            "bytes=+1-2",
            "bytes=1",
        ] {
            assert_eq!(parse_range(value, 100), ByteRange::Full, "{value}");
        }
    }
}
