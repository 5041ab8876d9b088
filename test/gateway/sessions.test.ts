// Downstream sessions under a cap, with the real SDK client: clients that close without DELETE
// (as the SDK's close() does) leave idle sessions that make room for new clients; a client with an
// open stream is never evicted; when every session is live the refusal says so. Plus the client
// identity bound at initialize, and the Host/Origin guard on /health and /ready.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import type { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterEach, describe, expect, it } from 'vitest';
import type { SessionStore } from '../../src/gateway/downstream/session.js';
import type { Gateway } from '../../src/gateway/index.js';
import { waitFor } from '../support/wait.js';
import {
  connectSse,
  connectStreamable,
  initializeBody,
  post,
  type RunningGateway,
  rawPost,
  startGateway,
} from './helpers.js';

/** The gateway's session store, read for the access ids it bound (Gateway has no accessor yet). */
const storeOf = (g: Gateway) => (g as unknown as { sessions: SessionStore }).sessions;

const sessionIdOf = (c: Client) => (c.transport as StreamableHTTPClientTransport).sessionId!;

const streamOpen = (gw: RunningGateway, id: string) =>
  gw.gateway.listSessions().find((s) => s.id === id)?.stream === true;

/** An SDK client whose GET stream the gateway holds (the SDK opens it right after initialize). */
async function streamingClient(gw: RunningGateway): Promise<Client> {
  const c = await connectStreamable(gw.url);
  const id = sessionIdOf(c);
  await waitFor(() => streamOpen(gw, id), { what: `the stream of session ${id}` });
  return c;
}

/** The SDK client's close(): no DELETE; the gateway only sees its stream end. */
async function closeWithoutDelete(gw: RunningGateway, c: Client): Promise<void> {
  const id = sessionIdOf(c);
  await c.close();
  await waitFor(() => !streamOpen(gw, id), { what: `the stream of session ${id} to end` });
}

let gw: RunningGateway | undefined;
const clients: Client[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) await c.close();
  await gw?.close();
  gw = undefined;
});

describe('session cap', () => {
  it('lets new clients in after more than the cap of clients closed without DELETE', async () => {
    gw = await startGateway([], { maxSessions: 4 });
    const keeper = await streamingClient(gw);
    clients.push(keeper);
    const keeperId = sessionIdOf(keeper);
    for (let i = 0; i < 10; i++) await closeWithoutDelete(gw, await streamingClient(gw));

    const fresh = await connectStreamable(gw.url);
    clients.push(fresh);
    await fresh.ping();
    // The session with an open stream survived the pressure and still works.
    expect(gw.gateway.listSessions().find((s) => s.id === keeperId)).toMatchObject({ stream: true });
    expect((await keeper.listTools()).tools).toEqual([]);
    expect(gw.gateway.sessionCount).toBe(4);
    expect(storeOf(gw.gateway).stats()).toMatchObject({ total: 4, evicted: 8, refused: 0 });
  });

  it('refuses with an honest message and Retry-After when every session is live', async () => {
    gw = await startGateway([], { maxSessions: 2 });
    const a = await streamingClient(gw);
    const b = await streamingClient(gw);
    clients.push(b);
    const refused = await post(gw.url, initializeBody());
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('60');
    expect(refused.json).toMatchObject({
      error: {
        message:
          'Too many sessions: all 2 sessions of the gateway are in use (2 with an open stream, 0 with a request in flight), so none can be evicted; retry later, close clients you no longer use, or raise gateway.max_sessions',
        data: { maxSessions: 2, streams: 2, busy: 0 },
      },
    });
    await closeWithoutDelete(gw, a);
    expect((await post(gw.url, initializeBody())).status).toBe(200);
    expect(streamOpen(gw, sessionIdOf(b))).toBe(true);
  });
});

describe('session cap on legacy SSE', () => {
  it('evicts an idle streamable session for GET /sse, and refuses when all are live', async () => {
    gw = await startGateway([], { maxSessions: 1 });
    const idle = await post(gw.url, initializeBody());
    const legacy = await connectSse(gw.base);
    clients.push(legacy);
    expect(gw.gateway.listSessions().map((s) => s.transport)).toEqual(['sse']);
    expect(
      (
        await post(gw.url, '{"jsonrpc":"2.0","id":1,"method":"ping"}', {
          'mcp-session-id': idle.headers.get('mcp-session-id')!,
        })
      ).status,
    ).toBe(404);
    const refused = await fetch(`${gw.base}/sse`, { headers: { accept: 'text/event-stream' } });
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('60');
    expect(await refused.json()).toMatchObject({
      error: { message: expect.stringMatching(/^Too many sessions: all 1 sessions/) },
    });
    await legacy.ping(); // the live legacy session is untouched
  });
});

describe('client identity', () => {
  const accessIdOfSession = (id: string | null | undefined) =>
    gw && id ? storeOf(gw.gateway).get(id)?.accessId : undefined;

  it('binds ?client=, else X-Gridctl-Client-Id, else clientInfo.name, normalised', async () => {
    gw = await startGateway([], { groups: { ops: { tools: [] } } });
    const header = { 'x-gridctl-client-id': 'Header Bot' };
    const cases: [string, Record<string, string>, string][] = [
      [`${gw.url}?client=Team%20Bot`, header, 'team-bot'], // the URL wins over the header
      [gw.url, header, 'header-bot'],
      [gw.url, {}, 'claude-code'],
      [`${gw.base}/groups/ops/mcp?client=ops-bot`, {}, 'ops-bot'],
    ];
    for (const [url, headers, want] of cases) {
      const r = await post(url, initializeBody('Claude Code'), headers);
      expect(r.status, url).toBe(200);
      expect(accessIdOfSession(r.headers.get('mcp-session-id')), url).toBe(want);
    }
  });

  it('lets browser clients send the header (CORS preflight)', async () => {
    gw = await startGateway([]);
    const pre = await fetch(gw.url, {
      method: 'OPTIONS',
      headers: {
        origin: 'http://localhost:5173',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'x-gridctl-client-id',
      },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('x-gridctl-client-id');
  });

  it('binds it on legacy SSE sessions: ?client= on GET /sse, else clientInfo.name at initialize', async () => {
    gw = await startGateway([]);
    const named = new Client({ name: 'test-sse-client', version: '1.0.0' });
    await named.connect(new SSEClientTransport(new URL(`${gw.base}/sse?client=Legacy%20Bot`)));
    clients.push(named, await connectSse(gw.base));
    const bound = gw.gateway
      .listSessions()
      .filter((s) => s.transport === 'sse')
      .map((s) => accessIdOfSession(s.id));
    expect(bound.sort()).toEqual(['legacy-bot', 'test-sse-client']);
  });
});

describe('probes behind the Host/Origin guard', () => {
  it('refuses /health and /ready to a foreign Host or Origin (DNS rebinding)', async () => {
    gw = await startGateway([], { allowedHosts: ['gw.example'] });
    for (const path of ['/health', '/ready']) {
      const url = `${gw.base}${path}`;
      const evil = await rawPost(url, '', { host: 'evil.example' }, 'GET');
      expect(evil.status, path).toBe(403);
      expect(JSON.parse(evil.text)).toEqual({ error: 'Forbidden: Host "evil.example" is not allowed' });
      expect((await rawPost(url, '', { origin: 'https://evil.example' }, 'GET')).status, path).toBe(403);
      expect((await rawPost(url, '', { host: 'gw.example' }, 'GET')).status, path).toBe(200);
      expect((await fetch(url)).status, path).toBe(200);
    }
  });
});
