// The CLI's side of `gridctl auth`: finds the running stack that has an oauth server, and drives its
// daemon's /api/oauth routes (src/oauth/routes.ts). No token ever comes back from them.

import { coded } from '../errors/coded.js';
import type { OAuthServerView } from '../oauth/routes.js';
import type { HomePaths } from '../state/paths.js';
import type { DaemonState } from '../state/state-file.js';
import { apiGet, apiUrl, authHeaders, runningStates, TargetError } from './targets.js';

export interface StackOAuth {
  state: DaemonState;
  servers: OAuthServerView[];
}

/** The oauth servers of every running stack (or of the one named). */
export async function oauthServers(paths: HomePaths, stack?: string): Promise<StackOAuth[]> {
  let running = runningStates(paths);
  if (stack) running = running.filter((s) => s.stack_name === stack);
  if (running.length === 0)
    throw new TargetError(
      stack
        ? `stack '${stack}' is not running (see \`gridctl status\`)`
        : 'no stack is running (start one with `gridctl apply stack.yaml`)',
    );
  const out: StackOAuth[] = [];
  for (const state of running) {
    const { servers } = await apiGet<{ servers: OAuthServerView[] }>(state, '/api/oauth');
    out.push({ state, servers });
  }
  return out;
}

/** The running stack that has oauth server `server`; an error naming the choices otherwise. */
export async function stackOf(paths: HomePaths, server: string, stack?: string): Promise<DaemonState> {
  const all = await oauthServers(paths, stack);
  const holders = all.filter((s) => s.servers.some((v) => v.server === server));
  if (holders.length === 1) return holders[0]!.state;
  if (holders.length > 1)
    throw new TargetError(
      `several running stacks have a server '${server}' (${holders.map((h) => h.state.stack_name).join(', ')}); pass --stack`,
    );
  const known = all.flatMap((s) => s.servers.map((v) => v.server));
  throw new TargetError(
    `no running stack has a server '${server}' with auth: {type: oauth}${known.length ? ` (there are: ${known.join(', ')})` : ''}`,
  );
}

async function call<T>(state: DaemonState, method: string, path: string): Promise<T> {
  const res = await fetch(apiUrl(state, path), {
    method,
    headers: authHeaders(state),
    signal: AbortSignal.timeout(30_000),
  });
  const body = (await res.json()) as T | { error: { code: string; message: string } };
  if (body && typeof body === 'object' && 'error' in body)
    throw coded('DAEMON_REQUEST_FAILED', body.error.message);
  return body as T;
}

export function beginLogin(state: DaemonState, server: string): Promise<{ url: string; expires_at: string }> {
  return call(state, 'POST', `/api/oauth/${encodeURIComponent(server)}/login`);
}

export function serverView(state: DaemonState, server: string): Promise<OAuthServerView> {
  return call(state, 'GET', `/api/oauth/${encodeURIComponent(server)}`);
}

export function logout(state: DaemonState, server: string): Promise<OAuthServerView> {
  return call(state, 'DELETE', `/api/oauth/${encodeURIComponent(server)}`);
}

/** Polls until the server holds a grant, or the deadline passes (then undefined). */
export async function waitAuthorized(
  state: DaemonState,
  server: string,
  timeoutMs: number,
): Promise<OAuthServerView | undefined> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const v = await serverView(state, server).catch(() => undefined);
    if (v?.authorized) return v;
    await new Promise((r) => setTimeout(r, 500));
  }
  return undefined;
}
