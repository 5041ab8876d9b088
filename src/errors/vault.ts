// Errors of the variable store (`gridctl var`, apply, the API). No message ever contains a stored
// value or a passphrase.
import type { CodeEntry } from './entry.js';

export const VAULT_ERRORS = {
  VAULT_LOCKED: {
    summary: 'The store has a passphrase and none was given (`GRIDCTL_VAULT_PASSPHRASE` or a prompt).',
  },
  VAULT_BAD_PASSPHRASE: {
    summary: 'The passphrase is wrong, or the key block was altered; nothing is changed.',
  },
  VAULT_CORRUPT: {
    summary: 'The store file cannot be read, is damaged or was modified; nothing is changed.',
  },
  VAULT_NEWER_FORMAT: { summary: 'The store was written by a newer gridctl; the file is left untouched.' },
  VAULT_INVALID_KEY: { summary: 'A variable name that is not letters, digits and underscores.' },
  VAULT_INVALID_SET: { summary: 'A set name that is not allowed.' },
  VAULT_WEAK_PASSPHRASE: { summary: 'A new passphrase shorter than 8 characters.' },
  VAULT_TYPE_MISMATCH: {
    summary: '`var set --type T` with a value that is not a T (the value is not shown).',
  },
  VAULT_TYPE_UNSUPPORTED: {
    summary: "`var set --type list`: the reference's list encoding is not documented.",
  },
  VAULT_PLAINTEXT_UNSUPPORTED: { summary: '`var set --plaintext`: this store masks every value.' },
  VAULT_REFERENCE_ENCRYPTED: {
    summary: "`var import --from-reference` of the reference's encrypted `secrets.enc` with no passphrase.",
  },
  VAULT_REFERENCE_BAD_PASSPHRASE: {
    summary: "`var import --from-reference`: the passphrase does not open the reference's `secrets.enc`.",
  },
  VAULT_REFERENCE_UNREADABLE: {
    summary: "`var import --from-reference` of a file that is not the reference's plaintext store.",
  },
} as const satisfies Record<string, CodeEntry>;
