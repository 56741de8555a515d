"""Interop test: URLs and cookies signed by the real clients (botocore's CloudFrontSigner and
@aws-sdk/cloudfront-signer) must be accepted by `edgeguard check`, and refused after a
one-character tamper of the signature, the resource, the expiry or the key id; and
`edgeguard sign` must equal botocore byte for byte.

Run by `make test-interop` (part of `make test`) as `.venv/bin/python tests/interop/run.py EDGEGUARD`.
"""

import base64
import datetime
import json
import os
import subprocess
import sys
import tempfile

from botocore.signers import CloudFrontSigner
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EDGEGUARD = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "target/debug/edgeguard"))
RSA_ID, EC_ID = "K2JCJMDEHXQW5F", "K3ECDSAP256DEMO"
KEYS = {i: os.path.join(ROOT, "tests/fixtures/keys", i + ".private.pem") for i in (RSA_ID, EC_ID)}
HOST = "https://d111111abcdef8.cloudfront.net"
NOW = 1767225600          # 2026-01-01T00:00:00Z, the clock of every check
EXPIRES = 2000000000      # 2033-05-18T03:33:20Z
START = 1767225000        # shortly before NOW
CLIENT = "198.51.100.7"

failures = []


def iso(epoch):
    return datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def load_key(key_id):
    with open(KEYS[key_id], "rb") as f:
        return serialization.load_pem_private_key(f.read(), password=None)


def botocore_signer(key_id):
    key = load_key(key_id)
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return CloudFrontSigner(key_id, lambda m: key.sign(m, ec.ECDSA(hashes.SHA1())))
    return CloudFrontSigner(key_id, lambda m: key.sign(m, padding.PKCS1v15(), hashes.SHA1()))


def to_dt(epoch):
    return datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc).replace(tzinfo=None)


# ------------------------------------------------------------------------------ the cases
# Each case: name, client, how it travels (url or cookies), what request to check it with,
# whether it is canned, and the signed artefact.

def botocore_cases():
    cases = []
    for key_id in (RSA_ID, EC_ID):
        signer = botocore_signer(key_id)
        tag = "rsa" if key_id == RSA_ID else "ecdsa"
        url = HOST + "/private/a.mp4"
        cases.append(dict(name=f"botocore-{tag}-canned", url=signer.generate_presigned_url(url, date_less_than=to_dt(EXPIRES)),
                          request=url, canned=True))
        url = HOST + "/private/a.mp4?quality=hd&lang=en"
        cases.append(dict(name=f"botocore-{tag}-canned-query", url=signer.generate_presigned_url(url, date_less_than=to_dt(EXPIRES)),
                          request=url, canned=True))
        url = HOST + "/private/b.mp4"
        policy = signer.build_policy(url, to_dt(EXPIRES), date_greater_than=to_dt(START), ip_address="198.51.100.0/24")
        cases.append(dict(name=f"botocore-{tag}-custom-ip-start", url=signer.generate_presigned_url(url, policy=policy),
                          request=url, canned=False, ip_range=True))
        policy = signer.build_policy(HOST + "/media/*", to_dt(EXPIRES))
        cases.append(dict(name=f"botocore-{tag}-wildcard", url=signer.generate_presigned_url(HOST + "/media/deep/x.jpg", policy=policy),
                          request=HOST + "/media/deep/x.jpg", canned=False))
    return cases


