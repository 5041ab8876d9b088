// gridctl as the OAuth client of a remote MCP server with the browser sign-in (authorization code +
// PKCE), end to end: the server starts as `needs auth`; `gridctl auth login` is completed in
// headless Chromium on the real login and consent pages of oidc-provider; the server turns healthy
// and its tools answer; a restarted daemon reuses the stored grant; an expired access token is
// refreshed; a revoked grant goes back to `needs auth`; no token in logs, state or API answers.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OidcFixture, startOidcProvider } from '../fixtures/oidc-provider.js';
import { type ProtectedMcp, startProtectedMcp } from '../fixtures/protected-mcp.js';
import { gridctl, gridctlProcess, type Sandbox, sandbox } from '../lifecycle/cli.js';
import { freePort } from '../support/net.js';
import { processesIn } from '../support/processes.js';
import { waitFor } from '../support/wait.js';
import { ensureWebBuilt, openBrowser, type Session, waitText } from '../web/browser.js';

const TTL_S = 8;
let idp: OidcFixture;
let mcp: ProtectedMcp;
let sb: Sandbox;
let port: number;
let file: string;
let browser: Session | undefined;

beforeAll(async () => {
  idp = await startOidcProvider({ accessTokenTTL: TTL_S });
  mcp = await startProtectedMcp({ issuer: idp.issuer, jwksUri: idp.jwksUri });
  sb = sandbox();
  port = await freePort();
  file = sb.write(
    'stack.yaml',
    `name: signin\nmcp-servers:\n  - name: remote\n    url: ${mcp.url}\n    auth:\n      type: oauth\n`,
  );
});
afterAll(async () => {
  await browser?.close();
  if (sb) await gridctl(sb, ['destroy', 'signin']).catch(() => undefined);
  await mcp?.close();
  await idp?.close();
});

type Row = { name: string; state: string; reason?: string };
const remoteRow = async (): Promise<Row> =>
  JSON.parse((await gridctl(sb, ['status', '--json'])).stdout).gateways[0].servers[0];
const waitState = (state: string, timeoutMs = 20_000) =>
  waitFor(async () => ((await remoteRow()).state === state ? remoteRow() : undefined), {
    timeoutMs,
    intervalMs: 200,
    what: `remote to be ${state}`,
  });
const text = (r: unknown) => (r as { content: { text: string }[] }).content[0]?.text ?? '';

async function connect(): Promise<Client> {
  const c = new Client({ name: 'login-test', version: '1.0.0' });
  await c.connect(new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}/mcp`)));
  return c;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)],
  );
}

/** A fresh profile each time, as a person signing in anew (no provider session cookie). */
async function freshContext() {
  browser ??= await openBrowser();
  const context = await browser.browser.newContext();
  // The provider's page style pulls a web font; nothing here may leave the machine.
  await context.route(/^https?:\/\/(?!127\.0\.0\.1[:/])/, (r) => r.abort());
  return context;
}

/** The provider's own login and consent pages, as a person fills them, back to the daemon. */
async function completeProviderPages(page: Page): Promise<void> {
  await page.fill('input[name=login]', 'alice');
  await page.fill('input[name=password]', 'any-password');
  await page.click('button[type=submit]');
  await page.waitForSelector('button:has-text("Continue")', { timeout: 15_000 });
  await page.click('button:has-text("Continue")');
  await page.waitForURL(/\/oauth\/callback/, { timeout: 15_000 });
  const body = await page.textContent('body');
  if (!body?.includes('Signed in')) console.log(readFileSync(join(sb.home, 'logs', 'signin.log'), 'utf8'));
  expect(body, idp.refused.join('; ')).toContain('Signed in');
}

/** `gridctl auth login remote --no-browser`, with its URL completed in Chromium. */
async function signInWithChromium(): Promise<string> {
  const login = gridctlProcess(sb, [
    'auth',
    'login',
    'remote',
    '--no-browser',
    '--format',
    'json',
    '--timeout',
    '1m',
  ]);
  const exited = new Promise<number | null>((r) => login.child.on('close', r));
  const first = await waitFor(() => login.output.text.split('\n').find((l) => l.includes('"event":"url"')), {
    timeoutMs: 30_000,
    what: 'the sign-in URL',
  });
  const { url } = JSON.parse(first) as { url: string };
  expect(new URL(url).origin).toBe(idp.issuer);
  const u = new URL(url);
  expect(u.searchParams.get('code_challenge_method')).toBe('S256');
  expect(u.searchParams.get('resource')).toBe(mcp.url);
  expect(u.searchParams.get('redirect_uri')).toBe(`http://127.0.0.1:${port}/oauth/callback`);

  const context = await freshContext();
  const page = await context.newPage();
  await page.goto(url);
  await completeProviderPages(page);
  await context.close();
  expect(await exited).toBe(0);
  return login.output.text;
}

