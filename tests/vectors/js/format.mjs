// Coffer's formats, written from docs/format.md and docs/format-stream.md alone.
//
// Every refusal throws FormatError: kind "integrity" (docs/format.md §1, "The one error")
// or "invalid" (an input malformed before any key is used). A disagreement between two
// ways of computing the same thing throws Mismatch: that is a bug here or in the docs,
// never an expected failure.

let sodium = null;

export async function loadSodium() {
  // libsodium's ESM build needs globalThis.crypto.getRandomValues, which Node 18 (Debian
  // bookworm's) only has under node:crypto. Nothing here draws randomness, but the build
  // refuses to load without it.
  if (globalThis.crypto === undefined || typeof globalThis.crypto.getRandomValues !== "function") {
    const { webcrypto } = await import("node:crypto");
    Object.defineProperty(globalThis, "crypto", { value: webcrypto, configurable: true });
  }
  const mod = await import("libsodium-wrappers-sumo");
  sodium = mod.default;
  await sodium.ready;
  return sodium;
}

export class FormatError extends Error {
  constructor(kind, detail) {
    super(`${kind === "integrity" ? "integrity check failed" : "invalid input"} (${detail})`);
    this.kind = kind; // "integrity" or "invalid"
    this.detail = detail;
  }
}

export class Mismatch extends Error {}

const integrity = (detail) => new FormatError("integrity", detail);
const invalid = (detail) => new FormatError("invalid", detail);

// ---------------------------------------------------------------- bytes

