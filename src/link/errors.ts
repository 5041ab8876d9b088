// Errors of link, unlink and import. Each has a stable code (src/errors/link.ts, docs/errors.md) and
// a message that names the file and how to go on.
import type { LINK_ERRORS } from '../errors/link.js';

export type LinkErrorCode = keyof typeof LINK_ERRORS;

export class LinkError extends Error {
  constructor(
    readonly code: LinkErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'LinkError';
  }
}
