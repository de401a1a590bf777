// One small function a vector kind, keyed "folder/kind". A kind that is not in KINDS makes
// the checker fail; it never skips. core/ and stream/ vectors are described in
// docs/format.md and docs/format-stream.md ("Test vectors"); derive/ in tests/vectors/README.md.

import {
  FormatError, Mismatch, PyFloat, boxSeedKeypair, blake2b, bytesEqual, canonicalJson, concat,
  context, contextFields, decimal, decodeUtf8, decryptStream, decryptStreamIncrementally,
  encodeContext, encryptStream, formatRecoveryCode, fromHex, hkdfSha256, openBlob,
  openRecoveryWrap, parseKeyList, parseKeyring, parseRecordPayload, parseRecoveryCode,
  parseUnlockSecret, pinKey, recoveryBindingInput, sealedBoxSeal, signPublicKey, toHex, u8,
  unwrapKey, utf8, SESSION_ID_PERSON, SESSION_KEY_PERSON,
} from "./format.mjs";

// A vector that does not check: its message names what differs.
export class Failure extends Error {}

// ---------------------------------------------------------------- helpers

function exactFields(obj, required, optional = [], what = "the vector") {
  if (obj === null || typeof obj !== "object" || Array.isArray(obj)) throw new Failure(`${what} is not an object`);
  const have = Object.keys(obj);
  const missing = required.filter((k) => !have.includes(k));
  const unknown = have.filter((k) => !required.includes(k) && !optional.includes(k));
  if (missing.length || unknown.length) {
    throw new Failure(`${what}: ${missing.length ? `missing ${missing.join(", ")}` : ""}${missing.length && unknown.length ? "; " : ""}${unknown.length ? `unknown ${unknown.join(", ")}` : ""}`);
  }
}

function deepEqual(a, b) {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== "object") return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && deepEqual(a[k], b[k]));
}

const show = (v) => {
  const s = JSON.stringify(v);
  return s.length > 100 ? `${s.slice(0, 100)}...` : s;
};

// Where two outputs differ, shown around the first difference for long strings.
function difference(got, want) {
  if (typeof got !== "string" || typeof want !== "string" || (got.length <= 100 && want.length <= 100)) {
    return `computed ${show(got)}, expected ${show(want)}`;
  }
  let at = 0;
  while (at < got.length && got[at] === want[at]) at++;
  const from = Math.max(0, at - 20);
  const around = (s) => JSON.stringify(s.slice(from, at + 40));
  return `first differs at character ${at} of ${got.length} (expected ${want.length}): computed ...${around(got)}..., expected ...${around(want)}...`;
}

// Runs compute(); `want` is either {expected: {...}} (every output must match, and no output
// may go unchecked) or {error: "integrity" | "invalid"} (compute must refuse, that way).
function outcome(compute, want) {
  let got;
  try {
    got = compute();
  } catch (e) {
    if (e instanceof FormatError) {
      if (want.error === e.kind) return;
      if (want.error) throw new Failure(`refused as ${e.kind}, expected ${want.error}: ${e.detail}`);
      throw new Failure(`refused, expected success: ${e.message}`);
    }
    if (e instanceof Mismatch) throw new Failure(`disagreement: ${e.message}`);
    throw e;
  }
  if (want.error) throw new Failure(`expected a refusal (${want.error}), but it succeeded`);
  const expected = want.expected;
  exactFields(expected, Object.keys(got), [], "expected outputs vs. computed ones");
  for (const [k, v] of Object.entries(got)) {
    if (!deepEqual(v, expected[k])) throw new Failure(`${k}: ${difference(v, expected[k])}`);
  }
}

const hexOut = (b) => toHex(b);

// ---------------------------------------------------------------- core/

const CONTEXT_FIELDS = ["purpose", "user_id", "item_id", "key_version", "extra"];

function coreKind(open) {
  return (v) => {
    exactFields(v, ["name", "description", "kind", "key", "blob", "context", "context_encoded", "plaintext", "expect"]);
    exactFields(v.context, CONTEXT_FIELDS, [], "context");
    let encoded;
    try {
      encoded = encodeContext(v.context);
    } catch (e) {
      throw new Failure(`its context does not encode: ${e.message}`);
    }
    if (toHex(encoded) !== v.context_encoded) {
      throw new Failure(`context_encoded: computed ${toHex(encoded)}, expected ${v.context_encoded}`);
    }
    const compute = () => ({ plaintext: hexOut(open(fromHex(v.key), fromHex(v.blob), encoded)) });
    if (v.expect === "ok") return outcome(compute, { expected: { plaintext: v.plaintext } });
    if (v.expect !== "integrity_error") throw new Failure(`unknown expect ${show(v.expect)}`);
    if (v.plaintext !== "") throw new Failure("a failure case with a plaintext");
    return outcome(compute, { error: "integrity" });
  };
}

