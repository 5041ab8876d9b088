// The variable store: one file, `<GRIDCTL_HOME>/vault/store.json` (0600, in a 0700 folder).
//
// Envelope encryption. A random 256-bit data key seals the contents (AES-256-GCM). The data key is
// then kept one of two ways:
//   - locked   ("protection": "passphrase"): sealed under a key scrypt derives from the passphrase;
//   - unlocked ("protection": "none"): written in plain beside the data. The values are not
//     greppable in the file, but anyone who can read the file can decrypt it. This is a labelled,
//     deliberate mode for single-user machines; `gridctl var lock` upgrades it.
// Changing the passphrase re-wraps only the data key. Locking a store that was unlocked draws a new
// data key, because the old one was on disk in plain.
//
// Writes are atomic (temp file, fsync, rename) and taken under `vault/store.lock`. A save re-reads
// the file under that lock and replays this handle's changes onto it, so two processes setting
// different keys at once lose neither write. A file with a newer format version is refused and
// never overwritten.
import { chmod, mkdir, open as openFile, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { coded } from '../../errors/coded.js';
import { acquireLock } from '../../state/lock.js';
import {
  DEFAULT_SCRYPT,
  deriveKey,
  KEY_BYTES,
  open,
  randomKey,
  randomSalt,
  type ScryptParams,
  type Sealed,
  scryptParamsAcceptable,
  seal,
} from './crypto.js';
import { VaultError } from './errors.js';
import { assertKey, assertSetName } from './names.js';

export const FORMAT_NAME = 'gridctl-vault';
export const FORMAT_VERSION = 1;
export const PASSPHRASE_ENV = 'GRIDCTL_VAULT_PASSPHRASE';
const MIN_PASSPHRASE = 8;

/** The default scope (variables outside any set) is stored under this name. */
const DEFAULT_SCOPE = '';

export interface OpenVaultOptions {
  /** The GRIDCTL_HOME root; the store lives in `<root>/vault/`. */
  root: string;
  /** Where GRIDCTL_VAULT_PASSPHRASE is read (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Wins over GRIDCTL_VAULT_PASSPHRASE. */
  passphrase?: string;
  /**
   * scrypt cost used when this handle (re)wraps the data key. Lowering it is for tests only: the
   * default is DEFAULT_SCRYPT. Reading always uses the parameters recorded in the file.
   */
  kdf?: ScryptParams;
}

export interface Vault {
  /** True when the store has a passphrase (its data key is sealed under it). */
  readonly locked: boolean;
  /** The store file. */
  readonly file: string;
  /** True when the file exists on disk (false for a store nobody has saved yet). */
  readonly exists: boolean;
  get(key: string, set?: string): string | undefined;
  set(key: string, value: string, set?: string): void;
  delete(key: string, set?: string): boolean;
  /** Keys of the default scope, or of one set; sorted. */
  keys(set?: string): string[];
  /** Names of the sets that hold at least one key; sorted. */
  sets(): string[];
  /** Every key and value of one set (what `secrets.sets` injects). */
  setValues(set: string): Record<string, string>;
  /** Every value in the store, in every scope (feed to redactor()). */
  allValues(): string[];
  /** Writes this handle's changes (merged onto whatever is on disk now). */
  save(): Promise<void>;
  /** Sets or changes the passphrase and saves. */
  lock(passphrase: string): Promise<void>;
  /** Removes the passphrase (data key stored in plain beside the data) and saves. */
  unlock(): Promise<void>;
}

// ---- file shape -------------------------------------------------------------------------------

interface KdfBlock extends ScryptParams {
  name: 'scrypt';
  salt: string;
}

interface StoreFile {
  format: typeof FORMAT_NAME;
  version: number;
  protection: 'passphrase' | 'none';
  kdf?: KdfBlock;
  data_key: { sealed: Sealed } | { plain: string };
  data: Sealed;
}

interface Contents {
  scopes: Record<string, Record<string, string>>;
}

type Scopes = Map<string, Map<string, string>>;

type Op =
  | { kind: 'set'; scope: string; key: string; value: string }
  | { kind: 'delete'; scope: string; key: string };

function keyAad(kdf: KdfBlock): string {
  return `${FORMAT_NAME}/${FORMAT_VERSION}/data-key/scrypt/${kdf.N}/${kdf.r}/${kdf.p}/${kdf.salt}`;
}

function dataAad(protection: StoreFile['protection']): string {
  return `${FORMAT_NAME}/${FORMAT_VERSION}/data/${protection}`;
}

// ---- reading ----------------------------------------------------------------------------------

interface Loaded {
  file: StoreFile;
  /** The key block as written, to tell whether the data key on disk is still the one we hold. */
  keySignature: string;
}

async function readStoreFile(path: string): Promise<Loaded | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new VaultError(
      'VAULT_CORRUPT',
      `cannot read the variable store ${path}: ${(err as Error).message}`,
    );
  }
  const file = parseStoreFile(path, text);
  return { file, keySignature: JSON.stringify([file.protection, file.kdf ?? null, file.data_key]) };
}

