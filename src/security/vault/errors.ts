// Errors the store raises. Each has a stable code and a one-line message a person can act on; none
// ever contains a stored value or a passphrase.
export type VaultErrorCode =
  | 'VAULT_LOCKED'
  | 'VAULT_BAD_PASSPHRASE'
  | 'VAULT_CORRUPT'
  | 'VAULT_NEWER_FORMAT'
  | 'VAULT_INVALID_KEY'
  | 'VAULT_INVALID_SET'
  | 'VAULT_WEAK_PASSPHRASE'
  /** `var set --type T` with a value that is not a T. */
  | 'VAULT_TYPE_MISMATCH'
  /** `var set --type list`: the reference's list encoding is not documented. */
  | 'VAULT_TYPE_UNSUPPORTED'
  /** `var set --plaintext`: this store masks every value. */
  | 'VAULT_PLAINTEXT_UNSUPPORTED'
  /** `var import --from-reference` of the reference's encrypted secrets.enc with no passphrase. */
  | 'VAULT_REFERENCE_ENCRYPTED'
  /** `var import --from-reference`: the passphrase does not open the reference's secrets.enc. */
  | 'VAULT_REFERENCE_BAD_PASSPHRASE'
  /** `var import --from-reference` of a file that is not the reference's plaintext store. */
  | 'VAULT_REFERENCE_UNREADABLE';

export class VaultError extends Error {
  constructor(
    readonly code: VaultErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'VaultError';
  }
}

export function isVaultError(err: unknown, code?: VaultErrorCode): err is VaultError {
  return err instanceof VaultError && (code === undefined || err.code === code);
}
