"""Interop test: URLs and cookies made by every CloudFront signer that installs from the package
registries must be accepted by `edgeguard check`, and refused after a one-character tamper of the
signature, the key id, the expiry and the path; `edgeguard sign` must equal botocore and the
AWS CLI byte for byte.

Signers (table rows) and what each can make:

| signer                             | URLs | cookies | keys                     | hashes       |
|------------------------------------|------|---------|--------------------------|--------------|
| botocore `CloudFrontSigner`        | yes  | no      | RSA, ECDSA (own signer)  | SHA-1        |
| `aws cloudfront sign` (AWS CLI v1) | yes  | no      | RSA, PKCS#1 PEM only     | SHA-1        |
| `@aws-sdk/cloudfront-signer`       | yes  | yes     | RSA, ECDSA               | SHA-1, SHA-256 |
| `aws-cloudfront-sign` (npm)        | yes  | yes     | RSA, ECDSA               | SHA-1        |

Kinds (table columns): url-canned, url-canned-query, url-custom-ip, url-custom-start,
url-wildcard, cookies-canned, cookies-custom-ip, cookies-wildcard. aws-cloudfront-sign has no
canned form: its "canned" URL is a Policy for that one URL plus an Expires that is not signed
(and it has no start time). A signer that cannot make a kind shows `-`.

Run by `make test-interop` (part of `make test`) as `.venv/bin/python tests/interop/run.py EDGEGUARD`.
The last line is `interop: N passed, N failed` (N counts single checks); exit status 1 on any failure.
"""

import base64
import datetime
import json
import os
import subprocess
import sys
import tempfile
import urllib.parse

from botocore.signers import CloudFrontSigner
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EDGEGUARD = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "target/debug/edgeguard"))
AWS_CLI = os.path.join(os.path.dirname(sys.executable), "aws")
RSA_ID, EC_ID = "K2JCJMDEHXQW5F", "K3ECDSAP256DEMO"
KEYS = {i: os.path.join(ROOT, "tests/fixtures/keys", i + ".private.pem") for i in (RSA_ID, EC_ID)}
HOST = "https://d111111abcdef8.cloudfront.net"
NOW = 1767225600          # 2026-01-01T00:00:00Z, the clock of every check
EXPIRES = 2000000000      # 2033-05-18T03:33:20Z
START = 1767225000        # shortly before NOW
CLIENT = "198.51.100.7"
OUTSIDE = "203.0.113.99"
RANGE = "198.51.100.0/24"
SIGNING = ("Expires", "Policy", "Signature", "Key-Pair-Id", "Hash-Algorithm")

SIGNERS = ["botocore", "aws-cli", "aws-sdk", "aws-cloudfront-sign"]
KINDS = ["url-canned", "url-canned-query", "url-custom-ip", "url-custom-start", "url-wildcard",
         "cookies-canned", "cookies-custom-ip", "cookies-wildcard"]

# What a one-line request of each kind is signed for and then checked with.
PLAIN = HOST + "/private/a.mp4"
QUERY = HOST + "/private/a.mp4?quality=hd&lang=en"
WILDCARD = HOST + "/media/*"
DEEP = HOST + "/media/deep/x.jpg"
COOKIE_WILDCARD = HOST + "/private/*"
COOKIE_DEEP = HOST + "/private/deep/z.mp4"


class Results:
    """Every single check, and per (signer, kind) the variants that passed or failed."""

    def __init__(self):
        self.passed = 0
        self.failures = []
        self.cells = {}

    def check(self, case, what, ok, detail=""):
        cell = self.cells.setdefault((case["signer"], case["kind"]), {})
        if ok:
            self.passed += 1
            cell.setdefault(case["variant"], True)
        else:
            self.failures.append(f"{case['signer']} {case['kind']} {case['variant']}: {what}: {detail}")
            cell[case["variant"]] = False

    def fail(self, case, what, detail):
        self.check(case, what, False, detail)


results = Results()


def iso(epoch):
    return datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def to_dt(epoch):
    return datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc).replace(tzinfo=None)


def load_key(key_id):
    with open(KEYS[key_id], "rb") as f:
        return serialization.load_pem_private_key(f.read(), password=None)


def tag(key_id, hash_name="SHA1"):
    return ("rsa" if key_id == RSA_ID else "ecdsa") + "-" + hash_name.lower()


