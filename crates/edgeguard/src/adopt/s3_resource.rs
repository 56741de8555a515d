//! A bucket policy's `Resource` entries as edgeguard path patterns, and the two questions rule
//! ordering needs: does one pattern contain another, and can two patterns match the same path.
//!
//! IAM matches resource ARNs with `*` (any run, `/` included) and `?` (one character),
//! case-sensitively: exactly edgeguard's path glob semantics, so `arn:aws:s3:::bucket/images/*`
//! is the path rule `/images/*`. That holds when the S3 origin has no origin path (the URI is
//! then `/` + the object key); the generated config says so.

use crate::glob::PathGlob;

/// The objects one `Resource` entry names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectScope {
    /// The bucket, `None` for `"*"`.
    pub bucket: Option<String>,
    /// The object keys as a path pattern (`/` + key pattern).
    pub path: String,
}

/// Reads one `Resource` entry. `Ok(None)` for the bucket itself (`arn:aws:s3:::bucket`, used by
/// `s3:ListBucket`), which names no object; an error for anything edgeguard cannot map to paths.
pub fn object_scope(resource: &str, policy_variables: bool) -> Result<Option<ObjectScope>, String> {
    if resource == "*" {
        return Ok(Some(ObjectScope {
            bucket: None,
            path: "/*".into(),
        }));
    }
    let rest = resource
        .strip_prefix("arn:")
        .and_then(|r| r.split_once(':'))
        .and_then(|(_partition, r)| r.strip_prefix("s3:::"))
        .ok_or_else(|| "is not an S3 resource ARN (arn:aws:s3:::bucket/key)".to_string())?;
    let (bucket, key) = match rest.split_once('/') {
        Some((b, k)) => (b, Some(k)),
        None => (rest, None),
    };
    if bucket.contains(['*', '?']) {
        return Err("has a wildcard in the bucket name; name the bucket".into());
    }
    if bucket.is_empty()
        || !bucket
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
    {
        return Err("does not name a valid bucket".into());
    }
    if policy_variables && resource.contains("${") {
        return Err("uses a policy variable, known only per request".into());
    }
    let Some(key) = key else {
        return Ok(None);
    };
    let mut path = format!("/{key}");
    while path.contains("**") {
        path = path.replace("**", "*");
    }
    PathGlob::new(&path).map_err(|e| format!("cannot be an edgeguard path pattern: {e}"))?;
    Ok(Some(ObjectScope {
        bucket: Some(bucket.to_string()),
        path,
    }))
}

/// Whether every path `inner` matches is also matched by `outer`. Conservative: true for equal
/// patterns and for an `outer` of the form `prefix*` whose prefix starts `inner`'s literal
/// prefix; false otherwise (callers then treat overlapping patterns as an error).
pub fn contains(outer: &str, inner: &str) -> bool {
    if outer == inner {
        return true;
    }
    let Some(prefix) = outer.strip_suffix('*') else {
        return false;
    };
    if prefix.contains(['*', '?']) {
        return false;
    }
    let inner_literal = inner.split(['*', '?']).next().unwrap_or("");
    inner_literal.starts_with(prefix)
}

/// Whether some path matches both patterns (an exact test over the two globs).
pub fn intersects(a: &str, b: &str) -> bool {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut seen = std::collections::HashSet::new();
    let mut todo = vec![(0usize, 0usize)];
    while let Some((i, j)) = todo.pop() {
        if !seen.insert((i, j)) {
            continue;
        }
        if i == a.len() && j == b.len() {
            return true;
        }
        if a.get(i) == Some(&'*') {
            todo.push((i + 1, j));
        }
        if b.get(j) == Some(&'*') {
            todo.push((i, j + 1));
        }
        if let (Some(&ca), Some(&cb)) = (a.get(i), b.get(j)) {
            let wild = |c: char| c == '*' || c == '?';
            if wild(ca) || wild(cb) || ca == cb {
                let ni = if ca == '*' { i } else { i + 1 };
                let nj = if cb == '*' { j } else { j + 1 };
                if (ni, nj) != (i, j) {
                    todo.push((ni, nj));
                }
            }
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn object_arns_become_paths() {
        let table = [
            ("arn:aws:s3:::bucket/*", Some("/*")),
            ("arn:aws:s3:::bucket/images/*", Some("/images/*")),
            ("arn:aws:s3:::bucket/a/**", Some("/a/*")),
            ("arn:aws-cn:s3:::bucket/x.jpg", Some("/x.jpg")),
            ("*", Some("/*")),
            ("arn:aws:s3:::bucket", None),
        ];
        for (arn, path) in table {
            let scope = object_scope(arn, true).unwrap();
            assert_eq!(scope.map(|s| s.path), path.map(String::from), "{arn}");
        }
    }

    #[test]
    fn unmappable_resources_are_errors() {
        for arn in [
            "arn:aws:s3:::buck*/x",
            "arn:aws:sqs:us-east-1:1:q",
            "arn:aws:s3:::b/${aws:username}/*",
            "arn:aws:s3:::b/a b.jpg",
            "arn:aws:s3:::b\nx/*",
            "arn:aws:s3:::/x",
        ] {
            assert!(object_scope(arn, true).is_err(), "{arn}");
        }
    }

    #[test]
    fn containment_is_prefix_based() {
        assert!(contains("/*", "/images/*"));
        assert!(contains("/images/*", "/images/a/*.jpg"));
        assert!(contains("/images/*", "/images/*"));
        assert!(!contains("/images/*", "/*"));
        assert!(!contains("/*.jpg", "/images/a.jpg"));
    }

    #[test]
    fn intersection_is_exact() {
        assert!(intersects("/*.jpg", "/images/*"));
        assert!(intersects("/a?c", "/abc"));
        assert!(!intersects("/images/*", "/media/*"));
        assert!(!intersects("/a", "/b"));
        assert!(intersects("*", "/x"));
    }
}