// ---------------------------------------------------------------- stream/ (and derive/file_stream)

// Both readers of docs/format-stream.md must agree; a success must also encrypt back to the
// same stream under its nonce prefix.
function readStream(dek, contextBytes, ciphertext) {
  const attempt = (read) => {
    try {
      return { plain: read(dek, contextBytes, ciphertext) };
    } catch (e) {
      if (e instanceof FormatError) return { error: e };
      throw e;
    }
  };
  const whole = attempt(decryptStream);
  const incremental = attempt(decryptStreamIncrementally);
  if (!!whole.error !== !!incremental.error || (whole.plain && !bytesEqual(whole.plain, incremental.plain))) {
    throw new Mismatch(`the sized reader (${whole.error ? whole.error.detail : "opens"}) and the streaming reader (${incremental.error ? incremental.error.detail : "opens"}) disagree`);
  }
  if (whole.error) throw whole.error;
  const again = encryptStream(dek, contextBytes, ciphertext.subarray(1, 17), whole.plain);
  if (!bytesEqual(again, ciphertext)) throw new Mismatch("encrypting the plaintext under the stream's nonce prefix does not give the stream");
  return whole.plain;
}

function streamKind(v) {
  exactFields(v, ["name", "description", "dek", "context", "plaintext", "ciphertext", "expect"]);
  const compute = () => ({ plaintext: hexOut(readStream(fromHex(v.dek), fromHex(v.context), fromHex(v.ciphertext))) });
  if (v.expect === "ok") return outcome(compute, { expected: { plaintext: v.plaintext } });
  if (v.expect !== "integrity_error") throw new Failure(`unknown expect ${show(v.expect)}`);
  if (v.plaintext !== null) throw new Failure("a failure case with a plaintext");
  return outcome(compute, { error: "integrity" });
}

// ---------------------------------------------------------------- derive/

function deriveKind(inputs, run, optionalInputs = []) {
  return (v) => {
    const result = "expected" in v ? "expected" : "error";
    exactFields(v, ["name", "kind", "description", "inputs", result]);
    exactFields(v.inputs, inputs, optionalInputs, "inputs");
    if (result === "error" && v.error !== "integrity" && v.error !== "invalid") {
      throw new Failure(`unknown error ${show(v.error)}`);
    }
    return outcome(() => run(v.inputs), result === "expected" ? { expected: v.expected } : { error: v.error });
  };
}

function keyring(i) {
  let parsed;
  try {
    parsed = parseKeyring(i.keyring_text);
  } catch (e) {
    throw new Mismatch(`keyring_text does not parse: ${e.message}`);
  }
  const given = Object.fromEntries([...parsed].map(([version, key]) => [String(version), toHex(key)]));
  if (!deepEqual(given, i.server_keys)) throw new Mismatch("keyring_text and server_keys differ");
  if (!parsed.has(i.server_key_version)) {
    throw new FormatError("integrity", `the keyring has no version ${i.server_key_version}`);
  }
  return parsed.get(i.server_key_version);
}

function deriveContext(i) {
  const encoded = encodeContext(i);
  const out = { fields: contextFields(i), encoded: hexOut(encoded) };
  if ("blob" in i) out.plaintext = hexOut(openBlob(fromHex(i.key), fromHex(i.blob), encoded));
  return out;
}

function deriveKek(i) {
  const pinBytes = utf8(i.pin.normalize("NFKC"));
  const key = pinKey(pinBytes, fromHex(i.kdf_salt), i.kdf_params);
  const info = context("kek", i.user_id);
  const kek = hkdfSha256(concat(key, fromHex(i.server_share)), info);
  const wrapContext = context("vault-key/kek", i.user_id, "", i.vk_version);
  return {
    pin_bytes: hexOut(pinBytes),
    pin_key: hexOut(key),
    hkdf_info: hexOut(info),
    kek: hexOut(kek),
    wrap_context: hexOut(wrapContext),
    vault_key: hexOut(unwrapKey(kek, fromHex(i.wrapped_by_kek), wrapContext)),
  };
}