def case(signer, kind, variant, url=None, cookies=None, request=None):
    """A signed artefact. `request` is the URL to check (default: the signed URL without its
    signing parameters); `canned` (the path tamper's reason) is whether no Policy governs."""
    values = cookies if cookies is not None else split_query(url)[2]
    if request is None:
        base, own, _ = split_query(url)
        request = join_query(base, own, {})
    return dict(signer=signer, kind=kind, variant=variant, url=url, cookies=cookies, request=request,
                canned=not any(k.endswith("Policy") for k in values),
                ip_range=kind.endswith("custom-ip"))


def retarget(signed_url, target):
    """The signing parameters of `signed_url` on another URL (a wildcard policy's use)."""
    _, _, signing = split_query(signed_url)
    return join_query(target, [], signing)


# ------------------------------------------------------------------------------ the signers

def botocore_cases():
    cases = []
    for key_id in (RSA_ID, EC_ID):
        key = load_key(key_id)
        if isinstance(key, ec.EllipticCurvePrivateKey):
            signer = CloudFrontSigner(key_id, lambda m, key=key: key.sign(m, ec.ECDSA(hashes.SHA1())))
        else:
            signer = CloudFrontSigner(key_id, lambda m, key=key: key.sign(m, padding.PKCS1v15(), hashes.SHA1()))
        v = tag(key_id)
        cases.append(case("botocore", "url-canned", v, signer.generate_presigned_url(PLAIN, date_less_than=to_dt(EXPIRES))))
        cases.append(case("botocore", "url-canned-query", v, signer.generate_presigned_url(QUERY, date_less_than=to_dt(EXPIRES))))
        policy = signer.build_policy(PLAIN, to_dt(EXPIRES), ip_address=RANGE)
        cases.append(case("botocore", "url-custom-ip", v, signer.generate_presigned_url(PLAIN, policy=policy)))
        policy = signer.build_policy(PLAIN, to_dt(EXPIRES), date_greater_than=to_dt(START))
        cases.append(case("botocore", "url-custom-start", v, signer.generate_presigned_url(PLAIN, policy=policy)))
        policy = signer.build_policy(WILDCARD, to_dt(EXPIRES))
        cases.append(case("botocore", "url-wildcard", v, signer.generate_presigned_url(DEEP, policy=policy)))
    return cases


def pkcs1_copy(key_id, directory):
    """The RSA demo key as PKCS#1 (`BEGIN RSA PRIVATE KEY`): all the AWS CLI v1 reads."""
    path = os.path.join(directory, key_id + ".pkcs1.pem")
    with open(path, "wb") as f:
        f.write(load_key(key_id).private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                               serialization.NoEncryption()))
    return path


def aws_cli(url, key_file, *extra):
    out = subprocess.run([AWS_CLI, "cloudfront", "sign", "--url", url, "--key-pair-id", RSA_ID,
                          "--private-key", "file://" + key_file, "--date-less-than", str(EXPIRES), *extra],
                         capture_output=True, text=True, env=dict(os.environ, AWS_CONFIG_FILE=os.devnull,
                                                                  AWS_SHARED_CREDENTIALS_FILE=os.devnull))
    return out.returncode, out.stdout.strip(), out.stderr.strip()


def aws_cli_cases(pkcs1):
    specs = [
        ("url-canned", PLAIN, [], None),
        ("url-canned-query", QUERY, [], None),
        ("url-custom-ip", PLAIN, ["--ip-address", RANGE], None),
        ("url-custom-start", PLAIN, ["--date-greater-than", str(START)], None),
        # A wildcard needs a custom policy, which the CLI writes when a condition is given.
        ("url-wildcard", WILDCARD, ["--date-greater-than", str(START)], DEEP),
    ]
    cases = []
    for kind, url, extra, target in specs:
        code, out, err = aws_cli(url, pkcs1, *extra)
        if code != 0:
            results.fail(dict(signer="aws-cli", kind=kind, variant="rsa-sha1"), "aws cloudfront sign failed", err)
            continue
        cases.append(case("aws-cli", kind, "rsa-sha1", retarget(out, target) if target else out))
    return cases