export function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function bytesEqual(a, b) {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

// Constant-time where the docs ask for it (the recovery binding, the stream commitment).
function ctEqual(a, b) {
  return a.length === b.length && sodium.memcmp(a, b);
}

export function toHex(b) {
  return Buffer.from(b.buffer, b.byteOffset, b.length).toString("hex");
}

export function fromHex(s) {
  if (typeof s !== "string" || !/^(?:[0-9a-f]{2})*$/.test(s)) {
    throw new Mismatch(`not lower-case hex: ${JSON.stringify(s).slice(0, 60)}`);
  }
  return new Uint8Array(Buffer.from(s, "hex"));
}

export const utf8 = (s) => new TextEncoder().encode(s);
export const ascii = utf8;

const STRICT_UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

export function decodeUtf8(b, what) {
  try {
    return STRICT_UTF8.decode(b);
  } catch {
    throw integrity(`${what} is not valid UTF-8`);
  }
}

// A lone surrogate (UTF-8 cannot encode one); String.prototype.isWellFormed is Node 20+.
const hasLoneSurrogate = (s) => /[\uD800-\uDFFF]/u.test(s);

export const u8 = (n) => Uint8Array.of(n);
export const u16 = (n) => Uint8Array.of((n >>> 8) & 0xff, n & 0xff);
export const readU16 = (b, at) => (b[at] << 8) | b[at + 1];
export const readU32 = (b, at) => ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0;

// A non-negative integer as docs/format.md §2 writes it: decimal ASCII, no sign, no leading zeros.
export function decimal(n, what) {
  if (!Number.isSafeInteger(n) || n < 0) throw invalid(`${what} is not a non-negative integer: ${n}`);
  return String(n);
}

// ---------------------------------------------------------------- §2 the context

export const CONTEXT_MAGIC = ascii("coffer/ad/v1");

export function contextFields({ purpose, user_id, item_id, key_version, extra = [] }) {
  const fields = [purpose, user_id, item_id, decimal(key_version, "key_version"), ...extra];
  for (const f of fields) {
    if (typeof f !== "string") throw invalid(`a context field is not text: ${JSON.stringify(f)}`);
    // UTF-8 cannot encode a lone surrogate; TextEncoder would quietly write U+FFFD instead.
    if (hasLoneSurrogate(f)) throw invalid("a context field holds a lone surrogate");
  }
  return fields;
}

export function encodeContext(ctx) {
  const fields = contextFields(ctx);
  if (fields.length > 255) throw invalid(`${fields.length} context fields do not fit u8 n`);
  const parts = [CONTEXT_MAGIC, u8(fields.length)];
  for (const f of fields) {
    const b = utf8(f);
    if (b.length > 65535) throw invalid(`a context field of ${b.length} bytes (at most 65535)`);
    parts.push(u16(b.length), b);
  }
  return concat(...parts);
}

export const context = (purpose, user_id, item_id = "", key_version = 0, extra = []) =>
  encodeContext({ purpose, user_id, item_id, key_version, extra });

// ---------------------------------------------------------------- §3 the AEAD blob

const BLOB_VERSION = 0x01;
const NONCE = 24;
const TAG = 16;

function aeadOpen(key, nonce, sealed, ad) {
  try {
    return sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(null, sealed, ad, nonce, key);
  } catch {
    return null;
  }
}

function aeadSeal(key, nonce, plaintext, ad) {
  return sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(plaintext, ad, null, nonce, key);
}

function checkKey(key) {
  if (key.length !== 32) throw new Mismatch(`a key of ${key.length} bytes`);
}

export function sealBlob(key, nonce, plaintext, contextBytes) {
  checkKey(key);
  const ad = concat(u8(BLOB_VERSION), contextBytes);
  return concat(u8(BLOB_VERSION), nonce, aeadSeal(key, nonce, plaintext, ad));
}

// Opens an AEAD blob; then seals the plaintext again under the blob's own nonce, which must
// give the blob byte for byte (tests/vectors/README.md: every blob carries its nonce).
export function openBlob(key, blob, contextBytes) {
  checkKey(key);
  if (blob.length < 1 + NONCE + TAG) throw integrity(`a blob of ${blob.length} bytes (at least 41)`);
  if (blob[0] !== BLOB_VERSION) throw integrity(`blob version ${blob[0]}`);
  const nonce = blob.subarray(1, 1 + NONCE);
  const ad = concat(u8(blob[0]), contextBytes);
  const plaintext = aeadOpen(key, nonce, blob.subarray(1 + NONCE), ad);
  if (plaintext === null) throw integrity("the blob's tag does not check");
  if (!bytesEqual(sealBlob(key, nonce, plaintext, contextBytes), blob)) {
    throw new Mismatch("sealing the plaintext again under the blob's nonce does not give the blob");
  }
  return plaintext;
}

// A key wrap: an AEAD blob of a 32-byte key, exactly 73 bytes.
export function unwrapKey(key, blob, contextBytes) {
  if (blob.length !== 73) throw integrity(`a key wrap of ${blob.length} bytes (exactly 73)`);
  const k = openBlob(key, blob, contextBytes);
  if (k.length !== 32) throw new Mismatch("a 73-byte wrap opened to other than 32 bytes");
  return k;
}

// ---------------------------------------------------------------- §3 the record payload

// Parse, never re-serialise: the AEAD authenticates the exact bytes.
export function parseRecordPayload(plaintext) {
  const text = decodeUtf8(plaintext, "the record payload");
  let doc;
  try {
    doc = JSON.parse(text);
  } catch {
    throw integrity("the record payload is not JSON");
  }
  const isObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);
  if (!isObject(doc)) throw integrity("the record payload is not a JSON object");
  const keys = Object.keys(doc).sort();
  if (keys.length !== 2 || keys[0] !== "data" || keys[1] !== "label") {
    throw integrity(`the record payload has the members ${JSON.stringify(keys)}`);
  }
  if (!isObject(doc.data)) throw integrity("the record payload's data is not an object");
  if (typeof doc.label !== "string") throw integrity("the record payload's label is not a string");
  return doc;
}

// The canonical JSON of §3 ("The canonical record payload"), which §7 also uses for the
// cache entry. A PyFloat is a number that Python holds as a float (written with repr).
export class PyFloat {
  constructor(value) {
    this.value = value;
  }
}

