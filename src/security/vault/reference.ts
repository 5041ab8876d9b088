// Reading the reference gridctl's variable store, for `var import --from-reference`. Its plaintext
// file (`secrets.json`, store version 2) is plain JSON. Its encrypted file (`secrets.enc`) is an
// envelope: a JSON object with the Argon2id salt and parameters, a random data key sealed with
// XChaCha20-Poly1305 under Argon2id(passphrase), and the store's plaintext JSON sealed under that
// data key (every field base64, each ciphertext with its 16-byte tag appended, no associated
// data). Node 20's crypto has neither primitive, hence @noble/hashes and @noble/ciphers.
import { existsSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { argon2id } from '@noble/hashes/argon2.js';
import { VaultError } from './errors.js';
import { isValidKey } from './names.js';

export interface ReferenceVariable {
  key: string;
  value: string;
  set?: string;
  /** The reference's `is_secret: false`: masked here all the same. */
  plaintext: boolean;
  type?: string;
}

/** The reference's vault folder: `$GRIDCTL_HOME/.gridctl/vault`, else `~/.gridctl/vault`. */
export function referenceVaultDir(env: NodeJS.ProcessEnv): string {
  const base = env.GRIDCTL_HOME ? join(env.GRIDCTL_HOME, '.gridctl') : join(homedir(), '.gridctl');
  return join(base, 'vault');
}

/** The file to read: `path` itself, or `secrets.json` (else `secrets.enc`) in a folder. */
export function referenceVaultFile(path: string): string {
  if (!existsSync(path) || !statSync(path).isDirectory()) return path;
  const plain = join(path, 'secrets.json');
  const enc = join(path, 'secrets.enc');
  return existsSync(plain) || !existsSync(enc) ? plain : enc;
}

/** Read first, so a passphrase kept for this gridctl's own store can differ from the reference's. */
export const REFERENCE_PASSPHRASE_ENV = 'GRIDCTL_REFERENCE_VAULT_PASSPHRASE';

// The reference's Argon2id settings (time 1, 64 MiB, 4 lanes, 32-byte key); a file's own `kdf`
// values are used when present, within bounds so a hostile file cannot make us allocate gigabytes.
const KDF_DEFAULT = { time: 1, memory: 64 * 1024, threads: 4 };
const KDF_MAX = { time: 16, memory: 1024 * 1024, threads: 64 };
const NONCE_BYTES = 24;
const KEY_BYTES = 32;
const TAG_BYTES = 16;

export function parseReferenceVault(
  text: string,
  file: string,
  env: NodeJS.ProcessEnv = process.env,
): ReferenceVariable[] {
  const bad = (why: string) =>
    new VaultError(
      'VAULT_REFERENCE_UNREADABLE',
      `${file}: ${why}; nothing was imported [VAULT_REFERENCE_UNREADABLE]`,
    );
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw bad('not JSON');
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw bad('not a JSON object');
  const d = doc as Record<string, unknown>;
  if (d.encrypted === true) {
    const passphrase = env[REFERENCE_PASSPHRASE_ENV] || env.GRIDCTL_VAULT_PASSPHRASE;
    if (!passphrase) {
      throw new VaultError(
        'VAULT_REFERENCE_ENCRYPTED',
        `${file} is the reference's encrypted vault: set ${REFERENCE_PASSPHRASE_ENV} (or GRIDCTL_VAULT_PASSPHRASE, as the reference reads it) to its passphrase, or run the command in a terminal to be asked for it; nothing was imported [VAULT_REFERENCE_ENCRYPTED]`,
      );
    }
    return parseReferenceVault(decryptReferenceVault(d, file, passphrase), file, {});
  }
  if (d.version !== 2)
    throw bad(`store version ${String(d.version)}, expected 2 (the reference's plaintext store)`);
  if (!Array.isArray(d.variables)) throw bad('no "variables" list');
  return d.variables.map((raw, i) => {
    if (!raw || typeof raw !== 'object') throw bad(`variables[${i}] is not an object`);
    const v = raw as Record<string, unknown>;
    if (typeof v.key !== 'string' || !isValidKey(v.key)) {
      throw bad(`variables[${i}].key ${JSON.stringify(v.key)} is not a valid variable name`);
    }
    const value =
      typeof v.value === 'string'
        ? v.value
        : v.value === undefined || v.value === null
          ? ''
          : JSON.stringify(v.value);
    const out: ReferenceVariable = { key: v.key, value, plaintext: v.is_secret === false };
    if (typeof v.set === 'string' && v.set !== '') out.set = v.set;
    if (typeof v.type === 'string') out.type = v.type;
    return out;
  });
}

/** True when `text` is the reference's encrypted envelope (so a passphrase is needed). */
export function isReferenceEncrypted(text: string): boolean {
  try {
    return (JSON.parse(text) as { encrypted?: unknown } | null)?.encrypted === true;
  } catch {
    return false;
  }
}

/** Opens the reference's `secrets.enc` envelope; returns the store's plaintext JSON. */
export function decryptReferenceVault(d: Record<string, unknown>, file: string, passphrase: string): string {
  const bad = (why: string) =>
    new VaultError(
      'VAULT_REFERENCE_UNREADABLE',
      `${file}: ${why}; nothing was imported [VAULT_REFERENCE_UNREADABLE]`,
    );
  if (d.version !== 1) throw bad(`encrypted vault version ${String(d.version)}, expected 1`);
  const kdf = obj(d.kdf);
  if (kdf?.algorithm !== 'argon2id')
    throw bad(`kdf.algorithm ${JSON.stringify(kdf?.algorithm)}, expected "argon2id"`);
  const param = (name: 'time' | 'memory' | 'threads'): number => {
    const v = kdf[name] ?? KDF_DEFAULT[name];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > KDF_MAX[name])
      throw bad(`kdf.${name} ${JSON.stringify(v)} is out of range`);
    return v;
  };
  const t = param('time');
  const m = param('memory');
  const p = param('threads');
  if (m < 8 * p) throw bad(`kdf.memory ${m} is below 8 KiB per thread`);
  const b64 = (v: unknown, where: string, len?: number): Uint8Array => {
    // The reference writes standard, padded base64; anything else is not its file.
    if (typeof v !== 'string' || v.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(v))
      throw bad(`${where} is not base64`);
    const bytes = new Uint8Array(Buffer.from(v, 'base64'));
    if (len !== undefined && bytes.length !== len)
      throw bad(`${where} is ${bytes.length} bytes, expected ${len}`);
    return bytes;
  };
  const salt = b64(kdf.salt, 'kdf.salt');
  if (salt.length < 8) throw bad('kdf.salt is shorter than 8 bytes');
  const dek = obj(d.dek);
  const data = obj(d.data);
  if (!dek || !data) throw bad('no "dek" or "data" block');
  const dekNonce = b64(dek.nonce, 'dek.nonce', NONCE_BYTES);
  const dekSealed = b64(dek.ciphertext, 'dek.ciphertext', KEY_BYTES + TAG_BYTES);
  const dataNonce = b64(data.nonce, 'data.nonce', NONCE_BYTES);
  const dataSealed = b64(data.ciphertext, 'data.ciphertext');
  if (dataSealed.length < TAG_BYTES) throw bad('data.ciphertext is shorter than its tag');

  const kek = argon2id(new TextEncoder().encode(passphrase), salt, { t, m, p, dkLen: KEY_BYTES });
  let plain: Uint8Array;
  try {
    const key = xchacha20poly1305(kek, dekNonce).decrypt(dekSealed);
    plain = xchacha20poly1305(key, dataNonce).decrypt(dataSealed);
  } catch {
    // Either seal failing means the passphrase is wrong or the file was altered: one message,
    // as the reference gives, and never the passphrase itself.
    throw new VaultError(
      'VAULT_REFERENCE_BAD_PASSPHRASE',
      `${file}: wrong passphrase for the reference's encrypted vault (or the file was altered); nothing was imported [VAULT_REFERENCE_BAD_PASSPHRASE]`,
    );
  }
  return new TextDecoder().decode(plain);
}

function obj(v: unknown): Record<string, unknown> | undefined {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}