def node_specs():
    specs = []
    for key_id in (RSA_ID, EC_ID):
        for algorithm in ("SHA1", "SHA256"):
            base = dict(signer="aws-sdk", keyPairId=key_id, privateKeyFile=KEYS[key_id], algorithm=algorithm,
                        dateLessThan=EXPIRES, variant=tag(key_id, algorithm))
            wildcard = lambda resource, **cond: json.dumps({"Statement": [{"Resource": resource, "Condition": dict(
                {"DateLessThan": {"AWS:EpochTime": EXPIRES}}, **cond)}]})
            specs += [
                dict(base, kind="url", case="url-canned", url=PLAIN),
                dict(base, kind="url", case="url-canned-query", url=HOST + "/private/my file (1).mp4?q=a b&lang=en"),
                dict(base, kind="url", case="url-custom-ip", url=PLAIN, ipAddress=RANGE),
                dict(base, kind="url", case="url-custom-start", url=PLAIN, dateGreaterThan=START),
                dict(base, kind="url", case="url-wildcard", url=DEEP, policy=wildcard(WILDCARD)),
                dict(base, kind="cookies", case="cookies-canned", url=PLAIN),
                dict(base, kind="cookies", case="cookies-custom-ip", url=PLAIN, ipAddress=RANGE),
                dict(base, kind="cookies", case="cookies-wildcard", request=COOKIE_DEEP,
                     policy=wildcard(COOKIE_WILDCARD, IpAddress={"AWS:SourceIp": RANGE})),
            ]
        base = dict(signer="aws-cloudfront-sign", keyPairId=key_id, privateKeyFile=KEYS[key_id],
                    dateLessThan=EXPIRES, variant=tag(key_id))
        specs += [
            dict(base, kind="url", case="url-canned", url=PLAIN),
            dict(base, kind="url", case="url-canned-query", url=QUERY),
            dict(base, kind="url", case="url-custom-ip", url=PLAIN, ipAddress=RANGE),
            dict(base, kind="url", case="url-wildcard", url=WILDCARD, target=DEEP),
            dict(base, kind="cookies", case="cookies-canned", url=PLAIN),
            dict(base, kind="cookies", case="cookies-custom-ip", url=PLAIN, ipAddress=RANGE),
            dict(base, kind="cookies", case="cookies-wildcard", url=COOKIE_WILDCARD, request=COOKIE_DEEP),
        ]
    return specs


def node_cases():
    specs = node_specs()
    out = subprocess.run(["node", os.path.join(ROOT, "tests/interop/sign_node.mjs")], input=json.dumps(specs),
                         capture_output=True, text=True, cwd=ROOT, check=True)
    cases = []
    for spec, result in zip(specs, json.loads(out.stdout)):
        if "error" in result:
            results.fail(dict(signer=spec["signer"], kind=spec["case"], variant=spec["variant"]), "signer failed", result["error"])
            continue
        if "url" in result:
            url = retarget(result["url"], spec["target"]) if "target" in spec else result["url"]
            cases.append(case(spec["signer"], spec["case"], spec["variant"], url=url))
        else:
            cookies = {k: str(v) for k, v in result["cookies"].items()}
            cases.append(case(spec["signer"], spec["case"], spec["variant"], cookies=cookies,
                              request=spec.get("request", spec.get("url"))))
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


def flip_at(text, i):
    return text[:i] + ("B" if text[i] == "A" else "A") + text[i + 1:]


