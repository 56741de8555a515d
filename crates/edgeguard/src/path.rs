//! What the origin will serve: the checks a raw request path must pass before any rule is chosen.
//!
//! Rules match the URI exactly as CloudFront hands it over (raw, percent-encoding untouched), but
//! the origin behind CloudFront reads that URI its own way: S3 percent-decodes it once into a key
//! (and reads a raw `+` as a space), nginx and most web servers also resolve `.`/`..` segments
//! and merge `//`, servlet containers (Tomcat, Jetty, Spring) drop `;` path parameters before
//! resolving dots, Windows servers read `\` as `/`, and a proxy that decodes again reads `%252e`
//! as `.`. CloudFront itself matches its cache behaviors on a normalised path while Lambda@Edge
//! gets the original one (AWS Support on re:Post, "cloudfront behaviour path pattern matching",
//! <https://repost.aws/questions/QUYxerjgCwQlSRsrxUx-hoAg>; S3 and `+`:
//! <https://github.com/s3tools/s3cmd/issues/554>). Wherever two readings can name different objects, a rule written for
//! one object can be bypassed through the other (`/public/../private/secret.pdf` matched
//! `/public/*`), so the guard fails closed:
//!
//! 1. [`check`] refuses every form an origin may rewrite ([`PathProblem`]): the request is denied
//!    `path_not_normalized` before any rule is chosen;
//! 2. for what is left, [`ServedPath::readings`] lists how common origins read the path, and the
//!    guard requires every reading to choose the same rule as the raw URI.
//!
//! Refusing costs no real visitor: a browser's URL parser (WHATWG URL) removes `.` and `..`
//! segments in every spelling, turns `\` into `/`, percent-encodes controls and spaces, and never
//! encodes an unreserved character; the other refused forms reach a server only when a page
//! writes them literally (and most origins answer them with an error). Pure: text in, verdict out.

use std::borrow::Cow;
use std::fmt;

/// Why a raw URI path is refused: a form that some common origin reads as another path than the
/// one the rules were matched against. Each is something a browser never produces by itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PathProblem {
    /// A `.` or `..` segment in any spelling (`.`, `%2e`, `%2E`, `.%2e`, ...), the last segment
    /// included, or one carrying `;` parameters (`/..;/`, which Tomcat resolves as `..`). Origins
    /// resolve them (`/public/../private/x` is `/private/x` to nginx); browsers remove them.
    DotSegment,
    /// An empty segment (`//`, or `/;x/` once Tomcat drops the parameter) anywhere but at the end:
    /// nginx merges slashes, S3 keeps them in the key, so one URI names different objects. The
    /// trailing `/` of a directory URL is not one.
    EmptySegment,
    /// `\`, raw or as `%5C`: Windows servers and some frameworks read it as `/`; a browser turns a
    /// raw `\` into `/` before sending.
    Backslash,
    /// `%2F` inside a segment: S3 decodes it into a `/` of the key (`/images%2Fcat.jpg` is the
    /// key `images/cat.jpg`) while the rules saw one segment; other servers refuse it.
    EncodedSlash,
    /// `%3B`: a servlet container that decodes before splitting path parameters reads a
    /// parameter there, S3 and Tomcat a literal `;`.
    EncodedSemicolon,
    /// A control character or space sent raw, or a control character percent-encoded (`%00`,
    /// `%0A`, `%7F`): `%00` truncates the path in C-based origins, `%0D%0A` splits headers in a
    /// redirect, and a raw one cannot come from an HTTP request line. `%20` is fine.
    ControlCharacter,
    /// A raw `?` or `#` inside the path: impossible in a path CloudFront parsed from a request,
    /// and an origin would read it as the start of a query string or fragment.
    Delimiter,
    /// A `%` not followed by two hex digits (`%`, `%zz`, `%u002e`): origins answer 400, pass it
    /// on undecoded, or decode `%u` forms (IIS); there is no agreed reading.
    BadPercentEncoding,
    /// Escapes that do not decode to UTF-8, such as the overlong `.` `%c0%ae` or a lone `%ff`:
    /// lenient decoders read overlong forms as `.` or `/`, S3 refuses keys that are not UTF-8.
    NotUtf8,
    /// A percent-encoded unreserved character (`%69` for `i`, `%7E` for `~`, `%2e` inside a
    /// name): RFC 3986 makes it the same URI as the plain character, so an origin that decodes
    /// serves `/images/cat.jpg` for `/%69mages/cat.jpg` while the rules saw another path.
    /// Browsers never encode these characters.
    EncodedUnreserved,
    /// An escape that still decodes after one decoding (`%252e` becomes `%2e`): an origin or
    /// proxy that decodes twice reads another path than one that decodes once.
    DoubleEncoding,
}