describe('upstream OAuth, browser sign-in', () => {
  it('starts as needs auth, with the way out in its reason', async () => {
    const applied = await gridctl(sb, ['apply', file, '--port', String(port)]);
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    expect(applied.stderr).toContain('remote needs authorization: run `gridctl auth login remote`');
    const row = await waitState('needs auth');
    expect(row.reason).toContain('gridctl auth login remote');
    const st = await gridctl(sb, ['auth', 'status', '--json']);
    expect(st.code).toBe(1);
    expect(JSON.parse(st.stdout)).toMatchObject([{ stack: 'signin', server: 'remote', authorized: false }]);
    // A call reaches the model as an error that says what to do.
    const c = await connect();
    const tools = await c.listTools();
    expect(tools.tools.map((t) => t.name)).not.toContain('remote__whoami');
    const r = (await c.callTool({ name: 'remote__whoami' })) as {
      isError?: boolean;
      _meta?: Record<string, unknown>;
    };
    expect(r.isError).toBe(true);
    expect(r._meta?.['io.gridctl/error']).toEqual({ code: 'SERVER_NEEDS_AUTH' });
    expect(text(r)).toContain('gridctl auth login remote');
    await c.close();
  });

  it('signs in through the real login and consent pages, then the tools answer', async () => {
    const out = await signInWithChromium();
    expect(out).toContain('"event":"authorized"');
    await waitState('healthy');
    const c = await connect();
    expect(text(await c.callTool({ name: 'remote__whoami' }))).toMatch(/^client=\S+ jti=/);
    await c.close();
    const st = await gridctl(sb, ['auth', 'status']);
    expect(st.code, st.stdout + st.stderr).toBe(0);
    expect(st.stdout).toMatch(/remote\s+authorization_code\s+authorized\s+healthy/);
  });

  it('refreshes an expired access token with the refresh token', async () => {
    const c = await connect();
    const first = text(await c.callTool({ name: 'remote__whoami' }));
    const refused = mcp.refusals.length;
    const next = await waitFor(
      async () => {
        const t = text(await c.callTool({ name: 'remote__whoami' }));
        return t !== first ? t : undefined;
      },
      { timeoutMs: TTL_S * 3000, intervalMs: 300, what: 'a refreshed token' },
    );
    expect(next).toMatch(/^client=\S+ jti=/);
    expect(mcp.refusals.length).toBe(refused);
    await c.close();
  });

  it('a restarted daemon reuses the stored grant', async () => {
    expect((await gridctl(sb, ['destroy', 'signin'])).code).toBe(0);
    const applied = await gridctl(sb, ['apply', file, '--port', String(port)]);
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    await waitState('healthy');
  });

  it('never shows a token in the log, the state file or an API answer', async () => {
    const outputs: Record<string, string> = {
      'api status': await (await fetch(`http://127.0.0.1:${port}/api/status`)).text(),
      'api oauth': await (await fetch(`http://127.0.0.1:${port}/api/oauth`)).text(),
      'auth status --json': (await gridctl(sb, ['auth', 'status', '--json'])).stdout,
    };
    for (const f of filesUnder(sb.home)) outputs[f] = readFileSync(f, 'utf8');
    expect(mcp.seenTokens.length).toBeGreaterThan(2);
    for (const [where, t] of Object.entries(outputs))
      for (const token of mcp.seenTokens) expect(t, where).not.toContain(token);
  });

  it('a revoked grant goes back to needs auth; logout too', async () => {
    await idp.revokeAll();
    // The access token lives on until it expires; the refresh after it is refused (invalid_grant),
    // which the next call meets (the call fails saying what to do) and the server follows.
    const c = await connect();
    const failed = await waitFor(
      async () => {
        const r = (await c.callTool({ name: 'remote__whoami' }).catch((e: Error) => ({
          isError: true,
          content: [{ text: e.message }],
        }))) as { isError?: boolean };
        return r.isError ? text(r) : undefined;
      },
      { timeoutMs: TTL_S * 3000, intervalMs: 300, what: 'a call refused for the revoked grant' },
    );
    expect(failed).toContain('gridctl auth login remote');
    await c.close();
    await waitState('needs auth');
    expect((await remoteRow()).reason).toContain('gridctl auth login remote');
    // This time from the web UI: its Authorize button opens the provider in a new tab.
    await ensureWebBuilt();
    const context = await freshContext();
    const ui = await context.newPage();
    await ui.goto(`http://127.0.0.1:${port}/stack?server=remote`);
    await waitText(ui, '[data-testid=server-remote] [data-testid=state]', /^needs auth$/);
    const [provider] = await Promise.all([context.waitForEvent('page'), ui.click('[data-testid=authorize]')]);
    await provider.waitForLoadState();
    expect(new URL(provider.url()).origin).toBe(idp.issuer);
    await completeProviderPages(provider);
    await waitText(ui, '[data-testid=server-remote] [data-testid=state]', /^healthy$/, 20_000);
    await context.close();
    await waitState('healthy');
    const revoked = idp.revokedRefreshTokens;
    const out = await gridctl(sb, ['auth', 'logout', 'remote']);
    expect(out.code, out.stderr).toBe(0);
    // Revoked at the provider too (RFC 7009), not only forgotten here.
    expect(idp.revokedRefreshTokens).toBe(revoked + 1);
    await waitState('needs auth');
    expect((await gridctl(sb, ['destroy', 'signin'])).code).toBe(0);
    expect(processesIn(sb.dir)).toEqual([]);
  }, 120_000);
});