function corrupt(path: string, why: string): VaultError {
  return new VaultError(
    'VAULT_CORRUPT',
    `the variable store ${path} is damaged or was modified (${why}); nothing was changed: restore it from a backup or move it aside to start a new store`,
  );
}

function isSealed(v: unknown): v is Sealed {
  const s = v as Sealed;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof s.iv === 'string' &&
    typeof s.ciphertext === 'string' &&
    typeof s.tag === 'string'
  );
}

function parseStoreFile(path: string, text: string): StoreFile {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw corrupt(path, 'not valid JSON');
  }
  if (typeof raw !== 'object' || raw === null) throw corrupt(path, 'not a gridctl variable store');
  const f = raw as Partial<StoreFile> & Record<string, unknown>;
  if (f.format !== FORMAT_NAME) throw corrupt(path, 'not a gridctl variable store');
  if (typeof f.version !== 'number' || !Number.isInteger(f.version) || f.version < 1) {
    throw corrupt(path, 'no valid format version');
  }
  if (f.version > FORMAT_VERSION) {
    throw new VaultError(
      'VAULT_NEWER_FORMAT',
      `the variable store ${path} uses format version ${f.version}, newer than this gridctl understands (${FORMAT_VERSION}); upgrade gridctl. The file was left untouched`,
    );
  }
  if (!isSealed(f.data)) throw corrupt(path, 'no data block');
  if (f.protection === 'none') {
    const dk = f.data_key as { plain?: unknown } | undefined;
    if (typeof dk?.plain !== 'string') throw corrupt(path, 'no data key');
  } else if (f.protection === 'passphrase') {
    const dk = f.data_key as { sealed?: unknown } | undefined;
    if (!isSealed(dk?.sealed)) throw corrupt(path, 'no sealed data key');
    const k = f.kdf;
    if (
      k?.name !== 'scrypt' ||
      typeof k.salt !== 'string' ||
      !scryptParamsAcceptable({ N: k.N, r: k.r, p: k.p })
    ) {
      throw corrupt(path, 'unsupported key derivation parameters');
    }
  } else {
    throw corrupt(path, 'unknown protection');
  }
  return f as StoreFile;
}

/** Recovers the data key from a loaded file; a wrong passphrase fails here. */
async function unwrapDataKey(path: string, file: StoreFile, passphrase: string | undefined): Promise<Buffer> {
  if (file.protection === 'none') {
    const key = Buffer.from((file.data_key as { plain: string }).plain, 'base64');
    if (key.length !== KEY_BYTES) throw corrupt(path, 'bad data key');
    return key;
  }
  if (passphrase === undefined || passphrase === '') {
    throw new VaultError(
      'VAULT_LOCKED',
      `the variable store ${path} is locked with a passphrase: set ${PASSPHRASE_ENV} to unlock it`,
    );
  }
  const kdf = file.kdf!;
  const kek = await deriveKey(passphrase, Buffer.from(kdf.salt, 'base64'), kdf);
  const key = open(kek, (file.data_key as { sealed: Sealed }).sealed, keyAad(kdf));
  if (!key || key.length !== KEY_BYTES) {
    throw new VaultError(
      'VAULT_BAD_PASSPHRASE',
      `wrong passphrase for the variable store ${path} (or its key block was altered); nothing was changed`,
    );
  }
  return key;
}

