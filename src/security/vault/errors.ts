// Errors the store raises. Each has a stable code (src/errors/vault.ts, docs/errors.md) and a
// one-line message a person can act on; none ever contains a stored value or a passphrase.
import type { VAULT_ERRORS } from '../../errors/vault.js';

export type VaultErrorCode = keyof typeof VAULT_ERRORS;

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
