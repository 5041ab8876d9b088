// Errors and warnings of gridctl's own home, state and logs.
import type { CodeEntry } from './entry.js';

export const RUNTIME_ERRORS = {
  HOME_PATH_INVALID: {
    summary:
      'A stack or server name (from the command line or a state file) that cannot name a file under the home.',
  },
  LOG_FILE_UNWRITABLE: {
    severity: 'warning',
    summary: "A server's log file cannot be written; its lines stay in the daemon log.",
  },
  TOKENIZER_FALLBACK: {
    severity: 'warning',
    summary: '`tokenizer: api` cannot count (no key, an error); counting with the embedded cl100k_base.',
  },
} as const satisfies Record<string, CodeEntry>;
export type RuntimeErrorCode = keyof typeof RUNTIME_ERRORS;
