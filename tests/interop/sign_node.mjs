// Signs the cases given as a JSON array on stdin with @aws-sdk/cloudfront-signer and prints a
// JSON array of results: {url} for getSignedUrl, {cookies: {name: value}} for getSignedCookies.
// Part of edgeguard's interop test (tests/interop/run.py); not shipped.
import { getSignedUrl, getSignedCookies } from "@aws-sdk/cloudfront-signer";
import { readFileSync } from "node:fs";

const cases = JSON.parse(readFileSync(0, "utf8"));
const results = cases.map((c) => {
  const args = {
    url: c.url,
    keyPairId: c.keyPairId,
    privateKey: readFileSync(c.privateKeyFile, "utf8"),
    dateLessThan: c.dateLessThan,
    dateGreaterThan: c.dateGreaterThan,
    ipAddress: c.ipAddress,
    policy: c.policy,
    algorithm: c.algorithm,
  };
  try {
    return c.kind === "cookies" ? { cookies: getSignedCookies(args) } : { url: getSignedUrl(args) };
  } catch (e) {
    return { error: String(e) };
  }
});
process.stdout.write(JSON.stringify(results));
