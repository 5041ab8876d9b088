// Reading the reference gridctl's variable store, for `var import --from-reference`. Its plaintext
// file (`secrets.json`, store version 2) is plain JSON and is read here. Its encrypted file
// (`secrets.enc`) is sealed with Argon2id and XChaCha20-Poly1305: Node 20's crypto has neither and
// no installed package provides them, so it is refused with what to do instead, never guessed at.
import { existsSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
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

export function parseReferenceVault(text: string, file: string): ReferenceVariable[] {
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
    throw new VaultError(
      'VAULT_REFERENCE_ENCRYPTED',
      `${file} is the reference's encrypted vault (Argon2id and XChaCha20-Poly1305, which this gridctl cannot decrypt with Node's crypto); with the reference, run \`gridctl var export --format env --plain > vars.env\`, then \`gridctl var import vars.env\` here and delete vars.env [VAULT_REFERENCE_ENCRYPTED]`,
    );
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
