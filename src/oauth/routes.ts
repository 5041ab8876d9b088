// The daemon's OAuth routes:
//   GET    /oauth/callback?state&code   where the browser comes back after signing in; open (the
//                                       browser has no gridctl token), authenticated by the
//                                       single-use state of one `auth login` attempt
//   GET    /api/oauth                   every oauth server: grant kind, authorized or not, expiry
//   POST   /api/oauth/{server}/login    starts a sign-in: {url, expires_at}
//   DELETE /api/oauth/{server}          revokes (best effort) and forgets the grant (`auth logout`); the
//                                       server needs auth again
// No answer ever holds a token.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from '../api/errors.js';
import type { Logger } from '../logging/logger.js';
import type { OAuthHub } from './hub.js';

export interface OAuthRouteDeps {
  hub: OAuthHub;
  /** Reconnects a server (after a sign-in or a sign-out). */
  restartServer(name: string): Promise<void>;
  /** The gateway's state of a server, for the listing. */
  serverState(name: string): string | undefined;
  logger: Logger;
}

export interface OAuthServerView {
  server: string;
  grant: 'authorization_code' | 'client_credentials';
  authorized: boolean;
  state?: string;
  issuer?: string;
  scope?: string;
  /** ISO time the access token expires. */
  expires_at?: string;
  refreshable: boolean;
}

const LOGIN_WINDOW_MS = 5 * 60_000;

export function createOAuthRoutes(d: OAuthRouteDeps) {
  const view = (name: string): OAuthServerView | undefined => {
    const c = d.hub.get(name);
    if (!c) return undefined;
    const g = d.hub.store.grant(c.cfg.url);
    const t = g?.tokens;
    return {
      server: name,
      grant: c.cfg.grant,
      authorized: c.hasGrant(),
      state: d.serverState(name),
      issuer: g?.issuer,
      scope: t?.scope,
      expires_at: t?.expires_at ? new Date(t.expires_at).toISOString() : undefined,
      refreshable: Boolean(t?.refresh_token),
    };
  };

  const callback = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const q = new URL(req.url ?? '/', 'http://localhost').searchParams;
    const state = q.get('state') ?? '';
    const client = state ? d.hub.byState(state) : undefined;
    if (!client) {
      page(
        res,
        400,
        'Sign-in not recognised',
        'This sign-in link is unknown or has expired. Run `gridctl auth login` again.',
      );
      return;
    }
    const name = client.cfg.server;
    const error = q.get('error');
    const code = q.get('code');
    if (error || !code) {
      const why = `${error ?? 'no code'}${q.get('error_description') ? `: ${q.get('error_description')}` : ''}`;
      client.abandonLogin(why);
      page(res, 400, 'Sign-in refused', `The authorization server answered ${why}.`);
      return;
    }
    try {
      await client.completeLogin(state, code);
    } catch (err) {
      const why = (err as Error).message;
      d.logger.warn(`OAuth sign-in of '${name}' failed: ${why}`);
      page(res, 502, 'Sign-in failed', `Exchanging the code failed: ${why}`);
      return;
    }
    d.logger.info(`OAuth sign-in of '${name}' succeeded; reconnecting it`);
    page(res, 200, 'Signed in', `gridctl is signed in to ${name}. You can close this tab.`);
    d.restartServer(name).catch((err: unknown) =>
      d.logger.warn(`reconnecting '${name}' after sign-in: ${(err as Error).message}`),
    );
  };

  const api = async (req: IncomingMessage, res: ServerResponse, path: string): Promise<void> => {
    let parts: string[];
    try {
      parts = path.split('/').slice(3).map(decodeURIComponent); // ['', 'api', 'oauth', ...]
    } catch {
      sendJson(res, 400, { error: { code: 'bad_request', message: `malformed path ${path}` } });
      return;
    }
    if (parts.at(-1) === '') parts.pop();
    if (parts.length === 0 && req.method === 'GET') {
      sendJson(res, 200, { servers: d.hub.names().map((n) => view(n)) });
      return;
    }
    const [name, action] = parts;
    const client = name ? d.hub.get(name) : undefined;
    if (!client || !name) {
      const known = d.hub.names();
      sendJson(res, 404, {
        error: {
          code: 'not_found',
          message: `no server '${name ?? ''}' with auth: {type: oauth}${known.length ? ` (there are: ${known.join(', ')})` : ''}`,
        },
      });
      return;
    }
    if (action === 'login' && req.method === 'POST') {
      if (client.cfg.grant === 'client_credentials') {
        sendJson(res, 400, {
          error: {
            code: 'bad_request',
            message: `'${name}' uses grant: client_credentials: it signs in by itself`,
          },
        });
        return;
      }
      try {
        const url = await client.beginLogin(LOGIN_WINDOW_MS);
        sendJson(res, 200, {
          server: name,
          url: url.href,
          expires_at: new Date(Date.now() + LOGIN_WINDOW_MS).toISOString(),
        });
      } catch (err) {
        sendJson(res, 502, {
          error: { code: (err as { code?: string }).code ?? 'oauth', message: (err as Error).message },
        });
      }
      return;
    }
    if (action === undefined && req.method === 'GET') {
      sendJson(res, 200, view(name));
      return;
    }
    if (action === undefined && req.method === 'DELETE') {
      await client.logout();
      await d.restartServer(name).catch(() => undefined);
      sendJson(res, 200, view(name));
      return;
    }
    sendJson(res, 405, { error: { code: 'method_not_allowed', message: `${req.method} ${path}` } });
  };

  return { callback, api };
}

function page(res: ServerResponse, status: number, title: string, text: string): void {
  const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'content-security-policy': "default-src 'none'",
    'referrer-policy': 'no-referrer',
  });
  res.end(
    `<!doctype html><meta charset="utf-8"><title>gridctl: ${esc(title)}</title><h1>${esc(title)}</h1><p>${esc(text)}</p>`,
  );
}