function codePointCompare(a, b) {
  const x = Array.from(a, (c) => c.codePointAt(0));
  const y = Array.from(b, (c) => c.codePointAt(0));
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
}

function jsonString(s) {
  if (hasLoneSurrogate(s)) throw invalid("a string holds a lone surrogate");
  const short = { 0x08: "\\b", 0x09: "\\t", 0x0a: "\\n", 0x0c: "\\f", 0x0d: "\\r", 0x22: '\\"', 0x5c: "\\\\" };
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0);
    if (short[c] !== undefined) out += short[c];
    else if (c < 0x20) out += "\\u" + c.toString(16).padStart(4, "0");
    else out += ch;
  }
  return out + '"';
}

// Python's repr() of a float: the shortest digits that read back as the same double
// (as JavaScript's String(x)), in positional form when 1e-4 <= |x| < 1e16 (with ".0" when
// integral), otherwise d.ddde+XX with at least two exponent digits.
export function pythonFloatRepr(x) {
  if (!Number.isFinite(x)) throw invalid(`a float that JSON cannot hold: ${x}`);
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  const sign = x < 0 ? "-" : "";
  const s = String(Math.abs(x));
  const [mantissa, expPart] = s.split("e");
  const [intPart, fracPart = ""] = mantissa.split(".");
  const all = intPart + fracPart;
  const lead = all.length - all.replace(/^0+/, "").length;
  const digits = all.slice(lead).replace(/0+$/, "");
  const exp = intPart.length - lead - 1 + (expPart === undefined ? 0 : parseInt(expPart, 10));
  if (exp < -4 || exp >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${m}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
  }
  if (exp < 0) return `${sign}0.${"0".repeat(-exp - 1)}${digits}`;
  if (digits.length <= exp + 1) return `${sign}${digits}${"0".repeat(exp + 1 - digits.length)}.0`;
  return `${sign}${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
}

export function canonicalJson(v) {
  if (v === null) return "null";
  if (v === true) return "true";
  if (v === false) return "false";
  if (v instanceof PyFloat) return pythonFloatRepr(v.value);
  if (typeof v === "number") {
    if (!Number.isSafeInteger(v)) throw invalid(`not an integer: ${v}`);
    return String(v);
  }
  if (typeof v === "string") return jsonString(v);
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(",")}]`;
  const keys = Object.keys(v).sort(codePointCompare);
  return `{${keys.map((k) => `${jsonString(k)}:${canonicalJson(v[k])}`).join(",")}}`;
}

// ---------------------------------------------------------------- BLAKE2b, HKDF, key pairs

const ZERO16 = new Uint8Array(16);

// BLAKE2b (RFC 7693) with an output length, an optional key, and a 16-byte salt and
// personalisation (shorter ones filled with zero bytes, docs/format.md §12). The wrapper's
// crypto_generichash_blake2b_salt_personal hashes no message, so this calls libsodium's
// C function of that name directly.
export function blake2b(outlen, message, { key = null, salt = ZERO16, person = ZERO16 } = {}) {
  const pad16 = (b, what) => {
    if (b.length > 16) throw new Mismatch(`a BLAKE2b ${what} of ${b.length} bytes`);
    return concat(b, new Uint8Array(16 - b.length));
  };
  salt = pad16(salt, "salt");
  person = pad16(person, "personalisation");
  const r = sodium.libsodium;
  const put = (b) => {
    const p = r._malloc(Math.max(1, b.length));
    r.HEAPU8.set(b, p);
    return p;
  };
  const out = r._malloc(outlen);
  const msg = put(message);
  const k = key === null ? 0 : put(key);
  const s = put(salt);
  const ps = put(person);
  try {
    // (out, outlen, in, inlen as two 32-bit halves, key, keylen, salt, personal)
    const rc = r._crypto_generichash_blake2b_salt_personal(
      out, outlen, msg, message.length, 0, k, key === null ? 0 : key.length, s, ps,
    );
    if (rc !== 0) throw new Mismatch(`crypto_generichash_blake2b_salt_personal returned ${rc}`);
    return r.HEAPU8.slice(out, out + outlen);
  } finally {
    for (const p of [out, msg, k, s, ps]) if (p) r._free(p);
  }
}

