// The gateway as an OAuth-protected resource (`gateway.auth: {type: oauth}`): it publishes RFC 9728
// metadata naming the identity provider, answers 401 with the challenge that lets MCP clients sign
// in by themselves, and accepts JWT access tokens that provider signed for this gateway (signature
// through its JWKS, cached and refetched on an unknown key id; iss; aud; exp/nbf with a small skew;
// the required scopes). A claim of the token names the client for the `clients:` profiles.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRemoteJWKSet, type JWTPayload, errors as joseErrors, jwtVerify } from 'jose';
import { coded } from '../errors/coded.js';

export interface InboundOAuthConfig {
  issuer: string;
  /** The gateway's resource identifier: tokens must carry it in `aud`. Its public /mcp URL. */
  audience: string;
  /** Scopes every token must hold. */
  scopes?: string[];
  /** Else found in the issuer's metadata. */
  jwksUri?: string;
  /** The claim that names the client; default client_id, then azp, then sub. */
  clientClaim?: string;
}

/** Clock skew allowed on exp, nbf and iat. */
const SKEW_S = 30;
const WELL_KNOWN = '/.well-known/oauth-protected-resource';

export type Verdict =
  | { ok: true; client?: string; claims: JWTPayload }
  | { ok: false; status: 401 | 403; error?: 'invalid_token' | 'insufficient_scope'; description: string };

export class InboundOAuth {
  private jwks: ReturnType<typeof createRemoteJWKSet> | undefined;
  private jwksLoading: Promise<ReturnType<typeof createRemoteJWKSet>> | undefined;

  constructor(
    readonly cfg: InboundOAuthConfig,
    /** The shortest time between two JWKS fetches (jose's cooldown; tests shorten it). */
    private readonly jwksCooldownMs = 30_000,
  ) {}

  /** True for the metadata routes (served without a token, like /health). */
  isMetadataPath(path: string): boolean {
    return path === WELL_KNOWN || path.startsWith(`${WELL_KNOWN}/`);
  }

