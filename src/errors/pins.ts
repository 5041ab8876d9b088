// Errors of the schema pins (`gridctl pins`, /api/pins). The API answers them with the API code
// named here (and its HTTP status).
import type { ApiErrorCode } from './api.js';

export const PIN_ERRORS = {
  unknown_server: { api: 'not_found', summary: 'No pins and no tools known for that server.' },
  nothing_to_approve: { api: 'conflict', summary: 'The server has no drift to approve.' },
  hash_mismatch: {
    api: 'conflict',
    summary: 'The drift changed since it was reviewed (the `expect` hash differs); review it again.',
  },
  disabled: { api: 'conflict', summary: 'Schema pinning is off for the stack or the server.' },
  file: {
    api: 'internal',
    summary: 'The pins file cannot be read or written, or is not a gridctl pins file.',
  },
} as const satisfies Record<string, { api: ApiErrorCode; summary: string }>;

export type PinErrorCode = keyof typeof PIN_ERRORS;