function deriveServerShareWrap(i) {
  const ctx = context("server-wrap", i.user_id, "server-share", i.server_key_version);
  const share = unwrapKey(keyring(i), fromHex(i.wrapped_server_share), ctx);
  return { context: hexOut(ctx), server_share: hexOut(share) };
}

function deriveRecoveryCode(i) {
  const bytes = parseRecoveryCode(i.code);
  const canonical = formatRecoveryCode(bytes);
  if (!bytesEqual(parseRecoveryCode(canonical), bytes)) throw new Mismatch("the canonical code reads back differently");
  return { code_bytes: hexOut(bytes), canonical };
}

function deriveRecovery(i) {
  const codeBytes = parseRecoveryCode(i.recovery_code);
  const info = context("recovery-key", i.user_id);
  const ikm = concat(codeBytes, fromHex(i.server_share));
  if (ikm.length !== 52) throw new Mismatch(`a recovery ikm of ${ikm.length} bytes`);
  const seed = hkdfSha256(ikm, info);
  const pair = boxSeedKeypair(seed);
  const bindingInput = recoveryBindingInput(i.user_id, i.vk_version);
  const binding = blake2b(32, bindingInput);
  const wrapped = fromHex(i.wrapped_by_recovery);
  const vaultKey = openRecoveryWrap(wrapped, pair.publicKey, pair.secretKey, binding);
  // Rebuild the box byte for byte from the generator's ephemeral seed (§5's construction).
  const ephemeral = boxSeedKeypair(fromHex(i.ephemeral_seed));
  const rebuilt = concat(u8(0x01), sealedBoxSeal(concat(binding, vaultKey), pair.publicKey, ephemeral));
  if (!bytesEqual(rebuilt, wrapped)) throw new Mismatch("sealing binding || vault key again with the ephemeral seed does not give wrapped_by_recovery");
  return {
    code_bytes: hexOut(codeBytes),
    hkdf_info: hexOut(info),
    recovery_seed: hexOut(seed),
    recovery_secret_key: hexOut(pair.secretKey),
    recovery_public_key: hexOut(pair.publicKey),
    binding_input: hexOut(bindingInput),
    binding: hexOut(binding),
    ephemeral_public_key: hexOut(wrapped.subarray(1, 33)),
    vault_key: hexOut(vaultKey),
  };
}

function deriveUnlockSession(i) {
  const secret = parseUnlockSecret(i.unlock_secret);
  const sessionId = hexOut(blake2b(32, secret, { person: SESSION_ID_PERSON }));
  const sessionKey = blake2b(32, secret, { person: SESSION_KEY_PERSON });
  const ctx = context("unlock-session", i.user_id, "", i.epoch);
  const blob = fromHex(i.blob);
  const payload = openBlob(sessionKey, blob, ctx);
  const { kek, vaultKeys } = parseKeyList(payload, true);
  if (!Number.isSafeInteger(i.key_set_version)) throw new Mismatch("key_set_version is not an integer");
  if (i.token_id !== null && !Number.isSafeInteger(i.token_id)) throw new Mismatch("token_id is neither an integer nor null");
  if (typeof i.expires_at !== "number" || typeof i.idle_expires_at !== "number") throw new Mismatch("an expiry is not a number");
  const cacheKey = `unlock:${i.user_id}:${decimal(i.epoch, "epoch")}:${sessionId}`;
  const cacheValue = canonicalJson({
    blob: Buffer.from(blob).toString("base64"),
    expires_at: new PyFloat(i.expires_at),
    format: 1,
    idle_expires_at: new PyFloat(i.idle_expires_at),
    key_set_version: i.key_set_version,
    token_id: i.token_id,
  });
  return {
    secret_bytes: hexOut(secret),
    session_id_personalisation: hexOut(SESSION_ID_PERSON),
    session_id: sessionId,
    session_key_personalisation: hexOut(SESSION_KEY_PERSON),
    session_key: hexOut(sessionKey),
    context: hexOut(ctx),
    payload: hexOut(payload),
    kek: hexOut(kek),
    vault_keys: vaultKeys,
    cache_key: cacheKey,
    redis_key: `coffer:1:${cacheKey}`,
    cache_value: cacheValue,
  };
}