// HKDF-SHA256 exactly as docs/format.md §12 spells it: a zero-length salt (so HMAC's key is
// 32 zero bytes), and L = 32, the first block of the expansion.
export function hkdfSha256(ikm, info) {
  const prk = sodium.crypto_auth_hmacsha256(ikm, new Uint8Array(32));
  return sodium.crypto_auth_hmacsha256(concat(info, u8(1)), prk);
}

// crypto_box_seed_keypair as docs/format.md §5 defines it, checked against libsodium's own.
export function boxSeedKeypair(seed) {
  const secretKey = sodium.crypto_hash_sha512(seed).slice(0, 32);
  const publicKey = sodium.crypto_scalarmult_base(secretKey);
  const lib = sodium.crypto_box_seed_keypair(seed);
  if (!bytesEqual(lib.privateKey, secretKey) || !bytesEqual(lib.publicKey, publicKey)) {
    throw new Mismatch("crypto_box_seed_keypair differs from SHA-512(seed)[0..32] and X25519");
  }
  return { secretKey, publicKey };
}

export const signPublicKey = (seed) => sodium.crypto_sign_seed_keypair(seed).publicKey;

// ---------------------------------------------------------------- §4 the KEK

export function pinKey(pinBytes, salt, params) {
  const algorithm = params.algorithm ?? "argon2id13";
  const parallelism = params.parallelism ?? 1;
  if (algorithm !== "argon2id13") throw invalid(`KDF algorithm ${JSON.stringify(algorithm)}`);
  if (parallelism !== 1) throw invalid(`KDF parallelism ${parallelism}`);
  const t = params.iterations;
  const m = params.memory_kib;
  if (!Number.isSafeInteger(t) || t < 1 || !Number.isSafeInteger(m) || m < 8) {
    throw invalid(`KDF iterations ${t}, memory ${m} KiB`);
  }
  if (salt.length !== 16) throw invalid(`a KDF salt of ${salt.length} bytes`);
  return sodium.crypto_pwhash(32, pinBytes, salt, t, m * 1024, sodium.crypto_pwhash_ALG_ARGON2ID13);
}

// ---------------------------------------------------------------- §5 recovery

const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

export function parseRecoveryCode(text) {
  if (typeof text !== "string") throw invalid("the recovery code is not text");
  if (/[^\x00-\x7f]/.test(text)) throw invalid("a non-ASCII character in the recovery code");
  const chars = text.replace(/[ -]/g, "").toUpperCase().replace(/O/g, "0").replace(/[IL]/g, "1");
  if (chars.length !== 32) throw invalid(`${chars.length} recovery code characters (32)`);
  let bits = 0n;
  for (const c of chars) {
    const v = CROCKFORD.indexOf(c);
    if (v < 0) throw invalid(`${JSON.stringify(c)} in the recovery code`);
    bits = (bits << 5n) | BigInt(v);
  }
  const out = new Uint8Array(20);
  for (let i = 19; i >= 0; i--) {
    out[i] = Number(bits & 0xffn);
    bits >>= 8n;
  }
  return out;
}

export function formatRecoveryCode(codeBytes) {
  let bits = 0n;
  for (const b of codeBytes) bits = (bits << 8n) | BigInt(b);
  let chars = "";
  for (let i = 31; i >= 0; i--) chars += CROCKFORD[Number((bits >> BigInt(5 * i)) & 31n)];
  return chars.match(/.{4}/g).join("-");
}

