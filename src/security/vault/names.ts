// Variable and set names. Keys follow the stack file's `${var:KEY}` grammar so every stored key can
// be referenced; set names are a little looser (dashes and dots read well: `github-prod`).
import { VaultError } from './errors.js';

const KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
const SET = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/;

export function isValidKey(key: string): boolean {
  return KEY.test(key);
}

export function assertKey(key: string): void {
  if (!isValidKey(key)) {
    throw new VaultError(
      'VAULT_INVALID_KEY',
      `invalid variable name ${JSON.stringify(key)}: use letters, digits and underscores, not starting with a digit (like API_TOKEN)`,
    );
  }
}

export function assertSetName(name: string): void {
  if (!SET.test(name)) {
    throw new VaultError(
      'VAULT_INVALID_SET',
      `invalid set name ${JSON.stringify(name)}: use up to 64 letters, digits, '_', '-' or '.', not starting with '-' or '.'`,
    );
  }
}
