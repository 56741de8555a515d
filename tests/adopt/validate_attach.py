#!/usr/bin/env python3
"""`edgeguard attach` against botocore's own model of CloudFront's UpdateDistribution input.

Offline: botocore ships the CloudFront service model, and botocore.validate.ParamValidator is
the check the AWS CLI and boto3 run before sending a request. Every fixture (the input, as
`aws cloudfront get-distribution-config` prints it) and every DistributionConfig that attach
writes must pass it with {"Id", "IfMatch": ETag, "DistributionConfig"}. On top of the model:
every Quantity equals len(Items), the named behaviors carry exactly one viewer-request
association (the new one), Referer is gone from legacy forwarded headers, and every field attach
does not own is unchanged, keys in the same order.

Usage: validate_attach.py path/to/edgeguard
"""

import copy
import json
import pathlib
import subprocess
import sys
import tempfile

import botocore.session
from botocore.validate import ParamValidator

EDGEGUARD = sys.argv[1]
FIXTURES = pathlib.Path(__file__).parent / "fixtures"
SHAPE = (
    botocore.session.get_session()
    .get_service_model("cloudfront")
    .operation_model("UpdateDistribution")
    .input_shape
)
LAMBDA = "arn:aws:lambda:us-east-1:111122223333:function:edgeguard-guard-GuardFunction-1A2B3C:3"
FUNCTION = "arn:aws:cloudfront::111122223333:function/edgeguard-cff"
OWNED = {"LambdaFunctionAssociations", "FunctionAssociations", "ForwardedValues"}

passed, failed = 0, 0


def botocore_errors(config, etag):
    params = {"Id": "EDFDVBD6EXAMPLE", "IfMatch": etag, "DistributionConfig": config}
    report = ParamValidator().validate(params, SHAPE)
    return report.generate_report() if report.has_errors() else ""