export const recoveryBindingInput = (userId, vkVersion) =>
  concat(u8(0x01), context("vault-key/recovery", userId, "", vkVersion));

// crypto_box_seal as §5 describes it: epk || crypto_box(message, BLAKE2b-24(epk || pk), pk, esk).
export function sealedBoxNonce(epk, recipientPk) {
  return blake2b(24, concat(epk, recipientPk));
}

export function sealedBoxOpen(sealed, publicKey, secretKey) {
  let mine = null;
  if (sealed.length >= 32 + 16) {
    const epk = sealed.subarray(0, 32);
    try {
      mine = sodium.crypto_box_open_easy(sealed.subarray(32), sealedBoxNonce(epk, publicKey), epk, secretKey);
    } catch {
      mine = null;
    }
  }
  let lib = null;
  try {
    lib = sodium.crypto_box_seal_open(sealed, publicKey, secretKey);
  } catch {
    lib = null;
  }
  if ((mine === null) !== (lib === null) || (mine !== null && !bytesEqual(mine, lib))) {
    throw new Mismatch("the sealed box as §5 describes it and crypto_box_seal_open disagree");
  }
  if (mine === null) throw integrity("the sealed box does not open");
  return mine;
}

export function sealedBoxSeal(message, recipientPk, ephemeral) {
  const nonce = sealedBoxNonce(ephemeral.publicKey, recipientPk);
  return concat(ephemeral.publicKey, sodium.crypto_box_easy(message, nonce, recipientPk, ephemeral.secretKey));
}

// wrapped_by_recovery = 0x01 || crypto_box_seal(recovery_pk, binding || VK): 113 bytes.
export function openRecoveryWrap(wrapped, recoveryPk, recoverySk, binding) {
  if (wrapped.length !== 113) throw integrity(`a recovery wrap of ${wrapped.length} bytes (113)`);
  if (wrapped[0] !== 0x01) throw integrity(`recovery wrap version ${wrapped[0]}`);
  const plain = sealedBoxOpen(wrapped.subarray(1), recoveryPk, recoverySk);
  if (plain.length !== 64) throw integrity(`the recovery box holds ${plain.length} bytes (64)`);
  if (!ctEqual(plain.subarray(0, 32), binding)) throw integrity("the recovery binding does not match");
  return plain.slice(32);
}

// ---------------------------------------------------------------- §6 the keyring text

// Strict where §6 lets a reader be ("another reader MAY refuse anything else"): plain ASCII
// versions with no leading zeros.
export function parseKeyring(text) {
  const keys = new Map();
  // What Python's str.strip() removes (str.isspace()): not quite JavaScript's \s, which
  // also holds U+FEFF and lacks U+001C to U+001F and U+0085.
  const ws = "[\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]";
  const strip = (s) => s.replace(new RegExp(`^${ws}+|${ws}+$`, "gu"), "");
  for (const raw of strip(text).replace(/\n/g, ",").split(",")) {
    const piece = strip(raw);
    if (piece === "") continue;
    const colon = piece.indexOf(":");
    if (colon < 0) throw invalid(`a keyring entry without a colon: ${JSON.stringify(piece)}`);
    const version = piece.slice(0, colon);
    const key = piece.slice(colon + 1);
    if (!/^[1-9][0-9]*$/.test(version)) throw invalid(`keyring version ${JSON.stringify(version)}`);
    if (!/^[A-Za-z0-9+/]{43}=$/.test(key)) throw invalid(`keyring key for version ${version} is not 44 base64 characters`);
    const bytes = new Uint8Array(Buffer.from(key, "base64"));
    if (bytes.length !== 32) throw invalid(`keyring key for version ${version} is ${bytes.length} bytes`);
    if (keys.has(Number(version))) throw invalid(`keyring version ${version} twice`);
    keys.set(Number(version), bytes);
  }
  if (keys.size === 0) throw invalid("a keyring with no entries");
  return keys;
}

