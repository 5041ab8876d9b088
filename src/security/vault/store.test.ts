import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_SCRYPT, isVaultError, openVault, resolverFor, type Vault, vaultFile } from './index.js';

const FAST = { N: 2 ** 10, r: 8, p: 1 };
const PASS = 'correct horse battery staple';
let root: string;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'gridctl-vault-'));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

const open = (extra: { passphrase?: string; env?: NodeJS.ProcessEnv } = {}) =>
  openVault({ root, env: {}, kdf: FAST, ...extra });

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

describe('variable store', () => {
  it('opens empty and unlocked when nothing is stored yet, without writing', async () => {
    const v = await open();
    expect(v.locked).toBe(false);
    expect(v.exists).toBe(false);
    expect(v.keys()).toEqual([]);
    expect(() => statSync(vaultFile(root))).toThrow();
  });

  it('round-trips values across opens, in the default scope and in sets', async () => {
    const v = await open();
    v.set('API_TOKEN', 'tok-123456');
    v.set('TOKEN', 'gh-secret', 'github');
    v.set('TOKEN', 'gl-secret', 'gitlab');
    v.set('UNICODE', 'pâté ✓ \n "quoted"');
    await v.save();

    const w = await open();
    expect(w.get('API_TOKEN')).toBe('tok-123456');
    expect(w.get('UNICODE')).toBe('pâté ✓ \n "quoted"');
    expect(w.get('TOKEN')).toBeUndefined();
    expect(w.get('TOKEN', 'github')).toBe('gh-secret');
    expect(w.sets()).toEqual(['github', 'gitlab']);
    expect(w.keys()).toEqual(['API_TOKEN', 'UNICODE']);
    expect(w.setValues('gitlab')).toEqual({ TOKEN: 'gl-secret' });
    expect(w.allValues().sort()).toEqual(
      ['gh-secret', 'gl-secret', 'pâté ✓ \n "quoted"', 'tok-123456'].sort(),
    );

    expect(w.delete('TOKEN', 'gitlab')).toBe(true);
    expect(w.delete('TOKEN', 'gitlab')).toBe(false);
    await w.save();
    expect((await open()).sets()).toEqual(['github']);
  });

  it('rejects invalid key and set names with a clear message', async () => {
    const v = await open();
    expect(() => v.set('1BAD', 'x')).toThrow(/invalid variable name "1BAD"/);
    expect(() => v.set('BAD-NAME', 'x')).toThrow(/letters, digits and underscores/);
    expect(() => v.set('OK', 'x', '-set')).toThrow(/invalid set name/);
    v.set('__proto__', 'still a plain key');
    await v.save();
    expect((await open()).get('__proto__')).toBe('still a plain key');
  });

  it('never writes a value, a key or a passphrase in plain text, locked or not', async () => {
    const v = await open();
    v.set('NEEDLE_KEY_NAME', 'needle-value-unlocked');
    await v.save();
    let bytes = readFileSync(vaultFile(root));
    expect(bytes.includes('needle-value-unlocked')).toBe(false);
    expect(bytes.includes('NEEDLE_KEY_NAME')).toBe(false);

    await v.lock(PASS);
    v.set('OTHER', 'needle-value-locked');
    await v.save();
    bytes = readFileSync(vaultFile(root));
    for (const s of ['needle-value-unlocked', 'needle-value-locked', 'NEEDLE_KEY_NAME', 'OTHER', PASS]) {
      expect(bytes.includes(s), s).toBe(false);
    }
  });

  it('keeps the file 0600 in a 0700 folder', async () => {
    const v = await open();
    v.set('A', 'value-a');
    await v.save();
    expect(statSync(vaultFile(root)).mode & 0o777).toBe(0o600);
    expect(statSync(join(root, 'vault')).mode & 0o777).toBe(0o700);
  });

  it('locks with a passphrase, opens with it or GRIDCTL_VAULT_PASSPHRASE, and unlocks keeping data', async () => {
    const v = await open();
    v.set('A', 'value-a');
    await v.lock(PASS);
    expect(v.locked).toBe(true);
    const file = JSON.parse(readFileSync(vaultFile(root), 'utf8'));
    expect(file.protection).toBe('passphrase');
    expect(file.kdf).toMatchObject({ name: 'scrypt', N: FAST.N, r: 8, p: 1 });
    expect(file.data_key.plain).toBeUndefined();

    const locked = await rejection(open());
    expect(isVaultError(locked, 'VAULT_LOCKED')).toBe(true);
    expect((locked as Error).message).toMatch(/GRIDCTL_VAULT_PASSPHRASE/);

    expect((await open({ passphrase: PASS })).get('A')).toBe('value-a');
    const w = await open({ env: { GRIDCTL_VAULT_PASSPHRASE: PASS } });
    expect(w.locked).toBe(true);
    await w.unlock();
    const u = await open();
    expect(u.locked).toBe(false);
    expect(u.get('A')).toBe('value-a');
  });

  it('refuses a short passphrase', async () => {
    const v = await open();
    const err = await rejection(v.lock('short'));
    expect(isVaultError(err, 'VAULT_WEAK_PASSPHRASE')).toBe(true);
  });

  it('draws a new data key when locking an unlocked store, and re-wraps only the key on a passphrase change', async () => {
    const v = await open();
    v.set('A', 'value-a');
    await v.save();
    const before = JSON.parse(readFileSync(vaultFile(root), 'utf8'));
    await v.lock(PASS);
    const locked = JSON.parse(readFileSync(vaultFile(root), 'utf8'));
    // The old plain data key must no longer decrypt anything.
    const { createDecipheriv } = await import('node:crypto');
    const d = createDecipheriv(
      'aes-256-gcm',
      Buffer.from(before.data_key.plain, 'base64'),
      Buffer.from(locked.data.iv, 'base64'),
    );
    d.setAAD(Buffer.from('gridctl-vault/1/data/passphrase'));
    d.setAuthTag(Buffer.from(locked.data.tag, 'base64'));
    d.update(Buffer.from(locked.data.ciphertext, 'base64'));
    expect(() => d.final()).toThrow();

    const w = await open({ passphrase: PASS });
    await w.lock('another passphrase');
    const relocked = JSON.parse(readFileSync(vaultFile(root), 'utf8'));
    expect(relocked.kdf.salt).not.toBe(locked.kdf.salt);
    expect(relocked.data_key.sealed.ciphertext).not.toBe(locked.data_key.sealed.ciphertext);
    expect((await open({ passphrase: 'another passphrase' })).get('A')).toBe('value-a');
    expect(isVaultError(await rejection(open({ passphrase: PASS })), 'VAULT_BAD_PASSPHRASE')).toBe(true);
  });

  it('fails on a wrong passphrase with a clear error and leaves the file untouched', async () => {
    const v = await open();
    v.set('A', 'value-a');
    await v.lock(PASS);
    const before = readFileSync(vaultFile(root));
    const err = await rejection(open({ passphrase: 'wrong passphrase!' }));
    expect(isVaultError(err, 'VAULT_BAD_PASSPHRASE')).toBe(true);
    expect((err as Error).message).toMatch(/wrong passphrase.*nothing was changed/);
    expect(readFileSync(vaultFile(root)).equals(before)).toBe(true);
  });

  it.each([
    ['data ciphertext', (f: StoreJson) => (f.data.ciphertext = flip(f.data.ciphertext)), 'VAULT_CORRUPT'],
    ['data tag', (f: StoreJson) => (f.data.tag = flip(f.data.tag)), 'VAULT_CORRUPT'],
    ['data iv', (f: StoreJson) => (f.data.iv = flip(f.data.iv)), 'VAULT_CORRUPT'],
    [
      'sealed data key',
      (f: StoreJson) => (f.data_key.sealed.ciphertext = flip(f.data_key.sealed.ciphertext)),
      'VAULT_BAD_PASSPHRASE',
    ],
    ['kdf salt', (f: StoreJson) => (f.kdf.salt = flip(f.kdf.salt)), 'VAULT_BAD_PASSPHRASE'],
    ['protection', (f: StoreJson) => (f.protection = 'none'), 'VAULT_CORRUPT'],
  ])('detects a flipped byte in the %s', async (_name, mutate, code) => {
    const v = await open();
    v.set('A', 'value-a');
    await v.lock(PASS);
    const f = JSON.parse(readFileSync(vaultFile(root), 'utf8'));
    mutate(f);
    writeFileSync(vaultFile(root), JSON.stringify(f));
    const err = await rejection(open({ passphrase: PASS }));
    expect(isVaultError(err, code as never), String(err)).toBe(true);
    expect((err as Error).message).not.toContain('value-a');
  });

  it('detects a flipped byte in an unlocked store', async () => {
    const v = await open();
    v.set('A', 'value-a');
    await v.save();
    const f = JSON.parse(readFileSync(vaultFile(root), 'utf8'));
    f.data.ciphertext = flip(f.data.ciphertext);
    writeFileSync(vaultFile(root), JSON.stringify(f));
    const err = await rejection(open());
    expect(isVaultError(err, 'VAULT_CORRUPT')).toBe(true);
    expect((err as Error).message).toMatch(/damaged or was modified.*integrity check failed/);
  });

  it('refuses a newer format version and never overwrites it', async () => {
    const v = await open();
    v.set('A', 'value-a');
    await v.save();
    const f = JSON.parse(readFileSync(vaultFile(root), 'utf8'));
    f.version = 2;
    const text = JSON.stringify(f);
    writeFileSync(vaultFile(root), text);
    const err = await rejection(open());
    expect(isVaultError(err, 'VAULT_NEWER_FORMAT')).toBe(true);
    expect((err as Error).message).toMatch(
      /format version 2, newer than this gridctl understands \(1\); upgrade gridctl/,
    );
    // A handle opened before the upgrade must not clobber the newer file either.
    v.set('B', 'value-b');
    expect(isVaultError(await rejection(v.save()), 'VAULT_NEWER_FORMAT')).toBe(true);
    expect(readFileSync(vaultFile(root), 'utf8')).toBe(text);
  });

  it('loses no write when several handles save at once', async () => {
    const seed = await open();
    seed.set('SEED', 'seed-value');
    await seed.save();
    const handles: Vault[] = await Promise.all(Array.from({ length: 8 }, () => open()));
    for (const [i, h] of handles.entries()) h.set(`K${i}`, `value-${i}`);
    await Promise.all(handles.map((h) => h.save()));
    const final = await open();
    expect(final.keys()).toEqual(['K0', 'K1', 'K2', 'K3', 'K4', 'K5', 'K6', 'K7', 'SEED']);
  });

  it('merges onto a store another handle created, and onto a store another handle locked', async () => {
    const a = await open();
    const b = await open({ passphrase: PASS });
    a.set('A', 'value-a');
    await a.save();
    b.set('B', 'value-b');
    await b.save(); // adopts a's data key instead of clobbering a's file
    const c = await open();
    expect(c.keys()).toEqual(['A', 'B']);
    await c.lock(PASS);
    b.set('C', 'value-c');
    await b.save(); // b has the passphrase: re-reads the locked file
    expect((await open({ passphrase: PASS })).keys()).toEqual(['A', 'B', 'C']);
    a.set('D', 'value-d');
    expect(isVaultError(await rejection(a.save()), 'VAULT_LOCKED')).toBe(true);
  });

  it('uses strong scrypt parameters by default', async () => {
    expect(DEFAULT_SCRYPT).toEqual({ N: 2 ** 17, r: 8, p: 1 });
    const v = await openVault({ root, env: {} });
    v.set('A', 'value-a');
    await v.lock(PASS);
    const f = JSON.parse(readFileSync(vaultFile(root), 'utf8'));
    expect(f.kdf).toMatchObject({ N: 2 ** 17, r: 8, p: 1 });
    expect(f.kdf.salt).toHaveLength(24); // 16 bytes, base64
    expect((await openVault({ root, env: {}, passphrase: PASS })).get('A')).toBe('value-a');
  });
});

describe('resolverFor', () => {
  it('reads the default scope, then the one set holding a key; ambiguity resolves to nothing', async () => {
    const v = await open();
    v.set('PLAIN', 'p-value');
    v.set('ONLY_IN_SET', 's-value', 'one');
    v.set('TWICE', 'x-value', 'one');
    v.set('TWICE', 'y-value', 'two');
    v.set('PLAIN', 'shadowed', 'two');
    const r = resolverFor(v);
    expect(r.get('PLAIN')).toBe('p-value');
    expect(r.get('ONLY_IN_SET')).toBe('s-value');
    expect(r.get('TWICE')).toBeUndefined();
    expect(r.get('NOPE')).toBeUndefined();
  });
});

function flip(b64: string): string {
  const buf = Buffer.from(b64, 'base64');
  buf[0] = (buf[0] ?? 0) ^ 0x01;
  return buf.toString('base64');
}

interface StoreJson {
  protection: string;
  kdf: { salt: string };
  data_key: { sealed: { ciphertext: string } };
  data: { iv: string; ciphertext: string; tag: string };
}