def node_cases():
    specs = []
    for key_id in (RSA_ID, EC_ID):
        tag = "rsa" if key_id == RSA_ID else "ecdsa"
        for algorithm in ("SHA1", "SHA256"):
            base = dict(keyPairId=key_id, privateKeyFile=KEYS[key_id], algorithm=algorithm)
            specs += [
                dict(base, name=f"node-{tag}-{algorithm}-canned", kind="url", url=HOST + "/private/a.mp4",
                     dateLessThan=iso(EXPIRES), canned=True),
                dict(base, name=f"node-{tag}-{algorithm}-canned-encoded-path", kind="url", url=HOST + "/private/my file (1).mp4?q=a b",
                     dateLessThan=iso(EXPIRES), canned=True),
                dict(base, name=f"node-{tag}-{algorithm}-custom-ip", kind="url", url=HOST + "/private/c.mp4",
                     dateLessThan=iso(EXPIRES), dateGreaterThan=iso(START), ipAddress="198.51.100.0/24", canned=False, ip_range=True),
                dict(base, name=f"node-{tag}-{algorithm}-wildcard-policy", kind="url", url=HOST + "/media/deep/y.jpg",
                     policy=json.dumps({"Statement": [{"Resource": HOST + "/media/*",
                                                       "Condition": {"DateLessThan": {"AWS:EpochTime": EXPIRES}}}]}), canned=False),
                dict(base, name=f"node-{tag}-{algorithm}-cookies-canned", kind="cookies", url=HOST + "/private/a.mp4",
                     dateLessThan=iso(EXPIRES), canned=True),
                dict(base, name=f"node-{tag}-{algorithm}-cookies-wildcard", kind="cookies",
                     policy=json.dumps({"Statement": [{"Resource": HOST + "/private/*",
                                                       "Condition": {"DateLessThan": {"AWS:EpochTime": EXPIRES},
                                                                     "IpAddress": {"AWS:SourceIp": "198.51.100.0/24"}}}]}),
                     canned=False, ip_range=True, request=HOST + "/private/deep/z.mp4"),
            ]
    out = subprocess.run(["node", os.path.join(ROOT, "tests/interop/sign_node.mjs")], input=json.dumps(specs),
                         capture_output=True, text=True, cwd=ROOT, check=True)
    cases = []
    for spec, result in zip(specs, json.loads(out.stdout)):
        if "error" in result:
            failures.append(f"{spec['name']}: node signer failed: {result['error']}")
            continue
        case = dict(name=spec["name"], canned=spec["canned"], ip_range=spec.get("ip_range", False))
        if "url" in result:
            case["url"] = result["url"]
            case["request"] = result["url"].split("?")[0] + ("?" + "&".join(
                p for p in result["url"].split("?", 1)[1].split("&")
                if p.split("=")[0] not in ("Expires", "Policy", "Signature", "Key-Pair-Id", "Hash-Algorithm")) if "?" in result["url"] else "")
            case["request"] = case["request"].rstrip("?")
        else:
            case["cookies"] = {k: str(v) for k, v in result["cookies"].items()}
            case["request"] = spec.get("request", spec.get("url"))
        cases.append(case)
    return cases


# ------------------------------------------------------------------------------ checking

def run_check(config, url, cookie=None, client=CLIENT):
    args = [EDGEGUARD, "check", "--config", config, "--url", url, "--client-ip", client, "--now", str(NOW), "--json"]
    if cookie is not None:
        args += ["--cookie", cookie]
    out = subprocess.run(args, capture_output=True, text=True)
    if out.returncode == 2:
        raise SystemExit(f"edgeguard check failed: {out.stderr}")
    return json.loads(out.stdout)


def swap_char(text, i):
    c = text[i]
    return text[:i] + ("B" if c == "A" else "A") + text[i + 1:]