// ---------------------------------------------------------------- §7 unlock sessions

export function parseUnlockSecret(text) {
  if (typeof text !== "string" || !/^[A-Za-z0-9_-]*$/.test(text)) {
    throw invalid("the unlock secret is not base64url without padding");
  }
  const bytes = new Uint8Array(Buffer.from(text, "base64url"));
  if (bytes.length !== 32) throw invalid(`the unlock secret holds ${bytes.length} bytes (32)`);
  if (Buffer.from(bytes).toString("base64url") !== text) {
    throw invalid("the unlock secret is not the canonical encoding of its bytes");
  }
  return bytes;
}

export const SESSION_ID_PERSON = concat(ascii("coffer-sess-id"), new Uint8Array(2));
export const SESSION_KEY_PERSON = concat(ascii("coffer-sess-key"), new Uint8Array(1));

// kek (32) || u16 count || count x (u32 version || VK (32)) when withKek; the rotation job's
// key list (§13) is the same without the KEK. Count >= 1, versions strictly ascending.
export function parseKeyList(payload, withKek) {
  const head = withKek ? 34 : 2;
  if (payload.length < head) throw integrity(`a key list of ${payload.length} bytes`);
  const count = readU16(payload, head - 2);
  if (count === 0) throw integrity("a key list with count 0");
  if (payload.length !== head + 36 * count) throw integrity(`a key list of ${payload.length} bytes for count ${count}`);
  const vaultKeys = {};
  let previous = -1;
  for (let i = 0; i < count; i++) {
    const at = head + 36 * i;
    const version = readU32(payload, at);
    if (version <= previous) throw integrity("key list versions do not ascend");
    previous = version;
    vaultKeys[String(version)] = toHex(payload.subarray(at + 4, at + 36));
  }
  return { kek: withKek ? payload.slice(0, 32) : null, vaultKeys };
}

// ---------------------------------------------------------------- docs/format-stream.md

export const CHUNK_SIZE = 65536;
export const SEALED_CHUNK_SIZE = CHUNK_SIZE + TAG;
export const HEADER_SIZE = 49;
const STREAM_VERSION = 0x01;

export function streamKeys(dek) {
  if (dek.length !== 32) throw new Mismatch(`a DEK of ${dek.length} bytes`);
  const empty = new Uint8Array(0);
  return {
    chunkKey: blake2b(32, empty, { key: dek, person: ascii("coffer.stream.ck") }),
    commitmentKey: blake2b(32, empty, { key: dek, person: ascii("coffer.stream.mk") }),
  };
}

export function streamCommitment(commitmentKey, version, noncePrefix, contextBytes) {
  return blake2b(32, concat(u8(version), noncePrefix, contextBytes), {
    key: commitmentKey,
    person: ascii("coffer.stream.hc"),
  });
}

function chunkNonce(noncePrefix, index, last) {
  const n = new Uint8Array(24);
  n.set(noncePrefix, 0);
  let i = BigInt(index);
  for (let at = 22; at >= 16; at--) {
    n[at] = Number(i & 0xffn);
    i >>= 8n;
  }
  if (i !== 0n) throw integrity("a chunk index beyond 2^56");
  n[23] = last ? 0x01 : 0x00;
  return n;
}

export function encryptStream(dek, contextBytes, noncePrefix, plaintext) {
  const { chunkKey, commitmentKey } = streamKeys(dek);
  const header = concat(u8(STREAM_VERSION), noncePrefix, streamCommitment(commitmentKey, STREAM_VERSION, noncePrefix, contextBytes));
  const ad = concat(header, contextBytes);
  const n = Math.max(1, Math.ceil(plaintext.length / CHUNK_SIZE));
  const parts = [header];
  for (let i = 0; i < n; i++) {
    const chunk = plaintext.subarray(i * CHUNK_SIZE, (i + 1) * CHUNK_SIZE);
    parts.push(aeadSeal(chunkKey, chunkNonce(noncePrefix, i, i === n - 1), chunk, ad));
  }
  return concat(...parts);
}