impl PathProblem {
    /// A short explanation for logs, errors and tests.
    pub fn describe(self) -> &'static str {
        match self {
            PathProblem::DotSegment => "a `.` or `..` segment (origins resolve it)",
            PathProblem::EmptySegment => "an empty segment (origins merge or keep `//`)",
            PathProblem::Backslash => "a backslash (Windows origins read it as `/`)",
            PathProblem::EncodedSlash => "`%2F` inside a segment (S3 decodes it into `/`)",
            PathProblem::EncodedSemicolon => "`%3B` (servlet containers may read a parameter)",
            PathProblem::ControlCharacter => "a control character or raw space",
            PathProblem::Delimiter => "a raw `?` or `#` inside the path",
            PathProblem::BadPercentEncoding => "`%` not followed by two hex digits",
            PathProblem::NotUtf8 => "percent-escapes that are not UTF-8 (overlong forms)",
            PathProblem::EncodedUnreserved => "a percent-encoded unreserved character",
            PathProblem::DoubleEncoding => "a double percent-encoding (`%25` + hex)",
        }
    }
}

impl fmt::Display for PathProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.describe())
    }
}

impl std::error::Error for PathProblem {}

/// A path that passed [`check`], with the ways origins read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServedPath<'a> {
    raw: &'a str,
    decoded: Cow<'a, str>,
    servlet: Option<String>,
}

impl<'a> ServedPath<'a> {
    /// The path as received: what the rules' globs match.
    pub fn raw(&self) -> &'a str {
        self.raw
    }

    /// The path percent-decoded once: the object S3 looks up (without the leading `/`), the file
    /// a web server or `edgeguard serve` opens.
    pub fn decoded(&self) -> &str {
        &self.decoded
    }

    /// Every reading of the path that differs from the raw one and that some common origin uses:
    /// percent-decoded (S3, nginx, file servers), decoded with spaces written `+` (S3 reads a raw
    /// `+` as a space, so `a+b` and `a%20b` are one key), and with `;` path parameters removed
    /// before decoding (servlet containers). A rule chosen for the raw path must be the rule of
    /// each of these, or the request is refused.
    pub fn readings(&self) -> impl Iterator<Item = Cow<'_, str>> {
        let decoded = match &self.decoded {
            Cow::Owned(text) => Some(Cow::Borrowed(text.as_str())),
            Cow::Borrowed(_) => None,
        };
        let plus = self
            .decoded
            .contains(' ')
            .then(|| Cow::Owned(self.decoded.replace(' ', "+")));
        let servlet = self.servlet.as_deref().map(Cow::Borrowed);
        decoded.into_iter().chain(plus).chain(servlet)
    }
}

/// Classifies a raw URI path (starting with `/`): refused with the first [`PathProblem`] found,
/// or accepted with its readings.
pub fn check(uri: &str) -> Result<ServedPath<'_>, PathProblem> {
    let bytes = uri.as_bytes();
    if let Some(problem) = bytes.iter().find_map(|&b| raw_byte_problem(b)) {
        return Err(problem);
    }
    let mut at = 0;
    while let Some(offset) = bytes[at..].iter().position(|&b| b == b'%') {
        at += offset;
        if hex_pair(&bytes[at + 1..]).is_none() {
            return Err(PathProblem::BadPercentEncoding);
        }
        at += 3;
    }
    check_segments(bytes)?;
    if let Some(problem) = escapes(bytes).find_map(escape_problem) {
        return Err(problem);
    }
    let decoded = decode(uri)?;
    if has_escape(decoded.as_bytes()) {
        return Err(PathProblem::DoubleEncoding);
    }
    let servlet = if uri.contains(';') {
        Some(decode(&without_path_parameters(uri))?.into_owned())
    } else {
        None
    };
    Ok(ServedPath {
        raw: uri,
        decoded,
        servlet,
    })
}

/// Whether a byte sent unencoded in a path is refused (controls, space, DEL, `\`, `?`, `#`).
/// Public so the CloudFront Functions generator builds its check from this one definition.
pub fn is_refused_raw(byte: u8) -> bool {
    raw_byte_problem(byte).is_some()
}

/// Whether `%XX` with this value is refused (controls, `/`, `\`, `;`, unreserved characters).
/// Public so the CloudFront Functions generator builds its check from this one definition.
pub fn is_refused_escape(value: u8) -> bool {
    escape_problem(value).is_some()
}

fn raw_byte_problem(byte: u8) -> Option<PathProblem> {
    match byte {
        0x00..=0x20 | 0x7f => Some(PathProblem::ControlCharacter),
        b'\\' => Some(PathProblem::Backslash),
        b'?' | b'#' => Some(PathProblem::Delimiter),
        _ => None,
    }
}

fn escape_problem(value: u8) -> Option<PathProblem> {
    match value {
        0x00..=0x1f | 0x7f => Some(PathProblem::ControlCharacter),
        b'/' => Some(PathProblem::EncodedSlash),
        b'\\' => Some(PathProblem::Backslash),
        b';' => Some(PathProblem::EncodedSemicolon),
        b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
            Some(PathProblem::EncodedUnreserved)
        }
        _ => None,
    }
}