describe('upstream OAuth, browser sign-in with a client registered by hand', () => {
  it('uses the stack client_id and client_secret instead of registering', async () => {
    const own = sandbox();
    const ownPort = await freePort();
    const client = {
      client_id: 'gridctl-by-hand',
      client_secret: 'by-hand-secret-5e2a91',
      grant_types: ['authorization_code', 'refresh_token'],
      redirect_uris: [`http://127.0.0.1:${ownPort}/oauth/callback`],
      response_types: ['code'],
      scope: 'mcp:tools',
    };
    const idp2 = await startOidcProvider({ clients: [client] });
    const mcp2 = await startProtectedMcp({ issuer: idp2.issuer, jwksUri: idp2.jwksUri });
    try {
      own.env.BY_HAND_SECRET = client.client_secret;
      const f = own.write(
        'stack.yaml',
        `name: byhand\nmcp-servers:\n  - name: remote\n    url: ${mcp2.url}\n    auth:\n      type: oauth\n      client_id: ${client.client_id}\n      client_secret: \${BY_HAND_SECRET}\n`,
      );
      expect((await gridctl(own, ['apply', f, '--port', String(ownPort)])).code).toBe(0);
      const login = gridctlProcess(own, ['auth', 'login', 'remote', '--no-browser', '--format', 'json']);
      const exited = new Promise<number | null>((r) => login.child.on('close', r));
      const line = await waitFor(
        () => login.output.text.split('\n').find((l) => l.includes('"event":"url"')),
        {
          timeoutMs: 30_000,
          what: 'the sign-in URL',
        },
      );
      const url = new URL((JSON.parse(line) as { url: string }).url);
      expect(url.searchParams.get('client_id')).toBe(client.client_id);
      browser ??= await openBrowser();
      const context = await browser.browser.newContext();
      await context.route(/^https?:\/\/(?!127\.0\.0\.1[:/])/, (r) => r.abort());
      const page = await context.newPage();
      await page.goto(url.href);
      await page.fill('input[name=login]', 'bob');
      await page.fill('input[name=password]', 'any-password');
      await page.click('button[type=submit]');
      await page.click('button:has-text("Continue")');
      await page.waitForURL(/\/oauth\/callback/, { timeout: 15_000 });
      expect(await page.textContent('body')).toContain('Signed in');
      await context.close();
      expect(await exited).toBe(0);
      const c = new Client({ name: 'by-hand-test', version: '1.0.0' });
      await waitFor(
        async () =>
          JSON.parse((await gridctl(own, ['status', '--json'])).stdout).gateways[0].servers[0].state ===
          'healthy',
        { timeoutMs: 20_000, what: 'remote healthy' },
      );
      await c.connect(new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${ownPort}/mcp`)));
      expect(text(await c.callTool({ name: 'remote__whoami' }))).toMatch(/^client=gridctl-by-hand jti=/);
      await c.close();
    } finally {
      await gridctl(own, ['destroy', 'byhand']).catch(() => undefined);
      await mcp2.close();
      await idp2.close();
    }
    expect(processesIn(own.dir)).toEqual([]);
  }, 120_000);
});