// Rules 1 and 2 of "Reading a stream".
function checkHeader(dek, contextBytes, stream) {
  if (stream.length < HEADER_SIZE) throw integrity(`a stream of ${stream.length} bytes, shorter than its header`);
  if (stream[0] !== STREAM_VERSION) throw integrity(`stream version ${stream[0]}`);
  const header = stream.subarray(0, HEADER_SIZE);
  const noncePrefix = header.subarray(1, 17);
  const { chunkKey, commitmentKey } = streamKeys(dek);
  const expected = streamCommitment(commitmentKey, header[0], noncePrefix, contextBytes);
  if (!ctEqual(header.subarray(17, 49), expected)) throw integrity("the header commitment does not check");
  return { chunkKey, noncePrefix, ad: concat(header, contextBytes) };
}

function openChunk(h, sealed, index, last) {
  const plain = aeadOpen(h.chunkKey, chunkNonce(h.noncePrefix, index, last), sealed, h.ad);
  if (plain === null) throw integrity(`chunk ${index}${last ? " (last)" : ""} does not open`);
  return plain;
}

// "Sizes": the number of chunks of a stream of known size, or a refusal.
export function chunkCount(ciphertextSize) {
  const body = ciphertextSize - HEADER_SIZE;
  if (body < 16) throw integrity(`an impossible stream size ${ciphertextSize}`);
  const q = Math.floor(body / SEALED_CHUNK_SIZE);
  const r = body % SEALED_CHUNK_SIZE;
  if (r === 0) return q;
  if (r > 16 || (r === 16 && q === 0)) return q + 1;
  throw integrity(`an impossible stream size ${ciphertextSize}`);
}

// A reader that knows the whole size (the database's ciphertext_size).
export function decryptStream(dek, contextBytes, stream) {
  const h = checkHeader(dek, contextBytes, stream);
  if (stream.length === HEADER_SIZE) throw integrity("nothing follows the header");
  const n = chunkCount(stream.length);
  if (n > 2 ** 56) throw integrity("more than 2^56 chunks");
  const parts = [];
  for (let i = 0; i < n; i++) {
    const sealed = stream.subarray(HEADER_SIZE + i * SEALED_CHUNK_SIZE, HEADER_SIZE + (i + 1) * SEALED_CHUNK_SIZE);
    parts.push(openChunk(h, sealed, i, i === n - 1));
  }
  return concat(...parts);
}

// A streaming reader, fed pieces of any size, that holds back one chunk ("Reading a stream").
export function decryptStreamIncrementally(dek, contextBytes, stream, pieceSize = 4096) {
  const h = checkHeader(dek, contextBytes, stream);
  let pending = new Uint8Array(0);
  let index = 0;
  const parts = [];
  for (let at = HEADER_SIZE; at < stream.length; at += pieceSize) {
    pending = concat(pending, stream.subarray(at, Math.min(stream.length, at + pieceSize)));
    // A full sealed chunk opens as not-last only once at least one more byte follows it.
    while (pending.length > SEALED_CHUNK_SIZE) {
      parts.push(openChunk(h, pending.subarray(0, SEALED_CHUNK_SIZE), index, false));
      index += 1;
      pending = pending.slice(SEALED_CHUNK_SIZE);
    }
  }
  if (pending.length === 0) {
    throw integrity(index === 0 ? "nothing follows the header" : "the stream ends at a chunk boundary");
  }
  if (pending.length < TAG) throw integrity("the last chunk is shorter than a tag");
  if (pending.length === TAG && index !== 0) throw integrity("an empty last chunk that is not chunk 0");
  parts.push(openChunk(h, pending, index, true));
  return concat(...parts);
}
