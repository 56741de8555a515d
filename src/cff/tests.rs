//! The generator's contract: what goes into the function, what is refused, and the size limit.
//! (Behaviour of the generated code is tested against the Rust guard by tests/cff/ in Node.js.)

use super::*;
use crate::config::load_toml;

fn config(toml: &str) -> Config {
    let read = |path: &str| match path {
        "keys/K2JCJMDEHXQW5F.pem" => Ok(include_str!("../../keys/K2JCJMDEHXQW5F.pem").to_string()),
        "keys/K3ECDSAP256DEMO.pem" => {
            Ok(include_str!("../../keys/K3ECDSAP256DEMO.pem").to_string())
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
        &config(include_str!("../../guard.toml")),
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
            "*.bücher.example",
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
        "*.bücher.example",
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
fn regex_patterns_become_anchored_case_insensitive_regexps() {
    let c = code(&referer_rule(&["~(www|cdn)\\.example\\.com"]));
    assert!(c.contains(r"/^(?:(www|cdn)\.example\.com)$/i"), "{c}");
}

#[test]
fn a_non_portable_regex_is_refused_naming_the_key() {
    match generate(
        &referer_rule(&["example.com", "~(?i)x\\.com"]),
        CffOptions::default(),
    ) {
        Err(CffError::Unsupported { key, .. }) => assert_eq!(key, "rules[0].referer.allow[1]"),
        other => panic!("expected Unsupported, got {other:?}"),
    }
}

#[test]
fn path_globs_become_one_anchored_regexp_per_rule() {
    let c = code(&config(
        "[[rules]]\npaths = [\"/img/*.jpg\", \"/a?.png\", \"/x+$\"]\n",
    ));
    assert!(
        c.contains(r"[/^(?:\/img\/[\s\S]*\.jpg|\/a[\s\S]\.png|\/x\+\$)$/,0,0,0]"),
        "{c}"
    );
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
    let c = code(&config(include_str!("../../guard.toml")));
    let body: Vec<&str> = c.lines().skip_while(|l| l.starts_with("//")).collect();
    assert!(body
        .iter()
        .all(|l| !l.starts_with("//") && !l.starts_with(' ')));
    for placeholder in ["__R__", "__D__", "__K__", "__W__", "//#"] {
        assert!(!c.contains(placeholder), "{placeholder} left in the output");
    }
}

#[test]
fn signature_rules_bring_the_key_group_warning_and_prechecks() {
    let c = config(include_str!("../../guard.toml"));
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