/// Dot segments and empty segments, looking at each segment's name (the part before `;`).
fn check_segments(bytes: &[u8]) -> Result<(), PathProblem> {
    let body = bytes.strip_prefix(b"/").unwrap_or(bytes);
    let count = body.split(|&b| b == b'/').count();
    for (index, segment) in body.split(|&b| b == b'/').enumerate() {
        let name = segment.split(|&b| b == b';').next().unwrap_or_default();
        if is_dot_name(name) {
            return Err(PathProblem::DotSegment);
        }
        if name.is_empty() && index + 1 < count {
            return Err(PathProblem::EmptySegment);
        }
    }
    Ok(())
}

/// `.` or `..`, each dot written `.` or `%2e` in either case.
fn is_dot_name(name: &[u8]) -> bool {
    let mut rest = name;
    let mut dots = 0;
    while !rest.is_empty() {
        rest = match rest {
            [b'.', tail @ ..] => tail,
            [b'%', b'2', e, tail @ ..] if e.eq_ignore_ascii_case(&b'e') => tail,
            _ => return false,
        };
        dots += 1;
    }
    matches!(dots, 1 | 2)
}

/// The values of the (well-formed) escapes in a path.
fn escapes(bytes: &[u8]) -> impl Iterator<Item = u8> + '_ {
    bytes
        .iter()
        .enumerate()
        .filter(|(_, &b)| b == b'%')
        .filter_map(|(i, _)| hex_pair(&bytes[i + 1..]))
}

fn has_escape(bytes: &[u8]) -> bool {
    bytes
        .iter()
        .enumerate()
        .any(|(i, &b)| b == b'%' && hex_pair(&bytes[i + 1..]).is_some())
}

fn hex_pair(bytes: &[u8]) -> Option<u8> {
    let digit = |b: u8| char::from(b).to_digit(16);
    match bytes {
        [high, low, ..] => Some((digit(*high)? * 16 + digit(*low)?) as u8),
        _ => None,
    }
}

/// Percent-decodes once; the result must be UTF-8.
fn decode(text: &str) -> Result<Cow<'_, str>, PathProblem> {
    if !text.contains('%') {
        return Ok(Cow::Borrowed(text));
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match (bytes[i], hex_pair(&bytes[i + 1..])) {
            (b'%', Some(value)) => {
                out.push(value);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out)
        .map(Cow::Owned)
        .map_err(|_| PathProblem::NotUtf8)
}

/// The path with every segment's `;` parameters removed, as servlet containers read it.
fn without_path_parameters(uri: &str) -> String {
    uri.split('/')
        .map(|segment| segment.split(';').next().unwrap_or_default())
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn readings(uri: &str) -> Vec<String> {
        check(uri)
            .unwrap()
            .readings()
            .map(Cow::into_owned)
            .collect()
    }

    #[test]
    fn a_plain_path_has_no_other_reading() {
        assert!(readings("/images/cat.jpg").is_empty());
    }

    #[test]
    fn an_escaped_path_is_read_decoded() {
        assert_eq!(check("/caf%C3%A9/a%2Bb").unwrap().decoded(), "/café/a+b");
    }

    #[test]
    fn a_space_is_also_read_as_s3_reads_a_plus() {
        assert_eq!(readings("/a%20b"), ["/a b", "/a+b"]);
    }

    #[test]
    fn path_parameters_are_also_read_as_a_servlet_container_does() {
        assert_eq!(readings("/app;jsessionid=1/page"), ["/app/page"]);
    }

    #[test]
    fn dot_names_are_recognised_in_every_spelling() {
        for name in [".", "..", "%2e", "%2E", ".%2e", "%2E.", "%2e%2E"] {
            assert!(is_dot_name(name.as_bytes()), "{name}");
        }
        for name in ["", "...", ".a", "a.", "%2e%2e%2e", "%2", "%2f"] {
            assert!(!is_dot_name(name.as_bytes()), "{name}");
        }
    }

    #[test]
    fn refused_escapes_are_controls_separators_and_unreserved() {
        let refused: Vec<u8> = (0..=255u8).filter(|b| is_refused_escape(*b)).collect();
        let expected: Vec<u8> = (0..=0x1fu8)
            .chain([b'-', b'.', b'/'])
            .chain(b'0'..=b'9')
            .chain([b';'])
            .chain(b'A'..=b'Z')
            .chain([b'\\', b'_'])
            .chain(b'a'..=b'z')
            .chain([b'~', 0x7f])
            .collect();
        assert_eq!(refused, expected);
    }

    #[test]
    fn refused_raw_bytes_are_controls_space_backslash_and_delimiters() {
        let refused: Vec<u8> = (0..=255u8).filter(|b| is_refused_raw(*b)).collect();
        let expected: Vec<u8> = (0..=0x20u8).chain([b'#', b'?', b'\\', 0x7f]).collect();
        assert_eq!(refused, expected);
    }
}
