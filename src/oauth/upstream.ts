// gridctl as the OAuth client of one remote MCP server (`auth: {type: oauth}`). The protocol steps
// (discovery from the 401 challenge through RFC 9728 and RFC 8414 / OIDC metadata, dynamic
// registration, PKCE, RFC 8707 `resource`, refresh) are the MCP SDK's client helpers; this class
// is the OAuthClientProvider they call back into, backed by the sealed store, and the hook the
// streamable HTTP upstream asks for an Authorization header and tells about a 401.
import { randomBytes } from 'node:crypto';
import type { OAuthDiscoveryState } from '@modelcontextprotocol/sdk/client/auth.js';
import {
  auth,
  discoverAuthorizationServerMetadata,
  extractWWWAuthenticateParams,
  type OAuthClientProvider,
} from '@modelcontextprotocol/sdk/client/auth.js';
import type {
  OAuthClientInformationMixed,
  OAuthClientMetadata,
  OAuthTokens,
} from '@modelcontextprotocol/sdk/shared/auth.js';
import { coded } from '../errors/coded.js';
import type { OAuthErrorCode } from '../errors/oauth.js';
import type { UpstreamAuth } from '../upstream/types.js';
import { safeFetch, UnsafeTargetError } from './safe-fetch.js';
import type { OAuthStore, StoredTokens } from './store.js';

export type OAuthGrant = 'authorization_code' | 'client_credentials';

export interface UpstreamOAuthConfig {
  /** The stack server's name. */
  server: string;
  /** Its MCP endpoint: the resource tokens are asked for. */
  url: string;
  grant: OAuthGrant;
  clientId?: string;
  clientSecret?: string;
  scopes?: string[];
  /** authorization_code: where the browser comes back (the daemon's /oauth/callback). */
  redirectUrl?: () => string | undefined;
}

/** The server needs a person to sign in (`gridctl auth login <server>`); not a failure of it. */
export class NeedsAuthError extends Error {
  readonly code = 'OAUTH_NEEDS_AUTH' satisfies OAuthErrorCode;
  constructor(message: string) {
    super(`${message} [OAUTH_NEEDS_AUTH]`);
  }
}

/** Every OAuth failure that reaches a user, with a stable code. */
export class OAuthError extends Error {
  constructor(
    readonly code: Exclude<OAuthErrorCode, 'OAUTH_NEEDS_AUTH'>,
    message: string,
  ) {
    // The code travels in the text too: status and logs show only the message.
    super(`${message} [${code}]`);
  }
}

/** Refresh this long before expiry (or at half the lifetime of a token shorter than twice that). */
const REFRESH_EARLY_MS = 30_000;

/** An authorization started by `auth login`, waiting for the browser to come back. */
interface PendingLogin {
  state: string;
  verifier?: string;
  url?: URL;
  expiresAt: number;
}

export class UpstreamOAuth implements OAuthClientProvider, UpstreamAuth {
  private discovery: OAuthDiscoveryState | undefined;
  private resourceMetadataUrl: URL | undefined;
  private challengeScope: string | undefined;
  private renewing: Promise<void> | undefined;
  private pending: PendingLogin | undefined;
  /** Only the run that `beginLogin` starts may set the attempt's URL and verifier. */
  private capturing = false;

  constructor(
    readonly cfg: UpstreamOAuthConfig,
    private readonly store: OAuthStore,
  ) {}

  // ---- the upstream's hook

  async authorization(): Promise<string | undefined> {
    let t = this.storedTokens();
    if (t && expiring(t)) {
      await this.renew();
      t = this.storedTokens();
    }
    return t ? `Bearer ${t.access_token}` : undefined;
  }

  async unauthorized(res: Response): Promise<void> {
    const { resourceMetadataUrl, scope } = extractWWWAuthenticateParams(res);
    if (resourceMetadataUrl) this.resourceMetadataUrl = resourceMetadataUrl;
    if (scope) this.challengeScope = scope;
    // The token we sent (if any) was refused: drop it, keep a refresh token to try first.
    this.store.updateGrant(this.cfg.url, (g) =>
      g?.tokens ? { ...g, tokens: { ...g.tokens, access_token: '', expires_at: 0 } } : g,
    );
    await this.renew();
  }

  /** One token request at a time, whoever asks. */
  private renew(): Promise<void> {
    this.renewing ??= this.run().finally(() => {
      this.renewing = undefined;
    });
    return this.renewing;
  }

