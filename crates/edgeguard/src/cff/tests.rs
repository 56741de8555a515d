//! The generator's contract: what goes into the function, what is refused, and the size limit.
//! (Behaviour of the generated code is tested against the Rust guard by tests/cff/ in Node.js.)

use super::*;
use crate::config::load_toml;

fn config(toml: &str) -> Config {
    let read = |path: &str| match path {
        "keys/K2JCJMDEHXQW5F.pem" => {
            Ok(include_str!("../../../../keys/K2JCJMDEHXQW5F.pem").to_string())
        }
        "keys/K3ECDSAP256DEMO.pem" => {
            Ok(include_str!("../../../../keys/K3ECDSAP256DEMO.pem").to_string())
        }
        other => Err(format!("no such test file {other}")),
    };
    load_toml(toml, "test.toml", &read).unwrap().1
}

fn referer_rule(allow: &[&str]) -> Config {
    let list: Vec<String> = allow.iter().map(|p| format!("{p:?}")).collect();
    config(&format!(
        "[[rules]]\npaths = [\"/*\"]\nreferer = {{ allow = [{}] }}\n",
        list.join(", ")
    ))
}

fn code(config: &Config) -> String {
    generate(config, CffOptions::default()).unwrap().code
}

#[test]
fn shipped_config_fits_in_10_kb() {
    let f = generate(
        &config(include_str!("../../../../guard.toml")),
        CffOptions::default(),
    )
    .unwrap();
    assert!(f.code.len() <= MAX_FUNCTION_BYTES, "{} bytes", f.code.len());
    assert!(f.code.contains("async function handler(event){"));
}

#[test]
fn fifty_domains_fit_in_10_kb() {
    let domains: Vec<String> = (0..50)
        .flat_map(|i| {
            [
                format!("site-number-{i}.example.com"),
                format!("*.site-number-{i}.example.com"),
            ]
        })
        .collect();
    let refs: Vec<&str> = domains.iter().map(String::as_str).collect();
    let f = generate(&referer_rule(&refs), CffOptions::default()).unwrap();
    assert!(f.code.len() <= MAX_FUNCTION_BYTES, "{} bytes", f.code.len());
}

#[test]
fn a_config_over_10_kb_is_refused_with_its_size() {
    let domains: Vec<String> = (0..400)
        .map(|i| format!("domain-{i}.example.com"))
        .collect();
    let refs: Vec<&str> = domains.iter().map(String::as_str).collect();
    match generate(&referer_rule(&refs), CffOptions::default()) {
        Err(CffError::TooLarge { bytes }) => assert!(bytes > MAX_FUNCTION_BYTES),
        other => panic!("expected TooLarge, got {other:?}"),
    }
}

