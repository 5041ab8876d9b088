// Errors of signing in to upstream servers. A server whose sign-in fails is `failed` (retried with
// the usual backoff) except one that waits for a person (`needs auth`); the reason ends with the code.
import type { CodeEntry } from './entry.js';

export const OAUTH_ERRORS = {
  OAUTH_DISCOVERY_FAILED: {
    summary: 'No usable protected-resource or authorization-server metadata; the reason names what failed.',
  },
  OAUTH_TOKEN_REFUSED: {
    summary: 'The authorization server refused the token request (e.g. `invalid_client`: check the secret).',
  },
  OAUTH_UNSAFE_TARGET: {
    summary: 'Discovery pointed at an address gridctl does not contact ([oauth.md](oauth.md)).',
  },
  OAUTH_NEEDS_AUTH: {
    summary: 'No grant, or it was revoked: run `gridctl auth login <server>` (state `needs auth`).',
  },
} as const satisfies Record<string, CodeEntry>;
export type OAuthErrorCode = keyof typeof OAUTH_ERRORS;
