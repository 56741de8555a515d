// The baseline: a plain Node.js Lambda@Edge viewer-request handler of the kind most users deploy
// today (no WebAssembly, no dependencies). It makes the same decisions as guard.toml for the
// cases bench/edge-vs-node.mjs measures: `/images/*` needs a Referer on example.com or a
// subdomain (WHATWG `URL`), `/private/*` needs a canned-policy signed URL verified with
// `crypto.verify` (RSA or ECDSA, SHA-1 or SHA-256). Public keys are parsed once at module load.
// It is a yardstick, not a product: no custom policies, no cookies, fewer malformed-input checks.
import { createPublicKey, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';

const KEYS = new Map(
  ['K2JCJMDEHXQW5F', 'K3ECDSAP256DEMO'].map((id) => [
    id,
    createPublicKey(readFileSync(new URL(`../../keys/${id}.pem`, import.meta.url))),
  ]),
);
const DENY = {
  status: '403',
  statusDescription: 'Forbidden',
  headers: {
    'content-type': [{ key: 'Content-Type', value: 'text/plain; charset=utf-8' }],
    'cache-control': [{ key: 'Cache-Control', value: 'no-store' }],
  },
  body: 'Forbidden',
};
const SIGNING = new Set(['Expires', 'Policy', 'Signature', 'Key-Pair-Id', 'Hash-Algorithm']);

function refererAllowed(headers) {
  const values = headers.referer;
  if (!values || values.length !== 1) return false;
  try {
    const url = new URL(values[0].value);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return false;
    if (url.username || url.password) return false;
    const host = url.hostname.replace(/\.$/, '');
    return host === 'example.com' || host.endsWith('.example.com');
  } catch {
    return false;
  }
}

function signatureValid(request, now) {
  const params = new Map();
  const own = [];
  for (const piece of request.querystring.split('&')) {
    const i = piece.indexOf('=');
    const name = i < 0 ? piece : piece.slice(0, i);
    if (SIGNING.has(name)) {
      if (params.has(name)) return false;
      params.set(name, i < 0 ? '' : piece.slice(i + 1));
    } else own.push(piece);
  }
  const expires = params.get('Expires');
  const key = KEYS.get(params.get('Key-Pair-Id'));
  const signature = params.get('Signature');
  const hash = params.get('Hash-Algorithm');
  if (!expires || !/^\d{1,10}$/.test(expires) || !key || !signature) return false;
  if (hash !== undefined && hash !== 'SHA256') return false;
  if (now >= Number(expires)) return false;
  const host = request.headers.host?.[0]?.value;
  const query = own.join('&');
  const resource = `https://${host}${request.uri}${query ? `?${query}` : ''}`;
  const policy = `{"Statement":[{"Resource":${JSON.stringify(resource)},"Condition":{"DateLessThan":{"AWS:EpochTime":${expires}}}}]}`;
  const raw = Buffer.from(signature.replace(/-/g, '+').replace(/_/g, '=').replace(/~/g, '/'), 'base64');
  return verify(hash ? 'sha256' : 'sha1', Buffer.from(policy), key, raw);
}

/** Decides one event at `now` (epoch seconds). */
export function handleAt(event, now) {
  try {
    const request = event.Records[0].cf.request;
    if (request.uri.startsWith('/private/')) return signatureValid(request, now) ? request : DENY;
    if (request.uri.startsWith('/images/') || request.uri.startsWith('/media/')) {
      return refererAllowed(request.headers) ? request : DENY;
    }
    return DENY;
  } catch {
    return DENY;
  }
}

export const handler = async (event) => handleAt(event, Math.floor(Date.now() / 1000));