def tamper_params(params, kind):
    """One-character tamper of a dict of signing values (query params or CloudFront- cookies)."""
    p = dict(params)
    sig = next(k for k in p if k.endswith("Signature"))
    kid = next(k for k in p if k.endswith("Key-Pair-Id"))
    if kind == "signature":
        p[sig] = swap_char(p[sig], len(p[sig]) // 2)
    elif kind == "key id":
        p[kid] = p[kid][:-1] + ("X" if p[kid][-1] != "X" else "Y")
    elif kind == "expiry":
        exp = next((k for k in p if k.endswith("Expires")), None)
        if exp:
            p[exp] = p[exp][:-1] + ("1" if p[exp][-1] != "1" else "2")
        else:
            pol = next(k for k in p if k.endswith("Policy"))
            raw = base64.b64decode(p[pol].replace("-", "+").replace("_", "=").replace("~", "/")).decode()
            raw = raw.replace(str(EXPIRES), str(EXPIRES + 1), 1)
            p[pol] = base64.b64encode(raw.encode()).decode().replace("+", "-").replace("=", "_").replace("/", "~")
    return p


def tamper_resource(url):
    """Change the last character of the first path segment (`/private/` -> `/privatf/`)."""
    scheme_host_end = url.index("/", len("https://"))
    seg_end = url.index("/", scheme_host_end + 1)
    c = url[seg_end - 1]
    return url[:seg_end - 1] + ("f" if c != "f" else "g") + url[seg_end:]


def split_query(url):
    base, _, query = url.partition("?")
    own, signing = [], {}
    for piece in query.split("&") if query else []:
        name = piece.split("=", 1)[0]
        if name in ("Expires", "Policy", "Signature", "Key-Pair-Id", "Hash-Algorithm"):
            signing[name] = piece.split("=", 1)[1]
        else:
            own.append(piece)
    return base, own, signing


def join_query(base, own, signing):
    pieces = own + [f"{k}={v}" for k, v in signing.items()]
    return base + ("?" + "&".join(pieces) if pieces else "")


def expect(case, what, result, decision, reasons=None):
    ok = result["decision"] == decision and (reasons is None or result["reason"] in reasons)
    if not ok:
        failures.append(f"{case['name']}: {what}: expected {decision} {reasons or ''}, got {result}")
    return ok


def check_case(config, case):
    ip_ok = CLIENT
    outside_ip = "203.0.113.99"
    resource_reason = ["signature_invalid"] if case["canned"] else ["resource_mismatch"]
    if "url" in case:
        url = case["url"]
        expect(case, "as signed", run_check(config, url), "allow")
        base, own, signing = split_query(url)
        for kind, reasons in (("signature", ["signature_invalid"]), ("key id", ["key_unknown"]), ("expiry", ["signature_invalid"])):
            expect(case, f"{kind} tampered", run_check(config, join_query(base, own, tamper_params(signing, kind))), "deny", reasons)
        expect(case, "resource tampered", run_check(config, tamper_resource(url)), "deny", resource_reason)
    else:
        cookies = case["cookies"]
        line = lambda c: "; ".join(f"{k}={v}" for k, v in c.items())
        request = case["request"]
        expect(case, "as signed", run_check(config, request, line(cookies)), "allow")
        for kind, reasons in (("signature", ["signature_invalid"]), ("key id", ["key_unknown"]), ("expiry", ["signature_invalid"])):
            expect(case, f"{kind} tampered", run_check(config, request, line(tamper_params(cookies, kind))), "deny", reasons)
        expect(case, "resource tampered", run_check(config, tamper_resource(request), line(cookies)), "deny", resource_reason)
        url = None
    if case.get("ip_range"):
        target = case.get("url") or case["request"]
        cookie = None if "url" in case else "; ".join(f"{k}={v}" for k, v in case["cookies"].items())
        expect(case, "outside the IP range", run_check(config, target, cookie, client=outside_ip), "deny", ["ip_not_allowed"])


def check_sign_matches_botocore():
    """`edgeguard sign` == botocore's generate_presigned_url, byte for byte (RSA is deterministic)."""
    signer = botocore_signer(RSA_ID)
    cases = [
        ("canned", HOST + "/private/a.mp4?x=1", {}, None),
        ("custom ip", HOST + "/private/a.mp4", {"ip_address": "198.51.100.7"}, None),
        ("custom start", HOST + "/private/a.mp4", {"date_greater_than": START}, None),
        ("custom resource", HOST + "/private/a.mp4", {}, HOST + "/private/*"),
        ("custom all", HOST + "/p/a.mp4?y=2", {"ip_address": "10.0.0.0/8", "date_greater_than": START}, HOST + "/p/*"),
    ]
    for name, url, extra, resource in cases:
        custom = bool(extra) or resource is not None
        if custom:
            ip = extra.get("ip_address")
            if ip and "/" not in ip:
                ip += "/32"
            policy = signer.build_policy(resource or url, to_dt(EXPIRES),
                                         date_greater_than=to_dt(extra["date_greater_than"]) if "date_greater_than" in extra else None,
                                         ip_address=ip)
            expected = signer.generate_presigned_url(url, policy=policy)
        else:
            expected = signer.generate_presigned_url(url, date_less_than=to_dt(EXPIRES))
        args = [EDGEGUARD, "sign", "--url", url, "--key-pair-id", RSA_ID, "--private-key", KEYS[RSA_ID],
                "--date-less-than", iso(EXPIRES)]
        if "ip_address" in extra:
            args += ["--ip-address", extra["ip_address"]]
        if "date_greater_than" in extra:
            args += ["--date-greater-than", str(extra["date_greater_than"])]
        if resource:
            args += ["--policy-resource", resource]
        got = subprocess.run(args, capture_output=True, text=True).stdout.strip()
        if got != expected:
            failures.append(f"edgeguard sign ({name}) differs from botocore:\n  edgeguard {got}\n  botocore  {expected}")


def main():
    with tempfile.TemporaryDirectory() as tmp:
        config = os.path.join(tmp, "interop.toml")
        with open(config, "w") as f:
            f.write('scheme = "https"\n[keys]\n')
            for key_id in (RSA_ID, EC_ID):
                f.write(f'{key_id} = {{ pem_file = "{os.path.join(ROOT, "keys", key_id + ".pem")}" }}\n')
            f.write('[[rules]]\npaths = ["/*"]\nsignature = "required"\n')
        cases = botocore_cases() + node_cases()
        for case in cases:
            check_case(config, case)
        check_sign_matches_botocore()
    if failures:
        print("\n".join(failures))
        print(f"interop: {len(failures)} failure(s) over {len(cases)} signed cases")
        return 1
    print(f"interop: ok: {len(cases)} URLs/cookies from botocore and @aws-sdk/cloudfront-signer accepted, "
          f"each refused after signature/resource/expiry/key-id tampering; edgeguard sign == botocore (5 cases)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