  private async run(authorizationCode?: string): Promise<void> {
    // The SDK falls back past a metadata fetch that failed; a refused target must still be said.
    let refused: UnsafeTargetError | undefined;
    const fetchFn = (url: string | URL, init?: RequestInit) =>
      safeFetch(url, init).catch((err: unknown) => {
        if (err instanceof UnsafeTargetError) refused ??= err;
        throw err;
      });
    let result: string;
    try {
      result = await auth(this, {
        serverUrl: this.cfg.url,
        resourceMetadataUrl: this.resourceMetadataUrl,
        scope: this.cfg.scopes?.join(' ') || this.challengeScope,
        authorizationCode,
        fetchFn,
      });
    } catch (err) {
      if (err instanceof NeedsAuthError) throw err;
      if (refused) throw new OAuthError('OAUTH_UNSAFE_TARGET', `OAuth discovery: ${refused.message}`);
      const m = (err as Error).message;
      const where = this.discovery
        ? `authorization server ${this.discovery.authorizationServerUrl}`
        : 'discovery';
      throw new OAuthError(
        this.discovery ? 'OAUTH_TOKEN_REFUSED' : 'OAUTH_DISCOVERY_FAILED',
        `OAuth ${where}: ${m}`,
      );
    }
    if (result === 'REDIRECT') {
      throw new NeedsAuthError(`needs authorization: run \`gridctl auth login ${this.cfg.server}\``);
    }
  }

  // ---- `auth login` (authorization code + PKCE)

  /** Starts a sign-in: the URL to open in a browser; the attempt is valid for `windowMs`. */
  async beginLogin(windowMs = 5 * 60_000): Promise<URL> {
    this.pending = { state: randomBytes(24).toString('base64url'), expiresAt: Date.now() + windowMs };
    // Drop the access token but not a registration: auth() then asks for a new authorization.
    this.store.updateGrant(this.cfg.url, (g) => (g ? { ...g, tokens: undefined } : g));
    this.capturing = true;
    try {
      await this.run();
    } catch (err) {
      if (!(err instanceof NeedsAuthError)) throw err;
    } finally {
      this.capturing = false;
    }
    const url = this.pending?.url;
    if (!url)
      throw new OAuthError('OAUTH_TOKEN_REFUSED', `server "${this.cfg.server}": no authorization URL`);
    return url;
  }

  /** The browser came back with `code` for `state`: exchange it. False when no attempt matches. */
  async completeLogin(state: string, code: string): Promise<boolean> {
    const p = this.pending;
    if (!p || p.state !== state || Date.now() > p.expiresAt) return false;
    try {
      await this.run(code);
    } finally {
      this.pending = undefined;
    }
    return true;
  }

  /** The browser came back with an error: the attempt is over. */
  abandonLogin(_why: string): void {
    this.pending = undefined;
  }

  ownsState(state: string): boolean {
    return this.pending?.state === state && Date.now() <= this.pending.expiresAt;
  }

  hasGrant(): boolean {
    return this.storedTokens() !== undefined;
  }

  /**
   * Forgets the grant, after asking the authorization server to revoke it (RFC 7009) when it
   * offers that: best effort, a refusal or an unreachable server does not keep the grant.
   */
  async logout(): Promise<void> {
    const g = this.store.grant(this.cfg.url);
    this.store.updateGrant(this.cfg.url, () => undefined);
    const token = g?.tokens?.refresh_token ?? g?.tokens?.access_token;
    if (!token || !g?.issuer) return;
    await this.revoke(g.issuer, token, g.tokens?.refresh_token ? 'refresh_token' : 'access_token').catch(
      () => undefined,
    );
  }

  private async revoke(issuer: string, token: string, hint: string): Promise<void> {
    const meta =
      this.discovery?.authorizationServerMetadata ??
      (await discoverAuthorizationServerMetadata(issuer, { fetchFn: safeFetch }));
    // OIDC discovery documents type it loosely; RFC 8414 names it revocation_endpoint either way.
    const endpoint = (meta as { revocation_endpoint?: string } | undefined)?.revocation_endpoint;
    if (!endpoint) return;
    const client = this.clientInformation();
    const body = new URLSearchParams({ token, token_type_hint: hint });
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
    if (client?.client_secret) {
      const basic = `${encodeURIComponent(client.client_id)}:${encodeURIComponent(client.client_secret)}`;
      headers.authorization = `Basic ${Buffer.from(basic).toString('base64')}`;
    } else if (client) body.set('client_id', client.client_id);
    const res = await safeFetch(endpoint, { method: 'POST', headers, body });
    await res.body?.cancel();
  }

