// The OAuth test fixtures themselves: oidc-provider issues JWT access tokens for the resource asked
// for, and the protected MCP server accepts only those, as the SDK's own OAuth client sees it.

import { ClientCredentialsProvider } from '@modelcontextprotocol/sdk/client/auth-extensions.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OidcFixture, startOidcProvider } from '../fixtures/oidc-provider.js';
import { type ProtectedMcp, startProtectedMcp } from '../fixtures/protected-mcp.js';

const M2M = {
  client_id: 'm2m',
  client_secret: 'm2m-secret-0123456789',
  grant_types: ['client_credentials'],
  redirect_uris: [],
  response_types: [],
  scope: 'mcp:tools',
};

let idp: OidcFixture;
let mcp: ProtectedMcp;
beforeAll(async () => {
  idp = await startOidcProvider({ clients: [M2M] });
  mcp = await startProtectedMcp({ issuer: idp.issuer, jwksUri: idp.jwksUri });
});
afterAll(async () => {
  await mcp?.close();
  await idp?.close();
});

describe('OAuth fixtures', () => {
  it('refuses a request without a token, pointing at its metadata', async () => {
    const res = await fetch(mcp.url, { method: 'POST', body: '{}' });
    expect(res.status).toBe(401);
    const challenge = res.headers.get('www-authenticate') ?? '';
    const meta = /resource_metadata="([^"]+)"/.exec(challenge)?.[1];
    expect(meta).toBeDefined();
    const doc = (await (await fetch(meta!)).json()) as { resource: string; authorization_servers: string[] };
    expect(doc).toMatchObject({ resource: mcp.url, authorization_servers: [idp.issuer] });
    const as = (await (await fetch(`${idp.issuer}/.well-known/openid-configuration`)).json()) as Record<
      string,
      unknown
    >;
    expect(as.registration_endpoint).toBeTypeOf('string');
    expect(as.grant_types_supported).toContain('client_credentials');
  });

  it('issues a JWT for the resource, which the server accepts; one for another resource it refuses', async () => {
    const token = await idp.clientCredentials(M2M, mcp.url);
    expect(token.split('.')).toHaveLength(3);
    const other = await idp.clientCredentials(M2M, 'http://127.0.0.1:1/other');
    const call = (t: string) =>
      fetch(mcp.url, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${t}`,
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
        },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method: 'initialize',
          params: {
            protocolVersion: '2025-06-18',
            capabilities: {},
            clientInfo: { name: 't', version: '1' },
          },
        }),
      });
    expect((await call(token)).status).toBe(200);
    expect((await call(other)).status).toBe(401);
    expect(mcp.refusals.at(-1)).toMatch(/aud/);
  });

  it('lets the SDK client sign in by itself with client_credentials', async () => {
    const client = new Client({ name: 'fixture-test', version: '1.0.0' });
    const authProvider = new ClientCredentialsProvider({
      clientId: M2M.client_id,
      clientSecret: M2M.client_secret,
      scope: 'mcp:tools',
      expectedIssuer: idp.issuer,
    });
    await client.connect(new StreamableHTTPClientTransport(new URL(mcp.url), { authProvider })).catch((e) => {
      throw new Error(`${e.message}: ${mcp.refusals.join('; ')}`);
    });
    const r = (await client.callTool({ name: 'whoami' })) as { content: { text: string }[] };
    expect(r.content[0]?.text).toMatch(/^client=m2m jti=/);
    await client.close();
  });
});
