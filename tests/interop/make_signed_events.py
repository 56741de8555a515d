"""Writes the signed-URL sample events (events/signed-*.json) and records their outcomes
(events/expected/signed-*.json) with the shipped guard.toml at the sample clock. The events are
signed by `edgeguard sign` / `sign-cookies` with the demo keys (tests/fixtures/keys/); valid
ones expire in 2036 (2100000000) so they stay valid at the fixed clock 1767225600.

Usage (maintainers, after changing a case): .venv/bin/python tests/interop/make_signed_events.py target/debug/edgeguard
Review the diff of events/expected/ by hand before committing.
"""

import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EDGEGUARD = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "target/debug/edgeguard")
HOST = "d111111abcdef8.cloudfront.net"
NOW = "1767225600"
RSA, EC = "K2JCJMDEHXQW5F", "K3ECDSAP256DEMO"
UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"


def sign(command, url, key=RSA, until="2100000000", *extra):
    args = [EDGEGUARD, command, "--url", url, "--key-pair-id", key,
            "--private-key", os.path.join(ROOT, "tests/fixtures/keys", key + ".private.pem"),
            "--date-less-than", until, *extra]
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout.strip()


def url_parts(signed):
    rest = signed.split(HOST, 1)[1]
    uri, _, query = rest.partition("?")
    return uri, query


def event(name, uri, query, client_ip="203.0.113.178", cookie=None, referer=None):
    headers = {"host": [{"key": "Host", "value": HOST}], "user-agent": [{"key": "User-Agent", "value": UA}]}
    if referer:
        headers["referer"] = [{"key": "Referer", "value": referer}]
    if cookie:
        headers["cookie"] = [{"key": "Cookie", "value": cookie}]
    return {"Records": [{"cf": {
        "config": {"distributionDomainName": HOST, "distributionId": "EDFDVBD6EXAMPLE",
                   "eventType": "viewer-request", "requestId": f"edgeguard-sample-{name}"},
        "request": {"clientIp": client_ip, "headers": headers, "method": "GET", "querystring": query, "uri": uri},
    }}]}


def main():
    base = f"https://{HOST}"
    events = {}
    events["signed-url-canned"] = event("signed-url-canned", *url_parts(sign("sign", base + "/private/video.mp4?quality=hd")))
    events["signed-url-expired"] = event("signed-url-expired", *url_parts(sign("sign", base + "/private/video.mp4", RSA, NOW)))
    uri, query = url_parts(sign("sign", base + "/private/video.mp4"))
    events["signed-url-tampered"] = event("signed-url-tampered", "/private/bonus.mp4", query)
    events["signed-url-custom-wildcard"] = event("signed-url-custom-wildcard", *url_parts(
        sign("sign", base + "/private/season1/episode2.mp4", RSA, "2100000000",
             "--policy-resource", base + "/private/season1/*")))
    events["signed-url-ip-mismatch"] = event("signed-url-ip-mismatch", *url_parts(
        sign("sign", base + "/private/video.mp4", RSA, "2100000000", "--ip-address", "198.51.100.0/24")))
    cookies = sign("sign-cookies", base + "/private/album/1.jpg", RSA, "2100000000",
                   "--policy-resource", base + "/private/album/*").splitlines()
    cookie = "; ".join(["theme=dark"] + [c.split(";")[0] for c in cookies])
    events["signed-cookie"] = event("signed-cookie", "/private/album/2.jpg", "", cookie=cookie)
    events["signed-url-sha256"] = event("signed-url-sha256", *url_parts(
        sign("sign", base + "/private/video.mp4", RSA, "2100000000", "--hash-algorithm", "SHA256")))
    events["signed-url-ecdsa"] = event("signed-url-ecdsa", *url_parts(sign("sign", base + "/private/video.mp4", EC)))
    events["signed-url-missing"] = event("signed-url-missing", "/private/video.mp4", "quality=hd")
    events["signed-share-link-foreign-referer"] = event(
        "signed-share-link-foreign-referer", *url_parts(sign("sign", base + "/images/cat.jpg")),
        referer="https://forum.example.net/thread/42")
    for name, body in events.items():
        path = os.path.join(ROOT, "events", name + ".json")
        with open(path, "w") as f:
            f.write(json.dumps(body, indent=2) + "\n")
        out = subprocess.run([EDGEGUARD, "invoke", "--config", os.path.join(ROOT, "guard.toml"), "--now", NOW,
                              "--outcome", path], capture_output=True, text=True, check=True, cwd=ROOT).stdout
        with open(os.path.join(ROOT, "events/expected", name + ".json"), "w") as f:
            f.write(json.dumps(json.loads(out), indent=4) + "\n")
        outcome = json.loads(out)
        print(f"{name:36} {outcome['decision']:6} {outcome.get('reason', '-')}")


if __name__ == "__main__":
    main()