function deriveUserKeys(i) {
  const vaultKey = fromHex(i.vault_key);
  const boxContext = context("user-key/x25519", i.user_id, "", i.vk_version);
  const signContext = context("user-key/ed25519", i.user_id, "", i.vk_version);
  const boxSeed = unwrapKey(vaultKey, fromHex(i.wrapped_box_private_key), boxContext);
  const signSeed = unwrapKey(vaultKey, fromHex(i.wrapped_sign_private_key), signContext);
  const box = boxSeedKeypair(boxSeed);
  return {
    box_context: hexOut(boxContext),
    sign_context: hexOut(signContext),
    box_seed: hexOut(boxSeed),
    sign_seed: hexOut(signSeed),
    box_secret_key: hexOut(box.secretKey),
    box_public_key: hexOut(box.publicKey),
    sign_public_key: hexOut(signPublicKey(signSeed)),
  };
}

function deriveRotationJobKeys(i) {
  const ctx = context("server-wrap", i.job_id, "rotation-job", i.server_key_version);
  const payload = openBlob(keyring(i), fromHex(i.sealed_keys), ctx);
  const { vaultKeys } = parseKeyList(payload, false);
  return { context: hexOut(ctx), payload: hexOut(payload), vault_keys: vaultKeys };
}

function deriveFileName(i) {
  const ctx = context("file/name", i.user_id, i.file_id, i.dek_version);
  const name = openBlob(fromHex(i.dek), fromHex(i.sealed_filename), ctx);
  return { context: hexOut(ctx), filename: decodeUtf8(name, "the filename"), filename_utf8: hexOut(name) };
}

function deriveRecordPayload(i) {
  const ctx = context("record", i.user_id, i.record_id, i.dek_version, [i.kind, decimal(i.schema_version, "schema_version")]);
  const payload = openBlob(fromHex(i.dek), fromHex(i.ciphertext), ctx);
  const doc = parseRecordPayload(payload);
  return { context: hexOut(ctx), payload: hexOut(payload), label: doc.label, data: doc.data };
}

function deriveFileStream(i) {
  const ctx = context("file", i.user_id, i.file_id, i.dek_version);
  return { context: hexOut(ctx), plaintext: hexOut(readStream(fromHex(i.dek), ctx, fromHex(i.ciphertext))) };
}

// ---------------------------------------------------------------- the table

// The kind of a vector in its folder: core/ and derive/ name it; stream/ files are all streams.
export const KIND_OF = {
  core: (v) => v.kind,
  stream: (v) => ("kind" in v ? v.kind : "stream"),
  derive: (v) => v.kind,
};

const KEYRING = ["server_keys", "keyring_text", "server_key_version"];

export const KINDS = {
  "core/wrap": coreKind(unwrapKey),
  "core/record": coreKind(openBlob),
  "stream/stream": streamKind,
  "derive/context": deriveKind(CONTEXT_FIELDS, deriveContext, ["key", "blob"]),
  "derive/kek": deriveKind(["pin", "kdf_salt", "kdf_params", "server_share", "user_id", "vk_version", "wrapped_by_kek"], deriveKek),
  "derive/server_share_wrap": deriveKind([...KEYRING, "user_id", "wrapped_server_share"], deriveServerShareWrap),
  "derive/recovery_code": deriveKind(["code"], deriveRecoveryCode),
  "derive/recovery": deriveKind(["recovery_code", "server_share", "user_id", "vk_version", "ephemeral_seed", "wrapped_by_recovery"], deriveRecovery),
  "derive/unlock_session": deriveKind(["unlock_secret", "user_id", "epoch", "blob", "key_set_version", "token_id", "expires_at", "idle_expires_at"], deriveUnlockSession),
  "derive/user_keys": deriveKind(["user_id", "vk_version", "vault_key", "wrapped_box_private_key", "wrapped_sign_private_key"], deriveUserKeys),
  "derive/rotation_job_keys": deriveKind([...KEYRING, "job_id", "sealed_keys"], deriveRotationJobKeys),
  "derive/file_name": deriveKind(["dek", "user_id", "file_id", "dek_version", "sealed_filename"], deriveFileName),
  "derive/record_payload": deriveKind(["dek", "user_id", "record_id", "dek_version", "kind", "schema_version", "ciphertext"], deriveRecordPayload),
  "derive/file_stream": deriveKind(["dek", "user_id", "file_id", "dek_version", "ciphertext"], deriveFileStream),
};
