// The gateway as an OAuth-protected resource (`gateway.auth: {type: oauth}`) with a real identity
// provider (oidc-provider): MCP clients that implement the authorization spec sign in by
// themselves; tokens for another audience, expired or wrongly signed ones are refused; the token's
// client names the `clients:` profile.
import { ClientCredentialsProvider } from '@modelcontextprotocol/sdk/client/auth-extensions.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OidcFixture, startOidcProvider } from '../fixtures/oidc-provider.js';
import { EVERYTHING, gridctl, localServer, MEMORY, type Sandbox, sandbox } from '../lifecycle/cli.js';
import { freePort } from '../support/net.js';
import { processesIn } from '../support/processes.js';

const client = (id: string) => ({
  client_id: id,
  client_secret: `${id}-secret-8c1d7e`,
  grant_types: ['client_credentials'],
  redirect_uris: [],
  response_types: [],
  scope: 'mcp:tools',
});
const OPS = client('ops-agent');
const ADMIN = client('admin-agent');

let idp: OidcFixture;
let sb: Sandbox;
let port: number;
let base: string;
let audience: string;
beforeAll(async () => {
  idp = await startOidcProvider({ clients: [OPS, ADMIN] });
  sb = sandbox();
  port = await freePort();
  base = `http://127.0.0.1:${port}`;
  audience = `${base}/mcp`;
  const file = sb.write(
    'stack.yaml',
    `name: idp-guarded
mcp-servers:
${localServer('everything', EVERYTHING, 'stdio')}${localServer('memory', MEMORY)}gateway:
  auth:
    type: oauth
    issuer: ${idp.issuer}
    audience: ${audience}
    scopes: [mcp:tools]
clients:
  default: deny
  profiles:
    ops-agent:
      servers: [memory]
    admin-agent: {}
`,
  );
  const applied = await gridctl(sb, ['apply', file, '--port', String(port)]);
  expect(applied.code, applied.stdout + applied.stderr).toBe(0);
});
afterAll(async () => {
  if (sb) await gridctl(sb, ['destroy', 'idp-guarded']).catch(() => undefined);
  await idp?.close();
});

const initialize = (token?: string) =>
  fetch(audience, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
    }),
  });

async function signIn(c: typeof OPS): Promise<Client> {
  const mcp = new Client({ name: `${c.client_id}-app`, version: '1.0.0' });
  const authProvider = new ClientCredentialsProvider({
    clientId: c.client_id,
    clientSecret: c.client_secret,
    scope: 'mcp:tools',
    expectedIssuer: idp.issuer,
  });
  await mcp.connect(new StreamableHTTPClientTransport(new URL(audience), { authProvider }));
  return mcp;
}

describe('inbound OAuth', () => {
  it('answers 401 with the RFC 9728 challenge and serves its metadata openly', async () => {
    const res = await initialize();
    expect(res.status).toBe(401);
    const challenge = res.headers.get('www-authenticate') ?? '';
    expect(challenge).toContain(`resource_metadata="${base}/.well-known/oauth-protected-resource/mcp"`);
    expect(challenge).toContain('scope="mcp:tools"');
    const meta = await (await fetch(`${base}/.well-known/oauth-protected-resource/mcp`)).json();
    expect(meta).toMatchObject({
      resource: audience,
      authorization_servers: [idp.issuer],
      scopes_supported: ['mcp:tools'],
    });
    expect((await fetch(`${base}/.well-known/oauth-protected-resource`)).status).toBe(200);
    expect((await fetch(`${base}/health`)).status).toBe(200);
    expect((await fetch(`${base}/api/status`)).status).toBe(401);
  });

  it('accepts a token the provider issued for this gateway', async () => {
    const token = await idp.clientCredentials(ADMIN, audience);
    expect((await initialize(token)).status).toBe(200);
    expect(
      (await fetch(`${base}/api/status`, { headers: { authorization: `Bearer ${token}` } })).status,
    ).toBe(200);
  });

  it('refuses another audience, an expired token, a wrong signature, a missing scope', async () => {
    const refusal = async (token: string) => {
      const res = await initialize(token);
      return {
        status: res.status,
        challenge: res.headers.get('www-authenticate') ?? '',
        body: await res.text(),
      };
    };
    const otherAud = await refusal(await idp.clientCredentials(ADMIN, 'http://127.0.0.1:1/elsewhere'));
    expect(otherAud.status).toBe(401);
    expect(otherAud.challenge).toContain('error="invalid_token"');
    expect(otherAud.body).toContain("token's aud claim");

    const now = Math.floor(Date.now() / 1000);
    const claims = { aud: audience, client_id: 'admin-agent', sub: 'admin-agent', scope: 'mcp:tools' };
    const expired = await refusal(await idp.forge({ ...claims, iat: now - 600, exp: now - 120 }));
    expect(expired.status).toBe(401);
    expect(expired.body).toContain('expired');
    // Within the 30 s skew an expiry is still accepted (clocks differ a little).
    expect((await refusal(await idp.forge({ ...claims, exp: now - 5 }))).status).toBe(200);

    const stranger = await refusal(await idp.forge(claims, { strangerKey: true }));
    expect(stranger.status).toBe(401);
    expect(stranger.body).toContain('signature');

    const noScope = await refusal(await idp.forge({ ...claims, scope: 'other' }));
    expect(noScope.status).toBe(403);
    expect(noScope.challenge).toContain('error="insufficient_scope"');

    expect((await refusal('not-a-jwt')).status).toBe(401);
  });

  it('lets the SDK client sign in by itself, and the token names its clients: profile', async () => {
    const ops = await signIn(OPS);
    const opsTools = (await ops.listTools()).tools.map((t) => t.name);
    expect(opsTools.length).toBeGreaterThan(0);
    expect(opsTools.every((t) => t.startsWith('memory__'))).toBe(true);
    await ops.close();

    const admin = await signIn(ADMIN);
    const adminTools = (await admin.listTools()).tools.map((t) => t.name);
    expect(adminTools).toContain('everything__echo');
    expect(adminTools.some((t) => t.startsWith('memory__'))).toBe(true);
    await admin.close();

    // The CLI still works from the state file, without a provider token.
    const status = await gridctl(sb, ['status', '--json']);
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout).gateways[0].servers.map((s: { state: string }) => s.state)).toEqual([
      'healthy',
      'healthy',
    ]);
  });

  it('stops clean', async () => {
    expect((await gridctl(sb, ['destroy', 'idp-guarded'])).code).toBe(0);
    expect(processesIn(sb.dir)).toEqual([]);
  });
});
