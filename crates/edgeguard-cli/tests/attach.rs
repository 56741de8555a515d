//! `edgeguard attach`: what it refuses and why, and the command it prints. The written configs
//! are checked against botocore's model of UpdateDistribution by tests/adopt/validate_attach.py
//! (`make test-adopt`).

use edgeguard::adopt::distribution::{
    attach, parse_behaviors, AttachError, AttachOptions, EdgeFunction,
};
use serde_json::Value;
use std::process::{Command, Output};

const LEGACY: &str = include_str!("../../../tests/adopt/fixtures/dist-legacy-referer.json");
const POLICIES: &str = include_str!("../../../tests/adopt/fixtures/dist-cache-policies.json");
const EXISTING: &str =
    include_str!("../../../tests/adopt/fixtures/dist-existing-associations.json");
const LAMBDA: &str = "arn:aws:lambda:us-east-1:111122223333:function:edgeguard-guard:3";
const FUNCTION: &str = "arn:aws:cloudfront::111122223333:function/edgeguard-cff";

fn options(behaviors: &str, function: EdgeFunction, replace: bool) -> AttachOptions {
    AttachOptions {
        behaviors: parse_behaviors(behaviors).unwrap(),
        function,
        replace,
    }
}

fn lambda() -> EdgeFunction {
    EdgeFunction::lambda(LAMBDA).unwrap()
}

fn function() -> EdgeFunction {
    EdgeFunction::cloudfront_function(FUNCTION).unwrap()
}

#[test]
fn an_unknown_behavior_is_an_error_listing_the_existing_ones() {
    let err = attach(LEGACY, &options("default,/img/*", lambda(), false)).unwrap_err();
    assert_eq!(
        err,
        AttachError::UnknownBehavior {
            pattern: "/img/*".into(),
            existing: vec!["default".into(), "/images/*".into(), "/public/*".into()],
        }
    );
    assert!(err
        .to_string()
        .contains("it has: default, /images/*, /public/*"));
}

#[test]
fn an_existing_viewer_request_association_is_kept_unless_replace() {
    let err = attach(EXISTING, &options("default", lambda(), false)).unwrap_err();
    assert!(
        matches!(&err, AttachError::AlreadyAssociated { behavior, existing }
            if behavior == "default" && existing.ends_with("edgeguard-GuardFunction-AbC123:1")),
        "{err}"
    );
    assert!(err.to_string().contains("--replace"));
    let done = attach(EXISTING, &options("default", lambda(), true)).unwrap();
    let items = &done.config["DefaultCacheBehavior"]["LambdaFunctionAssociations"];
    assert_eq!(items["Quantity"], 2);
    assert_eq!(items["Items"][0]["EventType"], "origin-response");
    assert_eq!(items["Items"][1]["LambdaFunctionARN"], LAMBDA);
}

#[test]
fn a_cloudfront_function_on_viewer_request_blocks_lambda_unless_replace_which_removes_it() {
    let err = attach(EXISTING, &options("/images/*", lambda(), false)).unwrap_err();
    assert!(err.to_string().contains("old-hotlink-check"), "{err}");
    let done = attach(EXISTING, &options("/images/*", lambda(), true)).unwrap();
    let b = &done.config["CacheBehaviors"]["Items"][0];
    assert_eq!(
        b["FunctionAssociations"],
        serde_json::json!({"Quantity": 0})
    );
    assert_eq!(b["LambdaFunctionAssociations"]["Quantity"], 1);
    assert!(done
        .notes
        .iter()
        .any(|n| n.text.contains("removed a CloudFront Function")));
}

#[test]
fn lambda_and_cloudfront_functions_never_share_the_viewer_events_of_a_behavior() {
    // /static/* has a CloudFront Function on viewer-response: no Lambda@Edge on viewer-request.
    let err = attach(EXISTING, &options("/static/*", lambda(), true)).unwrap_err();
    assert!(
        matches!(&err, AttachError::Forbidden { behavior, .. } if behavior == "/static/*"),
        "{err}"
    );
    // A Lambda@Edge on origin-request is fine beside a CloudFront Function on viewer-request.
    assert!(attach(EXISTING, &options("/media/*", function(), false)).is_ok());
}

#[test]
fn the_same_function_again_changes_nothing() {
    let once = attach(LEGACY, &options("default", lambda(), false)).unwrap();
    let wrapped = serde_json::json!({"ETag": "E2", "DistributionConfig": once.config});
    let twice = attach(&wrapped.to_string(), &options("default", lambda(), false)).unwrap();
    assert_eq!(twice.config, wrapped["DistributionConfig"]);
    assert!(twice.notes.iter().any(|n| n.text.contains("unchanged")));
}

