// A deterministic generator of hostile and ordinary Referer values for the differential tests.

/** mulberry32: a small seeded PRNG, so every run tries the same values. */
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const SCHEMES = ['https', 'http', 'https', 'http', 'https', 'http', 'https', 'http', 'HTTPS', 'HtTp', 'ftp', 'ws', 'file', 'javascript', 'http+x', 'httpx', '', '1http'];
export const SEPARATORS = ['://', '://', '://', '://', '://', '://', '://', '://', ':', ':/', ':\\\\', ':///', ':\\/', '//', ':/\\/\\'];
export const USERINFO = ['', '', '', '', 'user@', 'user:pw@', ':@', '@', 'a%40b@', 'example.com@', 'example.com:pw@'];
export const HOSTS = [
  'example.com', 'www.example.com', 'a.b.example.com', 'EXAMPLE.COM', 'Www.Example.Com', 'example.com.',
  'example.com..', '.example.com', 'evilexample.com', 'example.com.evil.com', 'example.co', 'example.comm',
  'apex.example', 'x.apex.example', 'xapex.example', 'secure.example', 'old.example', 'gallery.example',
  'deep.example', 'example.org', 'sub.example.org', 'xn--bcher-kva.example', 'XN--BCHER-KVA.example',
  'bücher.example', 'x.xn--caf-dma.example', 'xn--zz.xn--caf-dma.example', 'xn--caf-dma.example',
  'xn--zz.example.com', 'xn--.example.com', 'xn--bcher-kva.example.', 'ex%61mple.com', 'example%2ecom',
  '127.0.0.1', '127.1', '127.0.1', '0x7f.1', '0x7f.0.0.1', '0X7F.0.0.1', '2130706433', '0177.0.0.1',
  '0177.0.0.01', '0x7f000001', '127.0.0.1.', '127.0.0.1..', '1.2.3.4.5', '256.0.0.1', '127.0.0.256',
  '0x100000000', '4294967296', '08.1.1.1', '09', '0x', '0x.0x.0x.0x', '10.0.0.7', '10.0.0.x', '010.0.0.7',
  '[::1]', '[0:0::1]', '[0:0:0:0:0:0:0:1]', '[::ffff:127.0.0.1]', '[::ffff:7f00:1]', '[1::2::3]', '[::1',
  '[::1]x', '[example.com]', '[::1%25eth0]', 'example.com;x', 'example.com,x', 'example.com!', 'a..example.com',
  '-.example.com', '_x.example.com', 'x-.example.com', 'example', 'com', '1.com', 'foo.0x', 'foo.09',
  'example.1', 'example.0x1', '', '.', '..', 'www.regex.example', 'cdn42.regex.example', 'cdnx.regex.example',
  'regex.example', 'a.re2.example', 're2.example', 'exact.re3', 'x.exact.re3', 'xn--zz.re2.example',
  'exa_mple.com', 'example.com\\', 'example.com<', 'a^b.example.com', 'a|b.example.com', 'a{b}.example.com',
  'www.example.com:443.evil.com', 'exam ple.com', 'example.com\u00a0', 'ex\u0430mple.com',
  `${'a'.repeat(64)}.example.com`, `${'a.'.repeat(130)}example.com`, 'x.-.example.com', 'a.b..c.example.com',
  'www.example.com', 'cdn.example.com', 'example.com', 'x.apex.example', 'www.regex.example', 'a.re2.example',
];
export const PORTS = ['', '', '', '', ':', ':80', ':443', ':8443', ':8080', ':0080', ':08443', ':65535',
  ':65536', ':99999999999', ':8a', '::80', ':-1', ':+80', ':0'];
