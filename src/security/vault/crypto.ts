// The store's cryptography, on Node's built-in crypto only: scrypt derives a key-encryption key from
// the passphrase, AES-256-GCM seals both the random data key and the contents. Every seal takes a
// fresh random 96-bit IV; the additional authenticated data binds each blob to its role and to the
// file header, so a blob moved between fields or a header edited by hand fails authentication.
import { createCipheriv, createDecipheriv, randomBytes, scrypt } from 'node:crypto';

export interface ScryptParams {
  /** CPU/memory cost, a power of two. */
  N: number;
  r: number;
  p: number;
}

/** The default: 2^17 × 8 × 128 bytes = 128 MiB and a few hundred milliseconds per derivation. */
export const DEFAULT_SCRYPT: Readonly<ScryptParams> = Object.freeze({ N: 2 ** 17, r: 8, p: 1 });

/** Upper bounds accepted from a file, so a hostile file cannot make us allocate gigabytes. */
const MAX_N = 2 ** 20;
const MAX_R = 32;
const MAX_P = 16;
const MAX_MEM_BYTES = 1024 * 1024 * 1024;

export const KEY_BYTES = 32;
export const SALT_BYTES = 16;
const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface Sealed {
  iv: string;
  ciphertext: string;
  tag: string;
}

/** True when the parameters are ones this build is willing to run (checked before deriving). */
export function scryptParamsAcceptable(p: ScryptParams): boolean {
  const pow2 = Number.isInteger(p.N) && p.N >= 2 && (p.N & (p.N - 1)) === 0;
  return (
    pow2 &&
    p.N <= MAX_N &&
    Number.isInteger(p.r) &&
    p.r >= 1 &&
    p.r <= MAX_R &&
    Number.isInteger(p.p) &&
    p.p >= 1 &&
    p.p <= MAX_P &&
    memoryFor(p) <= MAX_MEM_BYTES
  );
}

function memoryFor(p: ScryptParams): number {
  return 128 * p.N * p.r * (p.p + 1);
}

export function deriveKey(passphrase: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  if (!scryptParamsAcceptable(params)) {
    return Promise.reject(new Error('unsupported scrypt parameters'));
  }
  return new Promise((resolve, reject) => {
    scrypt(
      passphrase.normalize('NFC'),
      salt,
      KEY_BYTES,
      { N: params.N, r: params.r, p: params.p, maxmem: memoryFor(params) + 1024 * 1024 },
      (err, key) => (err ? reject(err) : resolve(key)),
    );
  });
}

export function randomKey(): Buffer {
  return randomBytes(KEY_BYTES);
}

export function randomSalt(): Buffer {
  return randomBytes(SALT_BYTES);
}

export function seal(key: Buffer, plaintext: Buffer, aad: string): Sealed {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return {
    iv: iv.toString('base64'),
    ciphertext: ciphertext.toString('base64'),
    tag: cipher.getAuthTag().toString('base64'),
  };
}

/** Decrypts and authenticates; returns undefined when the key is wrong or anything was altered. */
export function open(key: Buffer, sealed: Sealed, aad: string): Buffer | undefined {
  const iv = Buffer.from(sealed.iv, 'base64');
  const tag = Buffer.from(sealed.tag, 'base64');
  if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(Buffer.from(sealed.ciphertext, 'base64')), decipher.final()]);
  } catch {
    return undefined;
  }
}