function decryptContents(path: string, file: StoreFile, dataKey: Buffer): Scopes {
  const plain = open(dataKey, file.data, dataAad(file.protection));
  if (!plain) throw corrupt(path, 'integrity check failed');
  let parsed: Contents;
  try {
    parsed = JSON.parse(plain.toString('utf8')) as Contents;
  } catch {
    throw corrupt(path, 'contents are not valid JSON');
  }
  const scopes: Scopes = new Map();
  if (typeof parsed?.scopes !== 'object' || parsed.scopes === null) throw corrupt(path, 'no variables');
  for (const [scope, vars] of Object.entries(parsed.scopes)) {
    const m = new Map<string, string>();
    for (const [k, v] of Object.entries(vars)) if (typeof v === 'string') m.set(k, v);
    if (m.size > 0) scopes.set(scope, m);
  }
  return scopes;
}

// ---- writing ----------------------------------------------------------------------------------

async function writeAtomic(path: string, text: string): Promise<void> {
  const tmp = `${path}.${process.pid}.${randomKey().toString('hex').slice(0, 8)}.tmp`;
  const fh = await openFile(tmp, 'wx', 0o600);
  try {
    await fh.writeFile(text, 'utf8');
    await fh.chmod(0o600); // whatever the umask was
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

async function ensureDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
}

// ---- the handle -------------------------------------------------------------------------------

type Protection = { kind: 'passphrase'; passphrase: string } | { kind: 'none' };

class FileVault implements Vault {
  private ops: Op[] = [];

  constructor(
    readonly file: string,
    private scopes: Scopes,
    private dataKey: Buffer,
    /** Signature of the key block on disk that `dataKey` came from; undefined when no file yet. */
    private keySignature: string | undefined,
    private protection: Protection,
    private readonly kdf: ScryptParams,
    /** The passphrase the caller supplied, used to re-read the file if someone re-wrapped it. */
    private readonly passphrase: string | undefined,
  ) {}

  get locked(): boolean {
    return this.protection.kind === 'passphrase';
  }

  get exists(): boolean {
    return this.keySignature !== undefined;
  }

  get(key: string, set?: string): string | undefined {
    return this.scopes.get(scopeOf(set))?.get(key);
  }

  set(key: string, value: string, set?: string): void {
    assertKey(key);
    if (typeof value !== 'string') throw new TypeError('a variable value must be a string');
    const scope = scopeOf(set);
    applyOp(this.scopes, { kind: 'set', scope, key, value });
    this.ops.push({ kind: 'set', scope, key, value });
  }

  delete(key: string, set?: string): boolean {
    const scope = scopeOf(set);
    const had = this.scopes.get(scope)?.has(key) ?? false;
    if (had) {
      applyOp(this.scopes, { kind: 'delete', scope, key });
      this.ops.push({ kind: 'delete', scope, key });
    }
    return had;
  }

  keys(set?: string): string[] {
    return [...(this.scopes.get(scopeOf(set))?.keys() ?? [])].sort();
  }

  sets(): string[] {
    return [...this.scopes.keys()].filter((s) => s !== DEFAULT_SCOPE).sort();
  }

  setValues(set: string): Record<string, string> {
    return Object.fromEntries(this.scopes.get(scopeOf(set)) ?? []);
  }

  allValues(): string[] {
    const out = new Set<string>();
    for (const vars of this.scopes.values()) for (const v of vars.values()) out.add(v);
    return [...out];
  }

  save(): Promise<void> {
    return this.commit(undefined);
  }

  lock(passphrase: string): Promise<void> {
    if (passphrase.length < MIN_PASSPHRASE) {
      return Promise.reject(
        new VaultError(
          'VAULT_WEAK_PASSPHRASE',
          `the passphrase must be at least ${MIN_PASSPHRASE} characters long`,
        ),
      );
    }
    return this.commit({ kind: 'passphrase', passphrase });
  }

  unlock(): Promise<void> {
    return this.commit({ kind: 'none' });
  }

  /** Under the lock: re-read, replay our changes, apply a protection change, write. */
  private async commit(change: Protection | undefined): Promise<void> {
    const dir = join(this.file, '..');
    await ensureDir(dir);
    const lock = await acquireLock(join(dir, 'store.lock'));
    try {
      const loaded = await readStoreFile(this.file);
      let scopes: Scopes = new Map();
      let dataKey = this.dataKey;
      let protection = this.protection;
      let keyBlock: Pick<StoreFile, 'kdf' | 'data_key'> | undefined;
      if (loaded) {
        if (loaded.keySignature !== this.keySignature) {
          // Someone else created, re-wrapped or re-keyed the store since we opened it.
          dataKey = await unwrapDataKey(this.file, loaded.file, this.currentPassphrase());
          protection =
            loaded.file.protection === 'none'
              ? { kind: 'none' }
              : { kind: 'passphrase', passphrase: this.currentPassphrase()! };
        }
        scopes = decryptContents(this.file, loaded.file, dataKey);
        keyBlock = { kdf: loaded.file.kdf, data_key: loaded.file.data_key };
      }
      for (const op of this.ops) applyOp(scopes, op);

      if (change?.kind === 'passphrase') {
        // From unlocked to locked: the old data key was on disk in plain, so draw a new one.
        if (protection.kind === 'none') dataKey = randomKey();
        const kdf: KdfBlock = { name: 'scrypt', ...this.kdf, salt: randomSalt().toString('base64') };
        const kek = await deriveKey(change.passphrase, Buffer.from(kdf.salt, 'base64'), kdf);
        keyBlock = { kdf, data_key: { sealed: seal(kek, dataKey, keyAad(kdf)) } };
        protection = change;
      } else if (change?.kind === 'none' || !keyBlock) {
        if (protection.kind === 'passphrase' && !keyBlock) {
          // Unreachable in practice: a locked handle always came from a file.
          throw new VaultError('VAULT_CORRUPT', `the variable store ${this.file} disappeared while locked`);
        }
        keyBlock = { data_key: { plain: dataKey.toString('base64') } };
        protection = { kind: 'none' };
      }

      const contents: Contents = {
        scopes: Object.fromEntries([...scopes].map(([s, vars]) => [s, Object.fromEntries(vars)])),
      };
      const out: StoreFile = {
        format: FORMAT_NAME,
        version: FORMAT_VERSION,
        protection: protection.kind,
        ...(keyBlock.kdf ? { kdf: keyBlock.kdf } : {}),
        data_key: keyBlock.data_key,
        data: seal(dataKey, Buffer.from(JSON.stringify(contents), 'utf8'), dataAad(protection.kind)),
      };
      await writeAtomic(this.file, `${JSON.stringify(out, null, 2)}\n`);

      this.scopes = scopes;
      this.dataKey = dataKey;
      this.protection = protection;
      this.keySignature = JSON.stringify([out.protection, out.kdf ?? null, out.data_key]);
      this.ops = [];
    } finally {
      lock.release();
    }
  }

  private currentPassphrase(): string | undefined {
    return this.protection.kind === 'passphrase' ? this.protection.passphrase : this.passphrase;
  }
}

function scopeOf(set: string | undefined): string {
  if (set === undefined || set === DEFAULT_SCOPE) return DEFAULT_SCOPE;
  assertSetName(set);
  return set;
}

function applyOp(scopes: Scopes, op: Op): void {
  if (op.kind === 'set') {
    let vars = scopes.get(op.scope);
    if (!vars) {
      vars = new Map();
      scopes.set(op.scope, vars);
    }
    vars.set(op.key, op.value);
    return;
  }
  const vars = scopes.get(op.scope);
  vars?.delete(op.key);
  if (vars?.size === 0) scopes.delete(op.scope);
}

export function vaultFile(root: string): string {
  return join(root, 'vault', 'store.json');
}

/**
 * Opens the store under `<root>/vault/`. A store that does not exist yet opens empty and unlocked.
 * A locked store needs a passphrase (opts.passphrase, else GRIDCTL_VAULT_PASSPHRASE).
 */
export async function openVault(opts: OpenVaultOptions): Promise<Vault> {
  const env = opts.env ?? process.env;
  const fromEnv = env[PASSPHRASE_ENV];
  const passphrase = opts.passphrase ?? (fromEnv === '' ? undefined : fromEnv);
  const kdf = opts.kdf ?? DEFAULT_SCRYPT;
  if (!scryptParamsAcceptable(kdf)) throw coded('VAULT_CORRUPT', 'openVault: unsupported scrypt parameters');
  const file = vaultFile(opts.root);
  const loaded = await readStoreFile(file);
  if (!loaded) {
    return new FileVault(file, new Map(), randomKey(), undefined, { kind: 'none' }, kdf, passphrase);
  }
  const dataKey = await unwrapDataKey(file, loaded.file, passphrase);
  const scopes = decryptContents(file, loaded.file, dataKey);
  const protection: Protection =
    loaded.file.protection === 'none' ? { kind: 'none' } : { kind: 'passphrase', passphrase: passphrase! };
  return new FileVault(file, scopes, dataKey, loaded.keySignature, protection, kdf, passphrase);
}