  serveMetadata(res: ServerResponse): void {
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=300' }).end(
      JSON.stringify({
        resource: this.cfg.audience,
        authorization_servers: [this.cfg.issuer],
        scopes_supported: this.cfg.scopes?.length ? this.cfg.scopes : undefined,
        bearer_methods_supported: ['header'],
        resource_name: 'gridctl gateway',
      }),
    );
  }

  /** The metadata URL for the challenge: path-inserted after the audience's origin when it is a URL. */
  metadataUrl(req: IncomingMessage): string {
    try {
      const aud = new URL(this.cfg.audience);
      const path = aud.pathname === '/' ? '' : aud.pathname.replace(/\/$/, '');
      return `${aud.origin}${WELL_KNOWN}${path}`;
    } catch {
      return `http://${req.headers.host ?? 'localhost'}${WELL_KNOWN}/mcp`;
    }
  }

  /** Answers a refused request with the RFC 9728 / RFC 6750 challenge. */
  refuse(req: IncomingMessage, res: ServerResponse, v: Extract<Verdict, { ok: false }>): void {
    const parts = [`resource_metadata="${this.metadataUrl(req)}"`];
    if (this.cfg.scopes?.length) parts.push(`scope="${this.cfg.scopes.join(' ')}"`);
    if (v.error)
      parts.push(`error="${v.error}"`, `error_description="${v.description.replace(/["\\]/g, '')}"`);
    res.writeHead(v.status, {
      'content-type': 'application/json',
      'www-authenticate': `Bearer ${parts.join(', ')}`,
    });
    res.end(
      JSON.stringify({
        error: {
          code: v.status === 403 ? 'insufficient_scope' : 'unauthorized',
          message: v.description,
        },
      }),
    );
  }

  async verify(req: IncomingMessage): Promise<Verdict> {
    const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    if (!m?.[1])
      return {
        ok: false,
        status: 401,
        description: 'an access token from the identity provider is required',
      };
    let claims: JWTPayload;
    try {
      ({ payload: claims } = await jwtVerify(m[1], await this.keys(), {
        issuer: this.cfg.issuer,
        audience: this.cfg.audience,
        clockTolerance: SKEW_S,
        requiredClaims: ['exp'],
      }));
    } catch (err) {
      return { ok: false, status: 401, error: 'invalid_token', description: reasonOf(err) };
    }
    const held = scopesOf(claims);
    const missing = (this.cfg.scopes ?? []).filter((s) => !held.has(s));
    if (missing.length > 0) {
      return {
        ok: false,
        status: 403,
        error: 'insufficient_scope',
        description: `the token lacks scope ${missing.join(' ')}`,
      };
    }
    return { ok: true, client: this.clientOf(claims), claims };
  }

  private clientOf(claims: JWTPayload): string | undefined {
    const names = this.cfg.clientClaim ? [this.cfg.clientClaim] : ['client_id', 'azp', 'sub'];
    for (const n of names) {
      const v = claims[n];
      if (typeof v === 'string' && v) return v;
    }
    return undefined;
  }

  private async keys(): Promise<ReturnType<typeof createRemoteJWKSet>> {
    if (this.jwks) return this.jwks;
    this.jwksLoading ??= (async () => {
      const uri = this.cfg.jwksUri ?? (await discoverJwksUri(this.cfg.issuer));
      // jose caches the set, and refetches it (at most every 30 s) when a token names a key id it
      // does not hold: the provider's key rotation needs no restart.
      this.jwks = createRemoteJWKSet(new URL(uri), {
        cooldownDuration: this.jwksCooldownMs,
        cacheMaxAge: 10 * 60_000,
      });
      return this.jwks;
    })().finally(() => {
      this.jwksLoading = undefined;
    });
    return this.jwksLoading;
  }
}

function scopesOf(claims: JWTPayload): Set<string> {
  const s = claims.scope ?? claims.scp;
  if (typeof s === 'string') return new Set(s.split(' ').filter(Boolean));
  if (Array.isArray(s)) return new Set(s.filter((x): x is string => typeof x === 'string'));
  return new Set();
}

function reasonOf(err: unknown): string {
  if (err instanceof joseErrors.JWTExpired) return 'the token has expired';
  if (err instanceof joseErrors.JWTClaimValidationFailed)
    return `the token's ${err.claim} claim is not accepted here`;
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) return 'the token signature does not verify';
  if (err instanceof joseErrors.JWKSNoMatchingKey)
    return 'the token is signed with a key the issuer does not publish';
  if (err instanceof joseErrors.JOSEError) return `the token is not accepted (${err.code})`;
  return `the token cannot be checked: ${(err as Error).message}`;
}

/** The issuer's jwks_uri, from its RFC 8414 or OpenID Connect metadata. */
export async function discoverJwksUri(issuer: string): Promise<string> {
  const u = new URL(issuer);
  const path = u.pathname === '/' ? '' : u.pathname.replace(/\/$/, '');
  const candidates = [
    `${u.origin}/.well-known/oauth-authorization-server${path}`,
    `${u.origin}/.well-known/openid-configuration${path}`,
    `${u.origin}${path}/.well-known/openid-configuration`,
  ];
  for (const c of candidates) {
    const res = await fetch(c, { signal: AbortSignal.timeout(10_000) }).catch(() => undefined);
    if (!res?.ok) continue;
    const meta = (await res.json().catch(() => ({}))) as { issuer?: string; jwks_uri?: string };
    if (meta.jwks_uri && (meta.issuer === undefined || meta.issuer === issuer)) return meta.jwks_uri;
  }
  throw coded('OAUTH_JWKS_MISSING', `no jwks_uri in the metadata of ${issuer}; set gateway.auth.jwks_uri`);
}