#[test]
fn referer_leaves_legacy_forwarded_headers_whatever_its_case() {
    let done = attach(LEGACY, &options("default,/images/*", lambda(), false)).unwrap();
    assert_eq!(
        done.config["DefaultCacheBehavior"]["ForwardedValues"]["Headers"],
        serde_json::json!({"Quantity": 0})
    );
    assert_eq!(
        done.config["CacheBehaviors"]["Items"][0]["ForwardedValues"]["Headers"],
        serde_json::json!({"Quantity": 1, "Items": ["Origin"]})
    );
}

#[test]
fn cache_and_origin_request_policies_are_named_unless_documented_harmless() {
    let done = attach(
        POLICIES,
        &options("default,/images/*,/css/*", lambda(), false),
    )
    .unwrap();
    let about = |b: &str| -> Vec<String> {
        done.notes
            .iter()
            .filter(|n| n.behavior == b && !n.text.starts_with("viewer-request"))
            .map(|n| n.to_string())
            .collect()
    };
    // CachingOptimized (no headers) + UserAgentRefererHeaders (origin only): a note, no warning.
    let default = about("default");
    assert_eq!(default.len(), 1, "{default:?}");
    assert!(
        default[0].contains("Managed-UserAgentRefererHeaders") && !default[0].contains("WARNING")
    );
    // A custom cache policy cannot be read offline: a warning naming its ID.
    let images = about("/images/*");
    assert!(
        images
            .iter()
            .any(|n| n.contains("WARNING") && n.contains("2f1e8d7c-1a2b-4c3d-9e8f-0a1b2c3d4e5f")),
        "{images:?}"
    );
    assert!(about("/css/*").is_empty());
}

#[test]
fn the_etag_is_required() {
    let no_etag = serde_json::json!({"DistributionConfig": {}}).to_string();
    assert!(matches!(
        attach(&no_etag, &options("default", lambda(), false)),
        Err(AttachError::Malformed { at, .. }) if at == "ETag"
    ));
}

fn edgeguard(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_edgeguard"))
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
        .args(args)
        .output()
        .expect("edgeguard runs")
}

#[test]
fn attach_prints_the_config_and_the_update_command_with_the_etag() {
    let out = edgeguard(&[
        "attach",
        "--distribution-config",
        "tests/adopt/fixtures/dist-legacy-referer.json",
        "--behaviors",
        "default",
        "--lambda-arn",
        LAMBDA,
    ]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let config: Value = serde_json::from_slice(&out.stdout).expect("the config on stdout");
    assert_eq!(config["CallerReference"], "cli-example");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("aws cloudfront update-distribution --id <DISTRIBUTION_ID> --if-match E2QWRUHEXAMPLE --distribution-config file://updated.json"),
        "{stderr}"
    );
}

#[test]
fn attach_refuses_unusable_function_arns_with_exit_2_and_the_reason() {
    let table = [
        (
            "--lambda-arn",
            "arn:aws:lambda:us-east-1:111122223333:function:g:$LATEST",
            "$LATEST",
        ),
        (
            "--lambda-arn",
            "arn:aws:lambda:us-east-1:111122223333:function:g:prod",
            "alias prod",
        ),
        (
            "--lambda-arn",
            "arn:aws:lambda:eu-west-1:111122223333:function:g:3",
            "us-east-1",
        ),
        ("--function-arn", LAMBDA, "--lambda-arn"),
    ];
    for (flag, arn, reason) in table {
        let out = edgeguard(&[
            "attach",
            "--distribution-config",
            "tests/adopt/fixtures/dist-legacy-referer.json",
            "--behaviors",
            "default",
            flag,
            arn,
        ]);
        assert_eq!(out.status.code(), Some(2), "{arn}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(reason), "{arn}: {stderr}");
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn attach_needs_exactly_one_function() {
    let out = edgeguard(&[
        "attach",
        "--distribution-config",
        "tests/adopt/fixtures/dist-legacy-referer.json",
        "--behaviors",
        "default",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let both = edgeguard(&[
        "attach",
        "--distribution-config",
        "tests/adopt/fixtures/dist-legacy-referer.json",
        "--behaviors",
        "default",
        "--lambda-arn",
        LAMBDA,
        "--function-arn",
        FUNCTION,
    ]);
    assert_eq!(both.status.code(), Some(2));
}
