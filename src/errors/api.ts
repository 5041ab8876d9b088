// Codes of the REST API's error body {"error": {"code", "message"}} and the HTTP status each has.
// They are lower case: the API's own spelling since its first release, kept for its clients.
import type { CodeEntry } from './entry.js';

export const API_ERRORS = {
  bad_request: { http: 400, summary: 'The request is malformed (body, parameter, method arguments).' },
  reload_failed: { http: 400, summary: 'A reload of the stack file failed; the message says why.' },
  unauthorized: { http: 401, summary: 'Inbound auth is on and the request has no valid credentials.' },
  forbidden: {
    http: 403,
    summary:
      'A `Host` or browser `Origin` that is not loopback or allowed (DNS-rebinding and cross-site defence, as on `/mcp`), or a reveal without inbound auth.',
  },
  insufficient_scope: {
    http: 403,
    summary: 'The bearer token is valid but lacks a scope `gateway.auth` requires (RFC 6750).',
  },
  not_found: { http: 404, summary: 'No such route, stack, server, skill or variable.' },
  method_not_allowed: { http: 405, summary: 'The route does not take this method.' },
  conflict: {
    http: 409,
    summary: 'The change conflicts with what is there (an existing name, no drift to approve).',
  },
  stack_modified: { http: 409, summary: 'The stack file changed on disk since it was read; reload it.' },
  invalid_stack: {
    http: 422,
    summary: 'The stack (edited or saved) does not validate; the answer carries the issues.',
  },
  vault_locked: {
    http: 423,
    summary: 'The variable store is locked and the daemon has no or a wrong `GRIDCTL_VAULT_PASSPHRASE`.',
  },
  internal: {
    http: 500,
    summary: 'A failure of the gateway itself (a pins file it cannot read or write, a bug).',
  },
  no_stack: { http: 503, summary: 'No stack is loaded, or this gateway cannot reload.' },
} as const satisfies Record<string, CodeEntry & { http: number }>;

export type ApiErrorCode = keyof typeof API_ERRORS;
