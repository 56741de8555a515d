// Signs the cases given as a JSON array on stdin with the Node.js signers and prints a JSON array
// of results: {url} for a signed URL, {cookies: {name: value}} for signed cookies, {error} when
// the signer refused. Part of edgeguard's interop test (tests/interop/run.py); not shipped.
//
// Case fields: signer ("aws-sdk" = @aws-sdk/cloudfront-signer, "aws-cloudfront-sign"), kind
// ("url" | "cookies"), url, keyPairId, privateKeyFile, dateLessThan (epoch seconds), and
// optionally dateGreaterThan (epoch seconds), ipAddress, policy (JSON text), algorithm.
import * as awsSdk from '@aws-sdk/cloudfront-signer';
import awsCloudfrontSign from 'aws-cloudfront-sign';
import { readFileSync } from 'node:fs';

const iso = (epoch) => (epoch === undefined ? undefined : new Date(epoch * 1000).toISOString().replace('.000Z', 'Z'));

const SIGNERS = {
  'aws-sdk': (c) => {
    const args = {
      url: c.url,
      keyPairId: c.keyPairId,
      privateKey: readFileSync(c.privateKeyFile, 'utf8'),
      dateLessThan: iso(c.dateLessThan),
      dateGreaterThan: iso(c.dateGreaterThan),
      ipAddress: c.ipAddress,
      policy: c.policy,
      algorithm: c.algorithm,
    };
    return c.kind === 'cookies' ? { cookies: awsSdk.getSignedCookies(args) } : { url: awsSdk.getSignedUrl(args) };
  },
  // Always a policy of {Resource: url, DateLessThan[, IpAddress]}, RSA-SHA1 digest (an EC key
  // gives ECDSA-SHA1); URLs carry Expires and Policy, written by URLSearchParams (`~` as %7E).
  'aws-cloudfront-sign': (c) => {
    const options = {
      keypairId: c.keyPairId,
      privateKeyPath: c.privateKeyFile,
      expireTime: c.dateLessThan * 1000,
      ipRange: c.ipAddress,
    };
    return c.kind === 'cookies'
      ? { cookies: awsCloudfrontSign.getSignedCookies(c.url, options) }
      : { url: awsCloudfrontSign.getSignedUrl(c.url, options) };
  },
};

const cases = JSON.parse(readFileSync(0, 'utf8'));
const results = cases.map((c) => {
  try {
    return SIGNERS[c.signer](c);
  } catch (e) {
    return { error: String(e) };
  }
});
process.stdout.write(JSON.stringify(results));
