// The two kinds of error src/ throws instead of a bare Error (test/errors/catalogue.test.ts fails on
// a new `throw new Error(`): a CodedError reaches a person or a client and carries a catalogue code;
// an InternalError is a bug or a control-flow signal of gridctl itself (no user can act on it).
// Neither sets `name`, so a message prints as before ("Error: ...").
import type { ISSUE_CODES } from './config.js';
import type { OperationErrorCode } from './operations.js';
import type { VAULT_ERRORS } from './vault.js';

export type CodedErrorCode = OperationErrorCode | keyof typeof ISSUE_CODES | keyof typeof VAULT_ERRORS;

export class CodedError extends Error {
  constructor(
    readonly code: CodedErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export function coded(code: CodedErrorCode, message: string): CodedError {
  return new CodedError(code, message);
}

export class InternalError extends Error {}

/** A programming error or an internal signal: never shown to a user as something to fix. */
export function internal(message: string): InternalError {
  return new InternalError(message);
}
