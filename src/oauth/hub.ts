// The daemon's OAuth clients, one per `auth: {type: oauth}` server, over one sealed store. The
// registrar asks it for a server's client (kept across restarts and reloads while the server's
// URL and auth block stay the same), and `auth login` / the callback route find it by name.
import type { McpServer } from '../config/index.js';
import { OAuthStore } from './store.js';
import { UpstreamOAuth } from './upstream.js';

export class OAuthHub {
  readonly store: OAuthStore;
  private readonly clients = new Map<string, { key: string; client: UpstreamOAuth }>();
  /** The daemon's /oauth/callback, known once it listens. */
  callbackUrl: string | undefined;

  constructor(root: string) {
    this.store = new OAuthStore(root);
  }

  /** The OAuth client of an oauth server (undefined for any other). */
  forServer(server: McpServer): UpstreamOAuth | undefined {
    const a = server.auth;
    if (a?.type !== 'oauth' || !server.url) return undefined;
    const key = JSON.stringify([server.url, a]);
    const known = this.clients.get(server.name);
    if (known?.key === key) return known.client;
    const client = new UpstreamOAuth(
      {
        server: server.name,
        url: server.url,
        grant: a.grant ?? 'authorization_code',
        clientId: a.client_id,
        clientSecret: a.client_secret,
        scopes: a.scopes,
        redirectUrl: () => this.callbackUrl,
      },
      this.store,
    );
    this.clients.set(server.name, { key, client });
    return client;
  }

  get(name: string): UpstreamOAuth | undefined {
    return this.clients.get(name)?.client;
  }

  names(): string[] {
    return [...this.clients.keys()].sort();
  }

  /** The client whose sign-in `state` belongs to. */
  byState(state: string): UpstreamOAuth | undefined {
    for (const { client } of this.clients.values()) if (client.ownsState(state)) return client;
    return undefined;
  }
}
