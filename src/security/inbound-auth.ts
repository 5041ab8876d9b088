// Inbound authentication for every route but the liveness/readiness probes: a bearer token or an
// API-key header, compared in constant time.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export interface InboundAuth {
  type: 'bearer' | 'api_key';
  token: string;
  /** Header carrying the key for api_key (default Authorization). */
  header?: string;
}

const OPEN_PATHS = new Set(['/health', '/ready']);

export function isOpenPath(pathname: string): boolean {
  return OPEN_PATHS.has(pathname);
}

/** True when the request carries the configured credential. */
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
  const b = createHash('sha256').update(auth.token).digest();
  return timingSafeEqual(a, b);
}

export function isLoopback(bind: string): boolean {
  return bind === 'localhost' || bind === '::1' || bind.startsWith('127.');
}
