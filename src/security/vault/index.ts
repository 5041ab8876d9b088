// The encrypted variable store: public API. Other packages import only from here.
//
//   openVault({ root, env?, passphrase?, kdf? }) → Promise<Vault>
//     root        GRIDCTL_HOME root; the store is <root>/vault/store.json (0600, folder 0700)
//     env         where GRIDCTL_VAULT_PASSPHRASE is read (default process.env)
//     passphrase  wins over GRIDCTL_VAULT_PASSPHRASE
//     kdf         scrypt cost for new key wraps; lower it in tests only (default N=2^17, r=8, p=1)
//     A missing store opens empty and unlocked. A locked store without a passphrase rejects with
//     VaultError VAULT_LOCKED ("… set GRIDCTL_VAULT_PASSPHRASE to unlock it"); a wrong one with
//     VAULT_BAD_PASSPHRASE; a modified or damaged file with VAULT_CORRUPT; a file from a newer
//     gridctl with VAULT_NEWER_FORMAT. None of these change the file.
//
//   Vault
//     locked: boolean                       the data key is sealed under a passphrase
//     file: string; exists: boolean         where it lives; whether it has been saved yet
//     get(key, set?) → string | undefined   set omitted = the default scope (no set)
//     set(key, value, set?)                 key must match [A-Za-z_][A-Za-z0-9_]* (VAULT_INVALID_KEY)
//     delete(key, set?) → boolean
//     keys(set?) → string[]                 sorted
//     sets() → string[]                     named sets holding at least one key, sorted
//     setValues(set) → Record<string,string> what `secrets.sets: [set]` injects as env
//     allValues() → string[]                every value in every scope, for redactor()
//     save() → Promise<void>                atomic, under vault/store.lock; merges onto the file as it
//                                           is now, so concurrent writers lose no write
//     lock(passphrase) / unlock()           set or change / remove the passphrase, then save
//
//   resolverFor(vault) → { get(key) }       for loadStack(file, { resolver }): `${var:KEY}` reads the
//                                           default scope, else the one named set holding KEY
//                                           (a key held by several sets and not the default scope
//                                           is ambiguous and resolves to undefined)
//   redactor(values) → (text) => text       replaces each value (length ≥ 4), also embedded and
//                                           JSON-escaped, with "[REDACTED]"; longest first
//   parseDotenv(text) / formatDotenv(vars)  the .env format of `var import` / `var export`
//   VaultError, isVaultError(err, code?)    errors with stable codes; messages never hold values
//
// Scopes: a key lives either in the default scope or in a named set; the same key may exist in
// several sets with different values (e.g. TOKEN in `github` and in `gitlab`).
import type { Vault } from './store.js';

export { DEFAULT_SCRYPT, type ScryptParams } from './crypto.js';
export { type DotenvEntry, DotenvError, formatDotenv, formatDotenvLine, parseDotenv } from './dotenv.js';
export { isVaultError, VaultError, type VaultErrorCode } from './errors.js';
export { assertKey, assertSetName, isValidKey } from './names.js';
export { MIN_REDACT_LENGTH, REDACTED, redactor } from './redact.js';
export {
  isReferenceEncrypted,
  parseReferenceVault,
  REFERENCE_PASSPHRASE_ENV,
  type ReferenceVariable,
  referenceVaultDir,
  referenceVaultFile,
} from './reference.js';
export {
  FORMAT_VERSION,
  type OpenVaultOptions,
  openVault,
  PASSPHRASE_ENV,
  type Vault,
  vaultFile,
} from './store.js';

export function resolverFor(vault: Vault): { get(key: string): string | undefined } {
  return {
    get(key: string): string | undefined {
      const direct = vault.get(key);
      if (direct !== undefined) return direct;
      let found: string | undefined;
      let holders = 0;
      for (const set of vault.sets()) {
        const v = vault.get(key, set);
        if (v !== undefined) {
          holders++;
          found = v;
        }
      }
      return holders === 1 ? found : undefined;
    },
  };
}
