// Inbound authentication for every route but the liveness/readiness probes: a bearer token or an
// API-key header, compared in constant time.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export interface InboundAuth {
  type: 'bearer' | 'api_key';
  token: string;
  /** Header carrying the key for api_key (default Authorization). */
  header?: string;
  /** gateway.auth.client_tokens: client id → a token that also names the client presenting it. */
  clientTokens?: Readonly<Record<string, string>>;
}

/** The client named by the token a request presented (see clientTokens). */
const tokenClients = new WeakMap<IncomingMessage, string>();

/** The client id the request's token is bound to, if it used one of `clientTokens`. */
export function tokenClientOf(req: IncomingMessage): string | undefined {
  return tokenClients.get(req);
}

/** Names the client of a request whose identity came from elsewhere (an OAuth token's claim). */
export function bindTokenClient(req: IncomingMessage, client: string): void {
  tokenClients.set(req, client);
}

const OPEN_PATHS = new Set(['/health', '/ready']);

export function isOpenPath(pathname: string): boolean {
  return OPEN_PATHS.has(pathname);
}

/**
 * True when the request carries the configured credential, or one of the client tokens (whose
 * client is then remembered for the request: tokenClientOf).
 */
export function authorized(req: IncomingMessage, auth: InboundAuth): boolean {
  const headerName = (
    auth.type === 'bearer' ? 'authorization' : (auth.header ?? 'authorization')
  ).toLowerCase();
  const raw = req.headers[headerName];
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (value === undefined) return false;
  const presented = auth.type === 'bearer' ? /^Bearer\s+(.+)$/i.exec(value)?.[1] : value;
  if (presented === undefined) return false;
  // Hash both sides so the comparison takes the same time whatever the lengths.
  const a = createHash('sha256').update(presented).digest();
  const same = (token: string) => timingSafeEqual(a, createHash('sha256').update(token).digest());
  if (same(auth.token)) return true;
  for (const [client, token] of Object.entries(auth.clientTokens ?? {})) {
    if (same(token)) {
      tokenClients.set(req, client);
      return true;
    }
  }
  return false;
}

export function isLoopback(bind: string): boolean {
  return bind === 'localhost' || bind === '::1' || bind.startsWith('127.');
}