  // ---- OAuthClientProvider (the SDK's callbacks)

  get redirectUrl(): string | undefined {
    return this.cfg.grant === 'client_credentials' ? undefined : this.cfg.redirectUrl?.();
  }

  get clientMetadata(): OAuthClientMetadata {
    const interactive = this.cfg.grant === 'authorization_code';
    return {
      client_name: `gridctl (${this.cfg.server})`,
      redirect_uris: interactive && this.redirectUrl ? [this.redirectUrl] : [],
      grant_types: interactive ? ['authorization_code', 'refresh_token'] : ['client_credentials'],
      response_types: interactive ? ['code'] : [],
      token_endpoint_auth_method: 'client_secret_basic',
      scope: this.cfg.scopes?.join(' ') || undefined,
    };
  }

  state(): string {
    return this.pending?.state ?? randomBytes(24).toString('base64url');
  }

  clientInformation(): OAuthClientInformationMixed | undefined {
    if (this.cfg.clientId) return { client_id: this.cfg.clientId, client_secret: this.cfg.clientSecret };
    const issuer = this.discovery?.authorizationServerUrl;
    return issuer ? this.store.registration(issuer) : undefined;
  }

  saveClientInformation(info: OAuthClientInformationMixed): void {
    // A static client from the stack is not stored: the stack stays its source.
    if (this.cfg.clientId) return;
    const issuer = this.discovery?.authorizationServerUrl;
    if (issuer) this.store.saveRegistration(issuer, info);
  }

  tokens(): OAuthTokens | undefined {
    return this.store.grant(this.cfg.url)?.tokens;
  }

  saveTokens(tokens: OAuthTokens): void {
    const now = Date.now();
    this.store.updateGrant(this.cfg.url, (g) => ({
      server: this.cfg.server,
      resource: this.cfg.url,
      grant: this.cfg.grant,
      issuer: this.discovery?.authorizationServerUrl ?? g?.issuer,
      tokens: {
        ...tokens,
        // A rotated refresh token replaces the old one; an answer without one keeps it.
        refresh_token: tokens.refresh_token ?? g?.tokens?.refresh_token,
        obtained_at: now,
        expires_at: tokens.expires_in !== undefined ? now + tokens.expires_in * 1000 : undefined,
      },
    }));
  }

  redirectToAuthorization(url: URL): void {
    // The daemon has no browser: `auth login` shows this URL (or opens it).
    if (this.pending && this.capturing) this.pending.url = url;
  }

  saveCodeVerifier(verifier: string): void {
    if (this.pending && this.capturing) this.pending.verifier = verifier;
  }

  codeVerifier(): string {
    if (!this.pending?.verifier) throw coded('OAUTH_LOGIN_NOT_PENDING', 'no sign-in in progress');
    return this.pending.verifier;
  }

  prepareTokenRequest(scope?: string): URLSearchParams | undefined {
    if (this.cfg.grant !== 'client_credentials') return undefined;
    const p = new URLSearchParams({ grant_type: 'client_credentials' });
    const s = scope || this.cfg.scopes?.join(' ') || this.challengeScope;
    if (s) p.set('scope', s);
    return p;
  }

  invalidateCredentials(scope: 'all' | 'client' | 'tokens' | 'verifier' | 'discovery'): void {
    if (scope === 'all' || scope === 'tokens') {
      this.store.updateGrant(this.cfg.url, (g) => (g ? { ...g, tokens: undefined } : g));
    }
    if ((scope === 'all' || scope === 'client') && !this.cfg.clientId) {
      const issuer = this.discovery?.authorizationServerUrl;
      if (issuer) this.store.saveRegistration(issuer, undefined);
    }
    if (scope === 'all' || scope === 'discovery') this.discovery = undefined;
  }

  saveDiscoveryState(state: OAuthDiscoveryState): void {
    this.discovery = state;
  }

  discoveryState(): OAuthDiscoveryState | undefined {
    return this.discovery;
  }

  private storedTokens(): StoredTokens | undefined {
    const t = this.store.grant(this.cfg.url)?.tokens;
    return t?.access_token ? t : undefined;
  }
}

function expiring(t: StoredTokens): boolean {
  if (t.expires_at === undefined) return false;
  const lifetime = t.expires_at - t.obtained_at;
  return t.expires_at - Date.now() < Math.min(REFRESH_EARLY_MS, lifetime / 2);
}