#[test]
fn the_kvs_option_moves_plain_hosts_out_of_the_code() {
    let domains: Vec<String> = (0..400)
        .map(|i| format!("domain-{i}.example.com"))
        .collect();
    let refs: Vec<&str> = domains.iter().map(String::as_str).collect();
    let f = generate(&referer_rule(&refs), CffOptions { kvs: true }).unwrap();
    assert_eq!(f.kvs_keys.len(), 400);
    assert_eq!(f.kvs_keys[0], "0:domain-0.example.com");
    assert!(f.code.contains("import cf from 'cloudfront';"));
    assert!(!f.code.contains("domain-0.example.com"));
    assert!(f
        .kvs_import_json()
        .starts_with(r#"{"data":[{"key":"0:domain-0.example.com","value":"1"}"#));
}

#[test]
fn kvs_keys_use_the_normalised_pattern_forms() {
    let f = generate(
        &referer_rule(&[
            "Example.COM.",
            "*.xn--bcher-kva.example",
            ".apex.example",
            "https://only.example",
        ]),
        CffOptions { kvs: true },
    )
    .unwrap();
    assert_eq!(
        f.kvs_keys,
        [
            "0:example.com",
            "0:*.xn--bcher-kva.example",
            "0:.apex.example"
        ]
    );
    assert!(f.code.contains(r#"["=only.example",'https',0,0]"#));
}

#[test]
fn host_patterns_are_embedded_normalised() {
    let c = code(&referer_rule(&[
        "Example.COM.",
        "*.xn--bcher-kva.example",
        ".apex.example",
        "[0:0::1]",
    ]));
    assert!(
        c.contains(r#"["=example.com","*xn--bcher-kva.example",".apex.example","=[::1]"]"#),
        "{c}"
    );
}

#[test]
fn restricted_patterns_carry_scheme_port_and_path() {
    let c = code(&referer_rule(&["http://example.com:8080/gallery/"]));
    assert!(
        c.contains(r#"["=example.com",'http',8080,"/gallery/"]"#),
        "{c}"
    );
}

#[test]
fn regex_patterns_become_anchored_regexps_printed_from_the_parsed_regex() {
    // Case folding is resolved into the printed sets (the host is lower-case), so no `i` flag;
    // groups print as non-capturing.
    let c = code(&referer_rule(&["~(www|CDN)\\.example\\.com"]));
    assert!(c.contains(r"/^(?:(?:www|cdn)\.example\.com)$/"), "{c}");
}

#[test]
fn a_regex_the_function_cannot_run_is_refused_naming_the_key() {
    match generate(
        &referer_rule(&["example.com", "~\\bx\\.com\\b{end}"]),
        CffOptions::default(),
    ) {
        Err(CffError::Unsupported { key, message }) => {
            assert_eq!(key, "rules[0].referer.allow[1]");
            assert!(message.contains("no JavaScript equivalent"), "{message}");
        }
        other => panic!("expected Unsupported, got {other:?}"),
    }
}

/// The generator's answer for one `~REGEX`: the printed RegExp, or the refusal message.
fn generated_regexp(source: &str) -> Result<String, String> {
    let config = referer_rule(&[&format!("~{source}")]);
    match generate(&config, CffOptions::default()) {
        Ok(f) => {
            let start = 4 + f.code.find("[0,[/^(?:").ok_or("no RegExp in the code")?;
            let end = f.code[start..].find(")$/").ok_or("unterminated RegExp")?;
            Ok(f.code[start..start + end + 3].to_string())
        }
        Err(CffError::Unsupported { key, message }) => {
            assert_eq!(key, "rules[0].referer.allow[0]");
            Err(message)
        }
        Err(e) => panic!("{source}: {e}"),
    }
}

/// Regexes a backtracking engine could run in super-linear time: each is refused, the message
/// naming the pattern and pointing to the plain pattern forms.
const BACKTRACKING_REGEXES: &[&str] = &[
    // The issue's pattern: about 0.8 s in Node for 26 letters plus `.example.co`.
    r"([a-z0-9]+-?)+\.example\.com",
    r"(a+)+",
    r"(a+)+b",
    r"(a|ab)*c",
    r"(ab|a)*",
    r"(\w+\s?)*",
    r"(.*a){10}",
    r"(.*a){3}",
    r"\d+\d+x",
    r"a*a*",
    r"[a-z]+-?[a-z]+",
    r"(a?){20}",
    r"(a*)*b",
    r"(x+x+)+y",
    r".*a.*a.*a",
    r".*\.example\.com",
    r"([a-z0-9-]+\.)*example\.com",
    r"(www\.|w+\.)example\.com",
    r"(|a)+",
    r"x{1000}",
    r"((x{20}y){20}z){3}",
];

#[test]
fn regexes_that_can_backtrack_are_refused_naming_the_pattern_and_the_plain_forms() {
    for source in BACKTRACKING_REGEXES {
        let message = generated_regexp(source).expect_err(source);
        assert!(
            message.contains(&format!("regex {source:?}")),
            "{source}: {message}"
        );
        assert!(message.contains("super-linear"), "{source}: {message}");
        for plain in ["`example.com`", "`*.example.com`", "`.example.com`"] {
            assert!(message.contains(plain), "{source}: {message}");
        }
        assert!(message.contains("Referer patterns"), "{source}: {message}");
    }
}

/// Regexes real configs use, and what the function runs for them.
const LINEAR_REGEXES: &[(&str, &str)] = &[
    (
        r"cdn[0-9]+\.example\.com",
        r"/^(?:cdn[0-9]+\.example\.com)$/",
    ),
    (
        r"(www|static)\.example\.com",
        r"/^(?:(?:www|static)\.example\.com)$/",
    ),
    (
        r"[a-z0-9-]+\.example\.com",
        r"/^(?:[\-0-9a-z]+\.example\.com)$/",
    ),
    (
        r"img-[0-9]{1,3}\.example\.org",
        r"/^(?:img\-[0-9]{1,3}\.example\.org)$/",
    ),
    (r"(www\.)?example\.com", r"/^(?:(?:www\.)?example\.com)$/"),
    (
        r"[a-z]+(-[a-z]+)*\.example\.com",
        r"/^(?:[a-z]+(?:\-[a-z]+)*\.example\.com)$/",
    ),
    (
        r"edge([0-9]+\.)+example\.net",
        r"/^(?:edge(?:[0-9]+\.)+example\.net)$/",
    ),
    (
        r"(www|cdn)[0-9]*\.regex\.example",
        r"/^(?:(?:www|cdn)[0-9]*\.regex\.example)$/",
    ),
    (r"10\.0\.0\.\d{1,3}", r"/^(?:10\.0\.0\.[0-9]{1,3})$/"),
    // Not ambiguous once parsed: the two alternatives are one class, so the function runs `a*`.
    (r"(a|a)*", r"/^(?:a*)$/"),
];

#[test]
fn linear_time_regexes_are_accepted_as_printed() {
    for (source, regexp) in LINEAR_REGEXES {
        assert_eq!(generated_regexp(source).as_deref(), Ok(*regexp), "{source}");
    }
}

#[test]
fn a_regex_that_closes_a_group_it_never_opened_gets_no_regexp() {
    // The config refuses it already (src/referer.rs); the generator would too, since it prints
    // the regex from its own parse, in which the text is no regex at all.
    let source = r"example\.com)|(.*";
    assert!(RefererPattern::parse(&format!("~{source}")).is_err());
    let e = regex_js::translate(source).unwrap_err();
    assert!(e.contains("not a valid regex on its own"), "{e}");
}

/// Pattern texts built from regex syntax, where anchoring and grouping bugs live.
fn regexish() -> impl proptest::strategy::Strategy<Value = String> {
    use proptest::prelude::*;
    let token = prop_oneof![
        Just("a"),
        Just("b"),
        Just("-"),
        Just("\\."),
        Just("."),
        Just("("),
        Just(")"),
        Just("(?:"),
        Just("|"),
        Just("*"),
        Just("+"),
        Just("?"),
        Just("{2}"),
        Just("{1,3}"),
        Just("["),
        Just("]"),
        Just("^"),
        Just("$"),
        Just("\\"),
        Just("(?x)"),
        Just("#"),
        Just("(?i)"),
        Just("(?-i)"),
        Just("A"),
        Just("0-9"),
        Just("\\d"),
        Just("\\b"),
    ];
    proptest::collection::vec(token, 1..10).prop_map(|t| t.concat())
}

/// Whether a printed body is one expression: every group and class it opens it closes, and no
/// `)` closes a group it did not open (so `^(?:BODY)$` anchors all of it).
fn is_one_expression(body: &str) -> bool {
    let (mut depth, mut in_class, mut chars) = (0i32, false, body.chars());
    while let Some(c) = chars.next() {
        match c {
            // An escape is one character, whatever follows.
            '\\' if chars.next().is_none() => return false,
            '[' if !in_class => in_class = true,
            ']' if in_class => in_class = false,
            '(' if !in_class => depth += 1,
            ')' if !in_class => {
                depth -= 1;
                if depth < 0 {
                    return false;
                }
            }
            _ => {}
        }
    }
    depth == 0 && !in_class
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]

    /// Whatever the text, an accepted `~REGEX` is anchored around its whole parse: the Rust
    /// matcher agrees with the parse tree printed between anchors, and the function's RegExp is
    /// that tree, one expression between `^(?:` and `)$`.
    #[test]
    fn accepted_regexes_are_anchored_around_their_whole_parse(
        source in regexish(),
        hosts in proptest::collection::vec("[ab.-]{0,6}", 1..8),
    ) {
        let Ok(pattern) = RefererPattern::parse(&format!("~{source}")) else { return Ok(()) };
        let hir = regex_syntax::ParserBuilder::new()
            .case_insensitive(crate::referer::REGEX_CASE_INSENSITIVE)
            .unicode(crate::referer::REGEX_UNICODE)
            .utf8(false)
            .build()
            .parse(&source)
            .map_err(|e| proptest::test_runner::TestCaseError::fail(format!("{source}: {e}")))?;
        let whole = regex::bytes::Regex::new(&format!("^(?:{hir})$"))
            .map_err(|e| proptest::test_runner::TestCaseError::fail(format!("{hir}: {e}")))?;
        for host in &hosts {
            let Ok(referer) = crate::referer::ParsedReferer::parse(&format!("https://x{host}/")) else { continue };
            let host = referer.host().as_bytes();
            proptest::prop_assert_eq!(pattern.matches(&referer), whole.is_match(host), "{} on {:?}", source, referer.host());
        }
        if let Ok(body) = regex_js::translate(&source) {
            proptest::prop_assert!(is_one_expression(&body), "{} printed as {}", source, body);
        }
    }
}

#[test]
fn path_globs_become_one_anchored_regexp_per_rule() {
    let c = code(&config(
        "[[rules]]\npaths = [\"/img/*.jpg\", \"/a?.png\", \"/x+$\"]\n",
    ));
    assert!(
        c.contains(r"[/^(?:\/img\/[\s\S]*\.jpg|\/a[\s\S]\.png|\/x\+\$)$/,0,0,0,1]"),
        "{c}"
    );
}

#[test]
fn a_rule_in_report_mode_is_marked_not_enforced_in_its_entry() {
    let c = code(&config(
        "mode = \"report\"\n[[rules]]\npaths = [\"/a/*\"]\n[[rules]]\npaths = [\"/b/*\"]\nmode = \"enforce\"\n",
    ));
    assert!(c.contains(r"[/^(?:\/a\/[\s\S]*)$/,0,0,0,0]"), "{c}");
    assert!(c.contains(r"[/^(?:\/b\/[\s\S]*)$/,0,0,0,1]"), "{c}");
}

#[test]
fn deny_response_has_the_cloudfront_functions_shape() {
    let c = code(&config(
        "[[rules]]\npaths = [\"/*\"]\n[deny]\nstatus = 404\nbody = \"Nope\"\n",
    ));
    assert!(c.contains(
        r#"D={statusCode:404,statusDescription:"Not Found",headers:{"content-type":{value:"text/plain; charset=utf-8"},"cache-control":{value:"no-store"}},body:"Nope"}"#
    ), "{c}");
}

#[test]
fn redirect_deny_has_a_location_and_no_body() {
    let c = code(&config(
        "[[rules]]\npaths = [\"/*\"]\n[deny]\nredirect = \"https://example.com/hotlink.png\"\n",
    ));
    assert!(c.contains(
        r#"D={statusCode:302,statusDescription:"Found",headers:{"location":{value:"https://example.com/hotlink.png"},"cache-control":{value:"no-store"}}}"#
    ), "{c}");
}

#[test]
fn placeholders_in_data_are_not_expanded() {
    let c = code(&config(
        "[[rules]]\npaths = [\"/*\"]\n[deny]\nbody = \"__K__ __R__\"\n",
    ));
    assert!(c.contains(r#"body:"__K__ __R__""#), "{c}");
}

#[test]
fn only_the_header_has_comments_and_no_placeholder_remains() {
    let c = code(&config(include_str!("../../../../guard.toml")));
    let body: Vec<&str> = c.lines().skip_while(|l| l.starts_with("//")).collect();
    assert!(body
        .iter()
        .all(|l| !l.starts_with("//") && !l.starts_with(' ')));
    assert!(!c.contains("//#"), "a feature marker left in the output");
    assert_eq!(placeholders_in(&c), Vec::<String>::new());
}

/// Every `__NAME__` (capitals, digits, `_`) in `code`.
fn placeholders_in(code: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("__") {
        let after = &rest[at + 2..];
        let name_len = after
            .find(|c: char| !(c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'))
            .unwrap_or(after.len());
        let name = &after[..name_len];
        if name.len() > 2 && name.ends_with("__") && !name.starts_with('_') {
            found.push(format!("__{name}"));
            rest = &after[name_len..];
        } else {
            rest = after;
        }
    }
    found
}

#[test]
fn placeholders_in_finds_names_between_double_underscores() {
    assert_eq!(
        placeholders_in("a=__R__,b=__MAX_URI__;c=__x__ d=____"),
        ["__R__", "__MAX_URI__"]
    );
}

/// A config using every feature of the runtime (signatures, stripping, Referer lists read from
/// the KeyValueStore), so every placeholder is in its output.
fn every_feature() -> String {
    generate(
        &config(include_str!("../../../../guard.toml")),
        CffOptions { kvs: true },
    )
    .unwrap()
    .code
}

#[test]
fn no_placeholder_remains_with_every_feature() {
    assert_eq!(placeholders_in(&every_feature()), Vec::<String>::new());
}

#[test]
fn the_runtime_restates_no_rust_constant() {
    let code = assemble(RUNTIME, &|_| true);
    let numbers = [
        MAX_URI_AND_QUERY,
        MAX_REFERER_LEN,
        MAX_POLICY_BYTES,
        MAX_SIGNATURE_CHARS,
    ]
    .map(|n| n.to_string());
    let texts = [MAX_EXPIRES.to_string(), COOKIE_PREFIX.to_string()];
    let names = SIGNING_PARAMS
        .iter()
        .chain([&HashAlgorithm::SHA256_NAME])
        .map(|s| s.to_string());
    for literal in numbers.into_iter().chain(texts).chain(names) {
        assert!(
            !code.contains(&literal),
            "runtime.js restates {literal}; use a placeholder filled from the Rust constant"
        );
    }
}

#[test]
fn shared_limits_and_names_are_the_rust_constants() {
    let c = every_feature();
    let names: Vec<String> = SIGNING_PARAMS.iter().map(|p| format!("{p:?}")).collect();
    let markers = URL_MARKERS.len();
    for expected in [
        format!("L(u,q.querystring)>{MAX_URI_AND_QUERY})"),
        format!("v.length>{MAX_REFERER_LEN}||"),
        format!("h.length>{MAX_HOST_LEN})"),
        format!("l.length>{MAX_KVS_LABELS})"),
        format!("Z=[{}];", names.join(",")),
        format!("j<{markers}&&o[k]"),
        format!("c[{COOKIE_PREFIX:?}+k]"),
        format!("for(i=0;i<{};i++)", SIGNING_PARAMS.len()),
        format!("f.slice(0,{markers}).every"),
        format!(r"/^\d{{1,{MAX_EXPIRES_DIGITS}}}$/.test(f[0])||f[0]>{MAX_EXPIRES})"),
        format!("f[1].length>{MAX_POLICY_BYTES}||!(d=B(f[1]))||d.length>{MAX_POLICY_BYTES})"),
        format!("f[2].length>{MAX_SIGNATURE_CHARS}||"),
        format!("f[4]!={:?}||", HashAlgorithm::SHA256_NAME),
    ] {
        assert!(c.contains(&expected), "{expected} not in\n{c}");
    }
}

#[test]
fn the_runtime_reads_the_signing_params_in_this_order() {
    // S in runtime.js indexes the values: 0 Expires, 1 Policy, 2 Signature, 3 Key-Pair-Id,
    // 4 Hash-Algorithm. Reordering SIGNING_PARAMS must change the runtime too.
    assert_eq!(
        SIGNING_PARAMS,
        [
            "Expires",
            "Policy",
            "Signature",
            "Key-Pair-Id",
            "Hash-Algorithm"
        ]
    );
}

#[test]
fn signature_rules_bring_the_key_group_warning_and_prechecks() {
    let c = config(include_str!("../../../../guard.toml"));
    let f = generate(&c, CffOptions::default()).unwrap();
    assert!(f.code.contains("MUST be enforced by a trusted key group"));
    assert!(f.code.contains(r#"K=["K2JCJMDEHXQW5F","K3ECDSAP256DEMO"]"#));
    assert!(f.code.contains("function S("));
    assert!(f
        .notes
        .iter()
        .any(|n| n.contains("signature_bypasses_referer")));
}

#[test]
fn unused_features_are_left_out() {
    let c = code(&config("[[rules]]\npaths = [\"/*\"]\n"));
    for absent in [
        "function S(",
        "function B(",
        "function P(",
        "import cf",
        "MUST be enforced",
    ] {
        assert!(
            !c.contains(absent),
            "{absent} emitted for a config without it"
        );
    }
}

#[test]
fn line_separators_are_escaped_in_strings() {
    assert_eq!(js_string("a\u{2028}b"), r#""a\u2028b""#);
}

#[test]
fn the_path_check_is_generated_from_the_rust_definition() {
    // Refused raw: controls, space, `#`, `?`, `\`, DEL. Refused escapes: controls, `-` `.` `/`,
    // digits, `;`, letters, `\`, `_`, `~`, DEL (src/path.rs); a run never spans 9..a.
    let code = code(&referer_rule(&["example.com"]));
    assert!(
        code.contains(
            r"Y=/[\x00-\x20\x23\x3f\x5c\x7f]|%(?![\da-f]{2})|%(?:0[0-9a-f]|1[0-9a-f]|2[d-f]|3[0-9b]|4[1-9a-f]|5[0-9acf]|6[1-9a-f]|7[0-9ae-f])/i"
        ),
        "{code}"
    );
}
