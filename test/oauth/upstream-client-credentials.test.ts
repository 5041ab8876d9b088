// gridctl as the OAuth client of a remote MCP server, machine to machine (`grant:
// client_credentials`): no browser. The authorization server is a real oidc-provider, the remote
// server a real SDK server that accepts only JWTs issued for it; gridctl finds the authorization
// server from the 401 alone, asks for a token for that resource, refreshes it before it expires,
// and keeps it sealed: never in the log, the state file or an API answer.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OidcFixture, startOidcProvider } from '../fixtures/oidc-provider.js';
import { type ProtectedMcp, startProtectedMcp } from '../fixtures/protected-mcp.js';
import { gridctl, type Sandbox, sandbox } from '../lifecycle/cli.js';
import { freePort } from '../support/net.js';
import { processesIn } from '../support/processes.js';
import { waitFor } from '../support/wait.js';

const SECRET = 'm2m-secret-4f1c9a7e2b';
const M2M = {
  client_id: 'gridctl-m2m',
  client_secret: SECRET,
  grant_types: ['client_credentials'],
  redirect_uris: [],
  response_types: [],
  scope: 'mcp:tools',
};
// Short enough that the test sees a refresh: gridctl renews at half the lifetime of so short a token.
const TTL_S = 6;

let idp: OidcFixture;
let mcp: ProtectedMcp;
const sandboxes: Sandbox[] = [];
const servers: Server[] = [];
beforeAll(async () => {
  idp = await startOidcProvider({ clients: [M2M], accessTokenTTL: TTL_S });
  mcp = await startProtectedMcp({ issuer: idp.issuer, jwksUri: idp.jwksUri });
});
afterAll(async () => {
  for (const sb of sandboxes) await gridctl(sb, ['destroy', 'm2m']).catch(() => undefined);
  for (const s of servers) s.close();
  await mcp?.close();
  await idp?.close();
});

// biome-ignore lint/suspicious/noTemplateCurlyInString: stack-file expansion syntax, not a template
const stack = (url: string, secretRef = '${M2M_SECRET}') =>
  `name: m2m
mcp-servers:
  - name: remote
    url: ${url}
    auth:
      type: oauth
      grant: client_credentials
      client_id: ${M2M.client_id}
      client_secret: ${secretRef}
      scopes: [mcp:tools]
`;

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)],
  );
}

const text = (r: unknown) => (r as { content: { text: string }[] }).content[0]?.text ?? '';

