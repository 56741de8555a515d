// edgeguard CloudFront Functions runtime (cloudfront-js-2.0): the template src/cff/mod.rs fills.
// Build rules: lines starting with `//` are dropped, leading blanks are trimmed, a `//#NAME` ..
// `//#END` block is kept only when the config needs feature NAME, and `__X__` is replaced by data.
// Every limit and name shared with Rust is a placeholder filled from the Rust constant (named
// in src/cff/mod.rs `generate`); this file restates none of them.
// Identifiers are short on purpose (the whole function must fit in 10 KB):
//   R  rules: [path RegExp, referer check | 0, signature 0 off / 1 optional / 2 required, strip,
//      enforced 1 / report-only 0 (the rule's mode, decided by Rust)]
//      referer check: [missing allowed, patterns, look up the KeyValueStore too]
//      pattern: "=host" exact, "*apex" subdomains, ".apex" apex and subdomains, a RegExp, or
//      [that string, scheme | 0, port | 0, path prefix | 0]
//   D  deny response   K  Key-Pair-Ids   W  clock skew (s)
//   Z  signing parameter names in Rust's SIGNING_PARAMS order, which S reads by index (0 Expires,
//      1 Policy, 2 Signature, 3 Key-Pair-Id, 4 Hash-Algorithm; the first __URL_MARKERS__ make a URL signed)
//   P  parse a Referer -> {s scheme, h host, p port, q path+query, x has xn-- label, v IPv6,
//      c path is already in WHATWG serialised form} or 0 when malformed; a host over __H__
//      characters is no DNS name (Rust's MAX_HOST_LEN), so it is malformed before any RegExp runs
//   N  WHATWG host number check / IPv4 parse and trailing-dot removal ('' = failure)
//   L  upper bound of the UTF-8 length of uri + query string (Rust denies over MAX_URI_AND_QUERY)
//   M  one pattern against a parsed Referer   F  the rule's Referer check   Q  KeyValueStore lookup
//   S  signing parameter pre-checks: -1 deny, 0 none, 1 URL, 2 cookies; values percent-decoded
//      once (decodeURIComponent, as Rust), a Policy governs (an Expires beside it is ignored)
//   B  CloudFront base64
//   Y  the refused raw bytes and escapes of a path (generated from src/path.rs)
//   H  path check (src/path.rs): 0 when refused, else the readings origins use (raw, decoded,
//      decoded with spaces as `+`, `;` parameters removed); each must choose the same rule
//   I  index of the first rule whose path globs match (R.length when none does)
//   A  log labels [would-deny, deny] (Rust's Label codes)   C  reason codes (Rust's Reason
//      codes): m [event_malformed, -1, enforced], p [path_not_normalized, -1, enforced], n [no_rule, -1,
//      enforced] (enforcement from Rust's Guard::enforces), i signature_invalid (any failed
//      signature pre-check), s signature_missing, r referer_not_allowed (also a malformed or
//      repeated Referer), o referer_missing
//   J  the decision: 0 allow (signing parameters stripped), else [reason, rule | -1, enforced];
//      every deny is logged with console.log as one plain line "LABEL REASON RULE URI" (EMF
//      is not extracted from CloudFront Functions logs), and a report-only one goes on unchanged
//#KVS
import cf from 'cloudfront';
var V=cf.kvs();
//#END
var R=__R__,D=__D__,Y=__Y__,A=__A__,C=__C__;
//#SIG
var K=__K__,W=__W__,Z=__SIGNING_PARAMS__;
//#END
async function handler(event){
var q=event.request,c=event.context,r=c&&c.eventType=='viewer-request'?await J(q):C.m;
if(!r)return q;
console.log(A[r[2]]+' '+r[0]+' '+(r[1]<0?'__N__':r[1])+' '+q.uri);
return r[2]?D:q}
async function J(q){
var u=q.uri,h=q.headers||{},i,x,g=0,p;
if(typeof u!='string'||u[0]!='/'||L(u,q.querystring)>__MAX_URI_AND_QUERY__)return C.m;
if(!(p=H(u)))return C.p;
//#WIDE
if(p.some(v=>/[\ud800-\udfff]/.test(v)))return C.p;
//#END
i=I(u);
if(p.some(v=>I(v)!=i))return C.p;
x=R[i];
if(!x)return C.n;
//#SIG
if(x[2]){g=S(q,h);if(g<0||!g&&x[2]>1)return[g<0?C.i:C.s,i,x[4]]}
//#END
if(x[1]&&!await F(h.referer,x[1],i))return[h.referer?C.r:C.o,i,x[4]];
//#STRIP
if(g==1&&x[3])Z.forEach(k=>{delete q.querystring[k]});
//#END
return 0}
function I(u){
for(var i=0;i<R.length&&!R[i][0].test(u);i++);
return i}
function H(u){
var s=u.split('/'),i=1,n,d;
if(Y.test(u))return 0;
for(;i<s.length;i++){n=s[i].replace(/;[\s\S]*/,'');if(/^(\.|%2e){1,2}$/i.test(n)||!n&&i<s.length-1)return 0}
try{d=decodeURIComponent(u);return/%[\da-f]{2}/i.test(d)?0:[u,d,d.replace(/ /g,'+'),decodeURIComponent(u.replace(/;[^\/]*/g,''))]}catch(_){return 0}}
function L(u,o){
var n=u.length+u.replace(/[\0-\x7f]/g,'').length+u.replace(/[\0-\u07ff]/g,'').length,k;
for(k in o)(o[k].multiValue||[o[k]]).forEach(x=>{n+=k.length+(x.value+'').length+2});
return n}
//#REF
async function F(v,c,n){
if(!v)return c[0];
if(v.multiValue&&v.multiValue.length>1)return 0;
var r=P(v.value+'');
if(!r)return 0;
if(c[1].some(p=>M(p,r)))return 1;
//#KVS
if(c[2])try{return await Q(n,r)}catch(_){}
//#END
return 0}
function P(v){
v=v.replace(/^[ \t]+|[ \t]+$/g,'');
var m=/^(https?):[\/\\]*([^\/\\?#]*)([^#]*)/i.exec(v),a,h,o,s,i;
if(!m||v.length>__MAX_REFERER_LEN__||/[^!-~]/.test(v)||/[@%]/.test(a=m[2]))return 0;
s=m[1].toLowerCase();
if(a[0]=='['){i=a.indexOf(']')+1;h=a.slice(0,i).toLowerCase();o=a.slice(i);if(!i||o&&o[0]!=':')return 0;o=o.slice(1)}
else{i=a.indexOf(':');if(i<0)i=a.length;h=a.slice(0,i).toLowerCase();o=a.slice(i+1);if(!/^[\w-]+(\.[\w-]+)*\.?$/.test(h)||!(h=N(h)))return 0}
if(!/^\d*$/.test(o)||o>65535||h.length>__H__)return 0;
m=m[3];
return{s:s,h:h,p:o?+o:s=='http'?80:443,q:!m||m[0]=='?'?'/'+m:m,x:/(^|\.)xn--/.test(h),v:h[0]=='[',c:!/[\\"<>^`{}']|\/(\.|%2e){1,2}([\/?]|$)/i.test(m)}}
function N(h){
var p=h.split('.'),n=[],i,x,b,l;
if(p.length>1&&!p[p.length-1])p.pop();
if(!/^(\d+|0x[\da-f]*)$/.test(p[p.length-1]))return h.replace(/\.$/,'');
if(p.length>4)return'';
for(i=0;i<p.length;i++){x=p[i];b=10;
if(/^0x/.test(x)){x=x.slice(2);b=16}else if(x[1]&&x[0]=='0'){x=x.slice(1);b=8}
if(!p[i]||x&&!(b>10?/^[\da-f]+$/:b<10?/^[0-7]+$/:/^\d+$/).test(x))return'';
n.push(x?parseInt(x,b):0)}
l=n.pop();
if(n.some(v=>v>255)||l>=Math.pow(256,4-n.length))return'';
for(i=0;i<n.length;i++)l+=n[i]*Math.pow(256,3-i);
return[l>>>24,l>>>16&255,l>>>8&255,l&255].join('.')}
function M(p,r){
var h=r.h,k,d,z;
if(p.test)return!r.x&&!r.v&&p.test(h);
if(typeof p=='string')p=[p];
k=p[0][0];d=p[0].slice(1);z=h.length-d.length-1;
return(!p[1]||p[1]==r.s)&&(!p[2]||p[2]==r.p)&&(!p[3]||r.c&&r.q.startsWith(p[3]))&&(h==d?k!='*':k!='='&&z>0&&h.endsWith('.'+d)&&!/(^|\.)xn--/.test(h.slice(0,z)))}
//#END
//#KVS
async function Q(n,r){
var l=r.h.split('.'),i=0,s;
if(r.v||l.length>__MAX_KVS_LABELS__)return 0;
for(;i<l.length;i++){s=l.slice(i).join('.');
if(i&&/(^|\.)xn--/.test(l.slice(0,i).join('.')))return 0;
if(await V.exists(n+(i?':*.':':')+s)||await V.exists(n+':.'+s))return 1}
return 0}
//#END
//#SIG
function S(q,h){
var o=q.querystring||{},c=q.cookies||{},y=1,f=[],i,v,d,l,g,t;
if(!Z.some((k,j)=>j<__URL_MARKERS__&&o[k])){y=2;o={};Z.forEach(k=>{o[k]=c[__COOKIE_PREFIX__+k]})}
for(i=0;i<__SIGNING_PARAMS_LEN__;i++){v=o[Z[i]];if(v&&v.multiValue&&v.multiValue.length>1)return-1;try{f[i]=v?decodeURIComponent(y>1?(v.value+'').replace(/^"(.*)"$/,'$1'):v.value+''):null}catch(_){return-1}}
if(f.slice(0,__URL_MARKERS__).every(v=>v==null))return 0;
v=h.host;
if(f[2]==null||f[3]==null||f[0]==null&&f[1]==null||!v||v.multiValue&&v.multiValue.length>1)return-1;
if(f[1]==null){if(!/^\d{1,__MAX_EXPIRES_DIGITS__}$/.test(f[0])||f[0]>__MAX_EXPIRES__)return-1;l=+f[0]}
else if(f[1].length>__MAX_POLICY_BYTES__||!(d=B(f[1]))||d.length>__MAX_POLICY_BYTES__)return-1;
if(!f[2]||f[2].length>__MAX_SIGNATURE_CHARS__||B(f[2])==null||!f[3]||f[4]!=null&&f[4]!=__HASH_ALGORITHM__||K.indexOf(f[3])<0)return-1;
if(d){try{d=JSON.parse(d).Statement;if(Array.isArray(d)){if(d.length!=1)return-1;d=d[0]}d=d.Condition;l=d.DateLessThan['AWS:EpochTime'];g=d.DateGreaterThan;g=g&&g['AWS:EpochTime']}catch(_){return-1}
if(typeof l!='number'||l%1||g!=null&&(typeof g!='number'||g%1))return-1}
t=Math.floor(Date.now()/1000);
return t<l+W&&(g==null||t+W>=g)?y:-1}
function B(s){
var a='ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-~',o='',b=0,n=0,i,v;
s=s.replace(/_?_$/,'');
for(i=0;i<s.length;i++){v=a.indexOf(s[i]);if(v<0)return;b=b<<6|v;n+=6;if(n>7){n-=8;o+=String.fromCharCode(b>>n&255)}}
if(n<6)return o}
//#END
