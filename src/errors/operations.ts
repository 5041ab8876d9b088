// Errors of starting servers, running stacks and the commands around them: the failure reason of a
// server, a CLI error, an error the code-mode sandbox sees. The message says what and how to go on.
import type { CodeEntry } from './entry.js';

export const OPERATION_ERRORS = {
  SERVER_NAME_INVALID: {
    summary: 'A server name the gateway cannot serve (characters, `__`, a trailing `_`).',
  },
  SERVER_UNKNOWN: { summary: 'No server of that name in the running stack.' },
  UPSTREAM_SPEC_INVALID: {
    summary: "A server's settings cannot start it (an empty command, a bad url, an unsafe ssh field).",
  },
  SERVER_START_FAILED: { summary: "A server's process or container cannot be set up; the reason says why." },
  CONTAINER_GONE: { summary: "A server's container disappeared; run `gridctl apply` again." },
  CONTAINERS_UNAVAILABLE: { summary: 'This gateway has no container engine to manage containers with.' },
  PORT_EXHAUSTED: { summary: 'No free host port from the base port up.' },
  OPENAPI_SPEC_INVALID: {
    summary: 'The OpenAPI spec cannot be read or parsed, or its version is not supported.',
  },
  OPENAPI_SPEC_UNREACHABLE: {
    summary: 'The OpenAPI spec URL cannot be fetched, is not a spec, or is too large.',
  },
  OPENAPI_BASE_URL_INVALID: { summary: 'No usable base URL for the API: set `openapi.baseUrl`.' },
  OPENAPI_AUTH_FAILED: {
    summary: "The API's credentials are missing (an unset variable) or its OAuth token request failed.",
  },
  OPENAPI_TLS_INVALID: { summary: '`openapi.tls` files that cannot be read or do not fit together.' },
  CODE_MODE_FETCH_REFUSED: { summary: 'Code mode: `fetch` of a URL that is not https or not allowed.' },
  CODE_MODE_FETCH_FAILED: {
    summary: 'Code mode: `fetch` failed, redirected too often or answered too much.',
  },
  CODE_MODE_TOOL_FAILED: { summary: 'Code mode: a tool called from the script failed or answered an error.' },
  OAUTH_STORE_INVALID: { summary: 'The OAuth token store or its key file is damaged or missing.' },
  OAUTH_JWKS_MISSING: {
    summary: "The identity provider's metadata has no `jwks_uri`: set `gateway.auth.jwks_uri`.",
  },
  OAUTH_LOGIN_NOT_PENDING: { summary: 'A sign-in callback arrived with no sign-in in progress.' },
  OAUTH_SERVER_UNKNOWN: { summary: 'No running stack has an OAuth server of that name.' },
  STATE_LOCKED: {
    summary: 'Another gridctl command holds the lock on a state file; try again when it finishes.',
  },
  STATE_NEWER: { summary: 'A state file was written by a newer gridctl; use that version.' },
  STACK_NO_APPLIED_SPEC: { summary: 'The running stack recorded no applied spec; re-apply it.' },
  STACK_RELOAD_FAILED: { summary: 'The running stack refused the reload; the message says why.' },
  DAEMON_START_FAILED: { summary: 'The background gateway process cannot be started.' },
  DAEMON_REQUEST_FAILED: { summary: "The running stack's API answered an error to a command." },
  LINK_LEDGER_UNREADABLE: {
    summary: 'The record of the entries gridctl linked cannot be read; move it away.',
  },
  CLI_USAGE: { summary: 'A command line that does not say what to do (a bad flag value, a missing name).' },
} as const satisfies Record<string, CodeEntry>;

export type OperationErrorCode = keyof typeof OPERATION_ERRORS;