describe('upstream OAuth, client_credentials', () => {
  it('signs in from the 401, serves the tools, refreshes before expiry, keeps the token sealed', async () => {
    const sb = sandbox();
    sandboxes.push(sb);
    sb.env.M2M_SECRET = SECRET;
    const port = await freePort();
    const file = sb.write('stack.yaml', stack(mcp.url));
    const validate = await gridctl(sb, ['validate', file]);
    expect(validate.stdout + validate.stderr).not.toContain('NOT_IMPLEMENTED');
    const applied = await gridctl(sb, ['apply', file, '--port', String(port)]);
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);

    const status = JSON.parse((await gridctl(sb, ['status', '--json'])).stdout);
    expect(status.gateways[0].servers[0]).toMatchObject({ name: 'remote', state: 'healthy', tools: 2 });
    // The first request went without a token and was refused; the rest carried one for this resource.
    expect(mcp.refusals[0]).toBe('no token');

    const client = new Client({ name: 'm2m-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}/mcp`)));
    const first = text(await client.callTool({ name: 'remote__whoami' }));
    expect(first).toMatch(/^client=gridctl-m2m jti=/);
    expect(text(await client.callTool({ name: 'remote__echo', arguments: { text: 'hi' } }))).toBe('hi');

    // Renewed before it expires: a later call carries another token, and none was refused meanwhile.
    const refusedBefore = mcp.refusals.length;
    const second = await waitFor(
      async () => {
        const t = text(await client.callTool({ name: 'remote__whoami' }));
        return t !== first ? t : undefined;
      },
      { timeoutMs: TTL_S * 3000, intervalMs: 250, what: 'a renewed token' },
    );
    expect(second).toMatch(/^client=gridctl-m2m jti=/);
    expect(mcp.refusals.length).toBe(refusedBefore);
    await client.close();

    // Sealed at rest, 0600 in a 0700 folder; no token or secret in the log, state, or API answers.
    const grants = join(sb.home, 'oauth', 'grants.json');
    expect(statSync(grants).mode & 0o777).toBe(0o600);
    expect(statSync(join(sb.home, 'oauth')).mode & 0o777).toBe(0o700);
    const outputs: Record<string, string> = {
      'api status': await (await fetch(`http://127.0.0.1:${port}/api/status`)).text(),
      'api stack': await (await fetch(`http://127.0.0.1:${port}/api/stack`)).text(),
      'status --json': (await gridctl(sb, ['status', '--json'])).stdout,
    };
    for (const f of filesUnder(sb.home)) outputs[f] = readFileSync(f, 'utf8');
    expect(mcp.seenTokens.length).toBeGreaterThan(1);
    for (const [where, t] of Object.entries(outputs)) {
      for (const token of mcp.seenTokens) expect(t, where).not.toContain(token);
      expect(t, where).not.toContain(SECRET);
    }
    expect(outputs[grants]).not.toContain('access_token');

    expect((await gridctl(sb, ['destroy', 'm2m'])).code).toBe(0);
    expect(processesIn(sb.dir)).toEqual([]);
  });

  it("a wrong client secret fails the server with the authorization server's answer", async () => {
    const sb = sandbox();
    sandboxes.push(sb);
    sb.env.M2M_SECRET = 'not-the-secret';
    const port = await freePort();
    const file = sb.write('stack.yaml', stack(mcp.url));
    expect((await gridctl(sb, ['apply', file, '--port', String(port)])).code).toBe(0);
    const row = await waitFor(async () => {
      const s = JSON.parse((await gridctl(sb, ['status', '--json'])).stdout).gateways[0].servers[0];
      return s.state !== 'starting' ? s : undefined;
    });
    expect(row.state).not.toBe('healthy');
    expect(row.reason).toContain('OAuth');
    expect(row.reason).toMatch(/invalid_client|authentication failed/i);
    expect((await gridctl(sb, ['destroy', 'm2m'])).code).toBe(0);
  });

  it('finds the metadata at the path-inserted well-known URL when the challenge does not name it', async () => {
    const bare = await startProtectedMcp({ issuer: idp.issuer, jwksUri: idp.jwksUri, bareChallenge: true });
    const sb = sandbox();
    sandboxes.push(sb);
    sb.env.M2M_SECRET = SECRET;
    const port = await freePort();
    try {
      const file = sb.write('stack.yaml', stack(bare.url));
      expect((await gridctl(sb, ['apply', file, '--port', String(port)])).code).toBe(0);
      const row = await waitFor(async () => {
        const s = JSON.parse((await gridctl(sb, ['status', '--json'])).stdout).gateways[0].servers[0];
        return s.state !== 'starting' ? s : undefined;
      });
      expect(row).toMatchObject({ state: 'healthy', tools: 2 });
      expect(bare.seenTokens.length).toBeGreaterThan(0);
    } finally {
      await gridctl(sb, ['destroy', 'm2m']);
      await bare.close();
    }
  });

  it('refuses discovery that points at a link-local address', async () => {
    // A stand-in hostile server: its challenge names the cloud metadata address.
    const hostile = createServer((_req, res) => {
      res
        .writeHead(401, {
          'www-authenticate': 'Bearer resource_metadata="http://169.254.169.254/latest/meta-data"',
        })
        .end();
    });
    servers.push(hostile);
    await new Promise<void>((r) => hostile.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(hostile.address() as AddressInfo).port}/mcp`;
    const sb = sandbox();
    sandboxes.push(sb);
    sb.env.M2M_SECRET = SECRET;
    const file = sb.write('stack.yaml', stack(url));
    expect((await gridctl(sb, ['apply', file, '--port', String(await freePort())])).code).toBe(0);
    const row = await waitFor(async () => {
      const s = JSON.parse((await gridctl(sb, ['status', '--json'])).stdout).gateways[0].servers[0];
      return s.state !== 'starting' ? s : undefined;
    });
    expect(row.reason).toContain('169.254.169.254 is a link-local address');
    expect((await gridctl(sb, ['destroy', 'm2m'])).code).toBe(0);
  });
});
