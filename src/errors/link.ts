// Errors of `gridctl link`, `unlink` and `import`: each message names the file and how to go on.
import type { CodeEntry } from './entry.js';

export const LINK_ERRORS = {
  LINK_UNKNOWN_CLIENT: {
    summary: "The client slug is not one of the table's (the message suggests the nearest).",
  },
  LINK_CONFLICT: {
    summary: 'The entry exists and gridctl did not write it, or it was edited since; `--force` overrides.',
  },
  LINK_UNREADABLE: {
    summary: "The client's file does not parse; the message names the line. Nothing is written.",
  },
  IMPORT_INVALID: { summary: 'The stack file would not validate after the import; nothing is written.' },
} as const satisfies Record<string, CodeEntry>;