def quantity_errors(node, path="DistributionConfig"):
    errors = []
    if isinstance(node, dict):
        if "Quantity" in node:
            items = node.get("Items", [])
            if node["Quantity"] != len(items):
                errors.append(f"{path}: Quantity {node['Quantity']} but {len(items)} Items")
        for key, value in node.items():
            errors += quantity_errors(value, f"{path}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            errors += quantity_errors(value, f"{path}[{i}]")
    return errors


def behaviors(config):
    yield "default", config["DefaultCacheBehavior"]
    for b in config.get("CacheBehaviors", {}).get("Items", []):
        yield b["PathPattern"], b


def viewer_requests(behavior):
    out = []
    for key, arn_key in (("LambdaFunctionAssociations", "LambdaFunctionARN"), ("FunctionAssociations", "FunctionARN")):
        for item in behavior.get(key, {}).get("Items", []):
            if item["EventType"] == "viewer-request":
                out.append((key, item[arn_key], item))
    return out


def without_owned(behavior):
    return {k: v for k, v in behavior.items() if k not in OWNED}


def check(name, condition, detail=""):
    global passed, failed
    if condition:
        passed += 1
    else:
        failed += 1
        print(f"FAIL {name}: {detail}")


def attach(fixture, names, flag, arn, *extra):
    with tempfile.TemporaryDirectory() as tmp:
        out = pathlib.Path(tmp) / "updated.json"
        run = subprocess.run(
            [EDGEGUARD, "attach", "--distribution-config", str(FIXTURES / fixture),
             "--behaviors", names, flag, arn, "--out", str(out), *extra],
            capture_output=True, text=True)
        config = json.loads(out.read_text()) if run.returncode == 0 else None
    return run, config


def validator_rejects_a_broken_config():
    doc = json.loads((FIXTURES / "dist-legacy-referer.json").read_text())
    broken = copy.deepcopy(doc["DistributionConfig"])
    broken["DefaultCacheBehavior"]["LambdaFunctionAssociations"] = {
        "Quantity": "1", "Items": [{"LambdaFunctionARN": LAMBDA, "EventType": "viewer-requests"}]}
    check("botocore's validator rejects a bad Quantity and EventType",
          botocore_errors(broken, doc["ETag"]) != "")


def inputs_are_valid():
    for fixture in sorted(FIXTURES.glob("dist-*.json")):
        doc = json.loads(fixture.read_text())
        check(f"{fixture.name} is a valid UpdateDistribution input", not botocore_errors(doc["DistributionConfig"], doc["ETag"]),
              botocore_errors(doc["DistributionConfig"], doc["ETag"]))
        check(f"{fixture.name} Quantities", not quantity_errors(doc["DistributionConfig"]), quantity_errors(doc["DistributionConfig"]))


# (fixture, --behaviors, flag, ARN, extra flags, behaviors expected to carry the new association)
CASES = [
    ("dist-legacy-referer.json", "default,/images/*", "--lambda-arn", LAMBDA, [], ["default", "/images/*"]),
    ("dist-legacy-referer.json", "/public/*", "--function-arn", FUNCTION, [], ["/public/*"]),
    ("dist-cache-policies.json", "default,/images/*,/media/*,/css/*", "--lambda-arn", LAMBDA, [], ["default", "/images/*", "/media/*", "/css/*"]),
    ("dist-cache-policies.json", "default", "--function-arn", FUNCTION, [], ["default"]),
    ("dist-existing-associations.json", "default,/images/*", "--lambda-arn", LAMBDA, ["--replace"], ["default", "/images/*"]),
    ("dist-existing-associations.json", "default,/images/*", "--function-arn", FUNCTION, ["--replace"], ["default", "/images/*"]),
    ("dist-existing-associations.json", "/media/*", "--lambda-arn", LAMBDA, [], ["/media/*"]),
    ("dist-existing-associations.json", "/static/*", "--function-arn", FUNCTION, ["--replace"], ["/static/*"]),
]


def outputs_are_valid():
    for fixture, names, flag, arn, extra, targets in CASES:
        label = f"{fixture} {names} {flag}{' ' + ' '.join(extra) if extra else ''}"
        doc = json.loads((FIXTURES / fixture).read_text())
        run, config = attach(fixture, names, flag, arn, *extra)
        check(f"{label}: exit 0", run.returncode == 0, run.stderr)
        if config is None:
            continue
        check(f"{label}: valid UpdateDistribution input", not botocore_errors(config, doc["ETag"]), botocore_errors(config, doc["ETag"]))
        check(f"{label}: Quantities", not quantity_errors(config), quantity_errors(config))
        check(f"{label}: prints the update command with the ETag",
              f"--if-match {doc['ETag']} --distribution-config file://" in run.stderr, run.stderr)
        before = dict(behaviors(doc["DistributionConfig"]))
        for name, behavior in behaviors(config):
            vr = viewer_requests(behavior)
            if name in targets:
                check(f"{label}: {name} has exactly the new viewer-request association",
                      [a for _, a, _ in vr] == [arn], vr)
                if flag == "--lambda-arn":
                    check(f"{label}: {name} IncludeBody false", all(i.get("IncludeBody") is False for k, _, i in vr if k == "LambdaFunctionAssociations"), vr)
                other = [i for k in ("LambdaFunctionAssociations", "FunctionAssociations")
                         for i in before[name].get(k, {}).get("Items", []) if i["EventType"] != "viewer-request"]
                kept = [i for k in ("LambdaFunctionAssociations", "FunctionAssociations")
                        for i in behavior.get(k, {}).get("Items", []) if i["EventType"] != "viewer-request"]
                check(f"{label}: {name} keeps its other events' associations", other == kept, (other, kept))
                headers = behavior.get("ForwardedValues", {}).get("Headers", {}).get("Items", [])
                check(f"{label}: {name} forwards no Referer", all(h.lower() != "referer" for h in headers), headers)
            else:
                check(f"{label}: {name} untouched", behavior == before[name], name)
            check(f"{label}: {name} other fields unchanged, same order",
                  list(without_owned(behavior).items()) == list(without_owned(before[name]).items()), name)
        rest = {k: v for k, v in config.items() if k not in ("DefaultCacheBehavior", "CacheBehaviors")}
        rest_before = {k: v for k, v in doc["DistributionConfig"].items() if k not in ("DefaultCacheBehavior", "CacheBehaviors")}
        check(f"{label}: distribution fields unchanged, same order", list(rest.items()) == list(rest_before.items()))
        check(f"{label}: same top-level key order", list(config) == list(doc["DistributionConfig"]))


validator_rejects_a_broken_config()
inputs_are_valid()
outputs_are_valid()
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