def plain_index_near_middle(value):
    """An index of a letter or digit near the middle that is not inside a `%XX` escape."""
    inside = set()
    for i, c in enumerate(value):
        if c == "%":
            inside.update((i, i + 1, i + 2))
    order = sorted(range(len(value)), key=lambda i: abs(i - len(value) // 2))
    return next(i for i in order if i not in inside and value[i].isalnum())


def cf_b64decode(text):
    return base64.b64decode(urllib.parse.unquote(text).replace("-", "+").replace("_", "=").replace("~", "/"))


def cf_b64encode(data):
    return base64.b64encode(data).decode().replace("+", "-").replace("=", "_").replace("/", "~")


def tamper(values, what):
    """One-character tamper of signing values (query parameters or CloudFront- cookies). The
    expiry tamper changes the governing expiry: the Policy's DateLessThan when there is a
    Policy (an Expires beside it is not signed), else Expires."""
    p = dict(values)
    find = lambda suffix: next((k for k in p if k.endswith(suffix)), None)
    if what == "signature":
        k = find("Signature")
        p[k] = flip_at(p[k], plain_index_near_middle(p[k]))
    elif what == "key id":
        k = find("Key-Pair-Id")
        p[k] = p[k][:-1] + ("X" if p[k][-1] != "X" else "Y")
    elif what == "expiry":
        if find("Policy"):
            k = find("Policy")
            raw = cf_b64decode(p[k]).decode().replace(str(EXPIRES), str(EXPIRES + 1), 1)
            p[k] = cf_b64encode(raw.encode())
        else:
            k = find("Expires")
            p[k] = p[k][:-1] + ("1" if p[k][-1] != "1" else "2")
    elif what == "ignored expiry":
        k = find("Expires")
        p[k] = str(NOW - 1)
    return p


def tamper_path(url):
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
        if name in SIGNING:
            signing[name] = piece.split("=", 1)[1]
        else:
            own.append(piece)
    return base, own, signing


def join_query(base, own, signing):
    pieces = own + [f"{k}={v}" for k, v in signing.items()]
    return base + ("?" + "&".join(pieces) if pieces else "")


def cookie_line(cookies):
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


def expect(c, what, result, decision, reason=None):
    ok = result["decision"] == decision and (reason is None or result.get("reason") == reason)
    results.check(c, what, ok, f"expected {decision} {reason or ''}, got {result.get('decision')} {result.get('reason', '')}")


TAMPERS = (("signature", "signature_invalid"), ("key id", "key_unknown"), ("expiry", "signature_invalid"))


def check_case(config, c):
    path_reason = "signature_invalid" if c["canned"] else "resource_mismatch"
    if c["url"] is not None:
        base, own, signing = split_query(c["url"])
        send = lambda values, url=None, client=CLIENT: run_check(
            config, join_query(url or base, own, values), client=client)
        values = signing
        path_tampered = lambda: run_check(config, tamper_path(c["url"]))
    else:
        send = lambda values, url=None, client=CLIENT: run_check(
            config, url or c["request"], cookie_line(values), client=client)
        values = c["cookies"]
        path_tampered = lambda: run_check(config, tamper_path(c["request"]), cookie_line(values))
    expect(c, "as signed", send(values), "allow")
    for what, reason in TAMPERS:
        expect(c, f"{what} tampered", send(tamper(values, what)), "deny", reason)
    expect(c, "path tampered", path_tampered(), "deny", path_reason)
    if c["ip_range"]:
        expect(c, "outside the IP range", send(values, client=OUTSIDE), "deny", "ip_not_allowed")
    if c["cookies"] is not None:
        # PHP's setcookie() (urlencode) sends `~` as `%7E`: the values are read percent-decoded.
        encoded = {k: urllib.parse.quote(v, safe="-_.") for k, v in values.items()}
        expect(c, "cookie values percent-encoded", send(encoded), "allow")
    if any(k.endswith("Policy") for k in values) and any(k.endswith("Expires") for k in values):
        # The Policy governs: the Expires beside it is not signed, so changing it changes nothing.
        expect(c, "ignored Expires changed", send(tamper(values, "ignored expiry")), "allow")


# ------------------------------------------------------------------------------ edgeguard sign

SIGN_CASES = [
    ("canned", HOST + "/private/a.mp4?x=1", {}, None),
    ("custom ip", HOST + "/private/a.mp4", {"ip_address": "198.51.100.7"}, None),
    ("custom start", HOST + "/private/a.mp4", {"date_greater_than": START}, None),
    ("custom resource", HOST + "/private/a.mp4", {}, HOST + "/private/*"),
    ("custom all", HOST + "/p/a.mp4?y=2", {"ip_address": "10.0.0.0/8", "date_greater_than": START}, HOST + "/p/*"),
]


def edgeguard_sign(url, key_file, extra, resource):
    args = [EDGEGUARD, "sign", "--url", url, "--key-pair-id", RSA_ID, "--private-key", key_file,
            "--date-less-than", iso(EXPIRES)]
    if "ip_address" in extra:
        args += ["--ip-address", extra["ip_address"]]
    if "date_greater_than" in extra:
        args += ["--date-greater-than", str(extra["date_greater_than"])]
    if resource:
        args += ["--policy-resource", resource]
    return subprocess.run(args, capture_output=True, text=True).stdout.strip()


def check_sign_matches_botocore_and_the_aws_cli(pkcs1):
    """`edgeguard sign` == botocore's generate_presigned_url and, where the CLI can say it (no
    separate policy resource), `aws cloudfront sign`, byte for byte (RSA is deterministic); and
    edgeguard reads the PKCS#8 and the PKCS#1 form of the key alike."""
    key = load_key(RSA_ID)
    signer = CloudFrontSigner(RSA_ID, lambda m: key.sign(m, padding.PKCS1v15(), hashes.SHA1()))
    for name, url, extra, resource in SIGN_CASES:
        c = dict(signer="edgeguard sign", kind=name, variant="rsa-sha1")
        if extra or resource is not None:
            ip = extra.get("ip_address")
            if ip and "/" not in ip:
                ip += "/32"
            policy = signer.build_policy(resource or url, to_dt(EXPIRES),
                                         date_greater_than=to_dt(extra["date_greater_than"]) if "date_greater_than" in extra else None,
                                         ip_address=ip)
            expected = signer.generate_presigned_url(url, policy=policy)
        else:
            expected = signer.generate_presigned_url(url, date_less_than=to_dt(EXPIRES))
        got = edgeguard_sign(url, KEYS[RSA_ID], extra, resource)
        results.check(c, "== botocore", got == expected, f"\n  edgeguard {got}\n  botocore  {expected}")
        got_pkcs1 = edgeguard_sign(url, pkcs1, extra, resource)
        results.check(c, "PKCS#1 key == PKCS#8 key", got_pkcs1 == got, f"\n  PKCS#1 {got_pkcs1}\n  PKCS#8 {got}")
        if resource is None:
            cli_extra = []
            if "ip_address" in extra:
                cli_extra += ["--ip-address", extra["ip_address"]]
            if "date_greater_than" in extra:
                cli_extra += ["--date-greater-than", str(extra["date_greater_than"])]
            _, cli, err = aws_cli(url, pkcs1, *cli_extra)
            results.check(c, "== aws cloudfront sign", got == cli, f"\n  edgeguard {got}\n  aws cli   {cli or err}")
    # The README's note: the AWS CLI v1 cannot read the PKCS#8 form (what OpenSSL 3's genrsa writes).
    code, out, err = aws_cli(PLAIN, KEYS[RSA_ID])
    results.check(dict(signer="aws-cli", kind="PKCS#8 key", variant="rsa"), "refused by the AWS CLI v1",
                  "BEGIN RSA PRIVATE KEY" in err and not out.startswith("https://"), f"rc={code} out={out!r} err={err!r}")


# ------------------------------------------------------------------------------ report

def print_table():
    width = max(len(s) for s in SIGNERS + ["edgeguard sign"]) + 2
    print("signer".ljust(width) + " ".join(k.ljust(17) for k in KINDS))
    for signer in SIGNERS:
        cells = []
        for kind in KINDS:
            cell = results.cells.get((signer, kind))
            if not cell:
                cells.append("-".ljust(17))
            else:
                bad = [v for v, ok in cell.items() if not ok]
                cells.append((f"FAIL {','.join(bad)}" if bad else f"ok x{len(cell)}").ljust(17))
        print(signer.ljust(width) + " ".join(cells))


def main():
    with tempfile.TemporaryDirectory() as tmp:
        config = os.path.join(tmp, "interop.toml")
        with open(config, "w") as f:
            f.write('scheme = "https"\n[keys]\n')
            for key_id in (RSA_ID, EC_ID):
                f.write(f'{key_id} = {{ pem_file = "{os.path.join(ROOT, "keys", key_id + ".pem")}" }}\n')
            f.write('[[rules]]\npaths = ["/*"]\nsignature = "required"\n')
        pkcs1 = pkcs1_copy(RSA_ID, tmp)
        cases = botocore_cases() + aws_cli_cases(pkcs1) + node_cases()
        for c in cases:
            check_case(config, c)
        check_sign_matches_botocore_and_the_aws_cli(pkcs1)
    for failure in results.failures:
        print(failure)
    print_table()
    print(f"{len(cases)} signed URLs/cookies from {len(SIGNERS)} signers; each accepted, refused after a "
          "signature/key id/expiry/path tamper (and outside its IP range); edgeguard sign == botocore == aws cli")
    print(f"interop: {results.passed} passed, {len(results.failures)} failed")
    return 1 if results.failures else 0


if __name__ == "__main__":
    sys.exit(main())