export const PATHS = ['', '', '/', '/', '/index.html', '/gallery/', '/gallery/x.png', '/Gallery/x.png',
  '/gallery', '/gallery/../admin', '/gallery/%2e%2e/x', '/gallery/%2E/x', '/x/../gallery/', '\\gallery\\x',
  '/gallery\\x', '?x=1', '?', '#frag', '#/gallery/', '/gallery/"x"', '/gallery/{x}', '/gallery/x?q=\'a\'',
  '/gallery/x?q="a"', '/a/./gallery/', '/./gallery/', '/gallery/ü', '/gallery/%C3%BC', '/a/b?', '/a/b?c',
  '/a/b', '/a/bc', '/gallery/<x>', '/gallery/^x', '/gallery/`x`', '/gallery/x#y', '?.example.com',
  '/.example.com', '/@evil.com', '/gallery/%2e', '/gallery/.', '/gallery/..'];
export const WRAPPERS = [['', ''], ['', ''], ['', ''], ['', ''], ['', ''], ['', ''], ['', ''], ['', ''], ['', ''], ['', ''], [' ', ''], ['', ' '], ['\t', '\t'],
  ['  ', '  '], ['\u0000', ''], ['', '\u0000'], ['', '\r\n'], ['\u000b', ''], ['', '\u007f'],
  ['\u00a0', ''], ['\ufeff', '']];
const NOISE = ['.', '.', '-', 'a', '1', '/', ':', '@', '%', '@', '%', '\\', '/', '?', '#', ':', '.', '[', ']', ' ', '\t', '\n', '\u0000', '\u007f',
  'ü', '\u00a0', 'x', '0', '-', '_', '~', ';', ',', '"', '<', '^', '|', '{', 'A', '%2e', 'xn--'];

function pick(r, list) {
  return list[Math.floor(r() * list.length)];
}

/** Referers the pattern fixture allows: the starting points of near-miss mutations. */
export const ALLOWED = [
  'https://example.com/', 'http://www.example.com/page', 'https://a.b.example.com:8443/x?y',
  'https://apex.example/', 'https://x.apex.example/', 'https://secure.example/', 'https://example.org:8443/',
  'http://old.example:8080/', 'https://gallery.example/gallery/x.png', 'https://deep.example:8443/a/b?c',
  'https://xn--bcher-kva.example/', 'https://x.xn--caf-dma.example/', 'http://127.0.0.1/', 'http://[::1]/',
  'https://www.regex.example/', 'https://cdn7.regex.example/', 'https://a.re2.example/', 'https://exact.re3/',
  'https://10.0.0.7/', 'https://EXAMPLE.com./', 'http:\\\\example.com\\x', 'https:example.com',
];
const EDITS = [
  (v, at, c) => v.slice(0, at) + c + v.slice(at),
  (v, at) => v.slice(0, at) + v.slice(at + 1),
  (v, at, c) => v.slice(0, at) + c + v.slice(at + 1),
  (v, at) => v.slice(0, at) + v[at]?.toUpperCase() + v.slice(at + 1),
];

/** `count` Referer values: half structured combinations (some with a random insertion), half
 *  near misses (one or two character edits of an allowed Referer). */
export function generateReferers(count, seed = 20260101) {
  const r = rng(seed);
  const values = [];
  for (let i = 0; i < count / 2; i++) {
    let v = pick(r, ALLOWED);
    const edits = 1 + Math.floor(r() * 2);
    for (let e = 0; e < edits; e++) {
      v = pick(r, EDITS)(v, Math.floor(r() * v.length), pick(r, NOISE));
    }
    values.push(v);
  }
  while (values.length < count) {
    const [pre, post] = pick(r, WRAPPERS);
    let v = pre + pick(r, SCHEMES) + pick(r, SEPARATORS) + pick(r, USERINFO) + pick(r, HOSTS)
      + pick(r, PORTS) + pick(r, PATHS) + post;
    if (r() < 0.1) {
      const at = Math.floor(r() * (v.length + 1));
      v = v.slice(0, at) + pick(r, NOISE) + v.slice(at);
    }
    if (r() < 0.005) v = v + '/' + 'a'.repeat(4100);
    values.push(v);
  }
  return values;
}
