//! The JSON path (`Records[0].cf.request.querystring`) of the field a decoding error is about,
//! recovered from serde_json's error position and the text itself.
//!
//! This is what the `serde_path_to_error` crate gives, without its cost: tracking the path while
//! decoding means a second, wrapped copy of every `Deserialize` impl in the edge bundle (+14 KB
//! zipped, measured) and an allocation per key on the hot path. An event that failed to decode
//! is rare, so it is scanned once more here instead; `tests/event_detail.rs` checks the two
//! agree on every field of the event model.

use std::fmt::Write;

/// One step of a path: an object key or an array index.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Key(String),
    Index(usize),
}

/// `Records[0].cf.request` (empty for the document itself).
fn render(segments: &[Segment]) -> String {
    let mut path = String::new();
    for segment in segments {
        match segment {
            Segment::Index(i) => {
                let _ = write!(path, "[{i}]");
            }
            Segment::Key(key) => {
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(key);
            }
        }
    }
    path
}

/// An open object or array while scanning, with the slot being filled in it.
struct Frame {
    /// The key of the member being read (objects), `None` between members.
    key: Option<String>,
    /// The index of the element being read (arrays).
    index: usize,
    array: bool,
}

impl Frame {
    fn slot(&self) -> Option<Segment> {
        if self.array {
            Some(Segment::Index(self.index))
        } else {
            self.key.clone().map(Segment::Key)
        }
    }
}

/// What the scan found at the error position.
struct Located {
    /// Path of the innermost object or array open at the error (the one a missing field is
    /// missing from: serde reports it as that object closes).
    container: Vec<Segment>,
    /// Path of the last value that started before the error (the one of the wrong type).
    value: Vec<Segment>,
}

fn path_of(stack: &[Frame]) -> Vec<Segment> {
    stack.iter().filter_map(Frame::slot).collect()
}

/// Scans `text` (valid JSON) up to the byte before `end`. A closing bracket at `end - 1` leaves
/// its container open: that is where serde_json stands when it finds a field missing.
fn locate(text: &str, end: usize) -> Located {
    let bytes = text.as_bytes();
    let end = end.min(bytes.len());
    let mut stack: Vec<Frame> = Vec::new();
    let mut value = Vec::new();
    let mut i = 0;
    while i < end {
        match bytes[i] {
            b'{' | b'[' => {
                value = path_of(&stack);
                stack.push(Frame {
                    key: None,
                    index: 0,
                    array: bytes[i] == b'[',
                });
                i += 1;
            }
            b'}' | b']' => {
                if i + 1 >= end {
                    break; // the error is at this closing bracket: its container is still open
                }
                stack.pop();
                i += 1;
            }
            b',' => {
                if let Some(top) = stack.last_mut() {
                    top.index += 1;
                    top.key = None;
                }
                i += 1;
            }
            b'"' => {
                let close = string_end(bytes, i);
                let expects_key = stack.last().is_some_and(|f| !f.array && f.key.is_none());
                if expects_key {
                    let raw = &text[i..close.min(bytes.len())];
                    let key = serde_json::from_str::<String>(raw)
                        .unwrap_or_else(|_| raw.trim_matches('"').to_string());
                    if let Some(top) = stack.last_mut() {
                        top.key = Some(key);
                    }
                } else {
                    value = path_of(&stack);
                }
                i = close;
            }
            b' ' | b'\t' | b'\n' | b'\r' | b':' => i += 1,
            _ => {
                // A number or a literal: it runs to the next delimiter.
                value = path_of(&stack);
                while i < bytes.len() && !b",}] \t\n\r".contains(&bytes[i]) {
                    i += 1;
                }
            }
        }
    }
    let container = match stack.split_last() {
        Some((_, below)) => path_of(below),
        None => Vec::new(),
    };
    Located { container, value }
}

/// Index just past the string starting with the quote at `start`.
fn string_end(bytes: &[u8], start: usize) -> usize {
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return i + 1,
            _ => i += 1,
        }
    }
    bytes.len()
}

/// Byte offset of serde_json's 1-based `line` and byte `column` in `text`.
fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let start_of_line = if line <= 1 {
        0
    } else {
        text.match_indices('\n')
            .nth(line - 2)
            .map_or(text.len(), |(i, _)| i + 1)
    };
    start_of_line + column
}

/// `PATH: problem` for a serde_json error met while decoding `text` (valid JSON of the wrong
/// shape): `Records[0].cf.request.querystring: missing field`,
/// `Records[0].cf.request.clientIp: invalid type: integer `1`, expected a string`. The path
/// is empty-rooted as `event` when the document itself is wrong.
pub fn describe_error(text: &str, error: &serde_json::Error) -> String {
    let mut message = error.to_string();
    let position = format!(" at line {} column {}", error.line(), error.column());
    if let Some(stripped) = message.strip_suffix(&position) {
        message.truncate(stripped.len());
    }
    let offset = offset_of(text, error.line(), error.column());
    // serde names a missing or repeated field in its message, at the object that has (or lacks)
    // it, and serde_json places that error just past the byte it peeked at (the object's `}`):
    // the field then belongs in the path.
    for (prefix, problem) in [
        ("missing field `", "missing field"),
        ("duplicate field `", "duplicate field"),
    ] {
        if let Some(field) = message
            .strip_prefix(prefix)
            .and_then(|m| m.strip_suffix('`'))
        {
            let mut path = locate(text, offset).container;
            path.push(Segment::Key(field.to_string()));
            return format!("{}: {problem}", render(&path));
        }
    }
    // A value of the wrong type is reported at the first byte serde_json had not consumed: the
    // `{` or `[` it refused to open, or the byte after the scalar it read.
    let located = locate(text, offset.saturating_add(1));
    match render(&located.value) {
        path if path.is_empty() => format!("event: {message}"),
        path => format!("{path}: {message}"),
    }
}
