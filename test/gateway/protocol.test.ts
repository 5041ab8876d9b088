// The downstream HTTP surface over raw requests: status codes, sessions, version negotiation,
// DNS-rebinding checks, limits, batches; plus relays (list_changed, resources/updated, cancel).
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import {
  ResourceUpdatedNotificationSchema,
  ToolListChangedNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Gateway } from '../../src/gateway/index.js';
import { fixtureStdioCommand } from '../fixtures/conformance.js';
import { isAlive } from '../support/processes.js';
import { waitFor } from '../support/wait.js';
import {
  connectStreamable,
  post,
  type RunningGateway,
  rawPost,
  rawSession,
  spec,
  startGateway,
  stdio,
} from './helpers.js';

const req = (method: string, params: Record<string, unknown> = {}, id: number | string = 1) =>
  JSON.stringify({ jsonrpc: '2.0', id, method, params });

describe('downstream HTTP protocol', () => {
  let gw: RunningGateway;

  beforeAll(async () => {
    gw = await startGateway([spec('fx', stdio(fixtureStdioCommand()), { unprefixed: true })], {
      maxSessions: 6,
      maxBodyBytes: 64 * 1024,
      allowedHosts: ['gw.example:8180'],
      allowedOrigins: ['https://app.example'],
    });
  });
  afterAll(async () => {
    await gw?.close();
  });

  it('negotiates every supported protocol version and counter-offers the latest', async () => {
    for (const [asked, got] of [
      ['2024-11-05', '2024-11-05'],
      ['2025-03-26', '2025-03-26'],
      ['2025-06-18', '2025-06-18'],
      ['2025-11-25', '2025-11-25'],
      ['1999-01-01', '2025-11-25'],
    ]) {
      const r = await post(
        gw.url,
        req('initialize', {
          protocolVersion: asked,
          capabilities: {},
          clientInfo: { name: 'x', version: '1' },
        }),
      );
      expect(r.status).toBe(200);
      const result = (r.json as { result: Record<string, unknown> }).result;
      expect(result.protocolVersion).toBe(got);
      expect(result.capabilities).toMatchObject({
        tools: { listChanged: true },
        resources: { subscribe: true },
        logging: {},
        completions: {},
      });
      expect(result.serverInfo).toMatchObject({ name: 'gridctl-test', version: '0.0.0' });
      const sid = r.headers.get('mcp-session-id')!;
      expect(sid).toMatch(/^[0-9a-f]{32}$/);
      expect((await fetch(gw.url, { method: 'DELETE', headers: { 'mcp-session-id': sid } })).status).toBe(
        200,
      );
    }
  });

  it('answers notifications with 202, and checks the session header', async () => {
    const sid = await rawSession(gw.url);
    const note = await post(gw.url, JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }), {
      'mcp-session-id': sid,
    });
    expect(note.status).toBe(202);
    expect(note.text).toBe('');
    const missing = await post(gw.url, req('tools/list'));
    expect(missing.status).toBe(400);
    expect(missing.json).toMatchObject({ error: { code: -32600 } });
    const unknown = await post(gw.url, req('tools/list'), { 'mcp-session-id': 'f'.repeat(32) });
    expect(unknown.status).toBe(404);
    const badVersion = await post(gw.url, req('ping'), {
      'mcp-session-id': sid,
      'mcp-protocol-version': '2099-01-01',
    });
    expect(badVersion.status).toBe(400);
    const ok = await post(gw.url, req('ping', {}, 'p1'), {
      'mcp-session-id': sid,
      'mcp-protocol-version': '2025-06-18',
    });
    expect(ok.json).toEqual({ jsonrpc: '2.0', id: 'p1', result: {} });
    expect((await fetch(gw.url, { method: 'DELETE', headers: { 'mcp-session-id': sid } })).status).toBe(200);
    expect((await post(gw.url, req('ping'), { 'mcp-session-id': sid })).status).toBe(404);
  });

  it('refuses foreign Host and Origin headers (DNS rebinding)', async () => {
    const init = req('initialize', {
      protocolVersion: '2025-06-18',
      capabilities: {},
      clientInfo: { name: 'x', version: '1' },
    });
    expect((await rawPost(gw.url, init, { host: 'evil.example' })).status).toBe(403);
    expect((await rawPost(gw.url, init, { host: 'evil.example:8180' })).status).toBe(403);
    expect((await post(gw.url, init, { origin: 'https://evil.example' })).status).toBe(403);
    for (const headers of [
      { host: 'gw.example:8180' },
      { origin: 'https://app.example' },
      { origin: 'http://localhost:5173' },
    ] as Record<string, string>[]) {
      const r = await rawPost(gw.url, init, headers);
      expect(r.status, JSON.stringify(headers)).toBe(200);
      await fetch(gw.url, { method: 'DELETE', headers: { 'mcp-session-id': r.sessionId! } });
    }
    expect((await rawPost(`${gw.base}/sse`, '', { host: 'evil.example' }, 'GET')).status).toBe(403);
  });

  it('answers malformed bodies with JSON-RPC errors', async () => {
    const sid = await rawSession(gw.url);
    const h = { 'mcp-session-id': sid };
    const parse = await post(gw.url, '{"jsonrpc":', h);
    expect(parse.status).toBe(400);
    expect(parse.json).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32700 } });
    expect((await post(gw.url, '42', h)).json).toMatchObject({ error: { code: -32600 } });
    expect(
      (await post(gw.url, JSON.stringify({ jsonrpc: '1.0', id: 1, method: 'ping' }), h)).json,
    ).toMatchObject({ id: 1, error: { code: -32600 } });
    expect(
      (await post(gw.url, JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping', params: [1] }), h)).json,
    ).toMatchObject({ error: { code: -32602 } });
    expect(
      (await post(gw.url, JSON.stringify({ jsonrpc: '2.0', id: {}, method: 'ping' }), h)).json,
    ).toMatchObject({ error: { code: -32600 } });
    expect((await post(gw.url, req('no/such/method'), h)).json).toMatchObject({
      error: { code: -32601, message: 'Method not found: no/such/method' },
    });
    expect((await post(gw.url, req('tools/call', { name: 42 }), h)).json).toMatchObject({
      error: { code: -32602 },
    });
    expect((await post(gw.url, req('tools/list', { cursor: 'bogus' }), h)).json).toMatchObject({
      error: { code: -32602 },
    });
    // The only resource server gets URIs nobody lists, and its answer names it.
    expect((await post(gw.url, req('resources/read', { uri: 'nowhere://x' }), h)).json).toMatchObject({
      error: { message: expect.stringMatching(/server "fx".*nowhere:\/\/x/) },
    });
    const huge = await post(
      gw.url,
      req('tools/call', { name: 'echo', arguments: { text: 'x'.repeat(100_000) } }),
      h,
    );
    expect(huge.status).toBe(413);
    expect(huge.json).toMatchObject({
      error: { code: -32600, message: expect.stringMatching(/exceeds the limit/) },
    });
    // Still serving.
    expect((await post(gw.url, req('ping', {}, 9), h)).json).toEqual({ jsonrpc: '2.0', id: 9, result: {} });
  });

  it('handles batches only where the negotiated version allows them', async () => {
    const modern = await rawSession(gw.url, '2025-06-18');
    const batch = `[${req('ping', {}, 1)},${req('ping', {}, 2)}]`;
    const refused = await post(gw.url, batch, { 'mcp-session-id': modern });
    expect(refused.status).toBe(400);
    expect(refused.json).toMatchObject({ error: { code: -32600 } });
    const old = await rawSession(gw.url, '2025-03-26');
    const ok = await post(gw.url, `[${req('ping', {}, 1)},{"bad":true},${req('tools/list', {}, 2)}]`, {
      'mcp-session-id': old,
    });
    expect(ok.status).toBe(200);
    const arr = ok.json as { id: unknown; error?: { code: number } }[];
    expect(arr.map((a) => a.id)).toEqual([1, null, 2]);
    expect(arr[1]?.error?.code).toBe(-32600);
    expect((await post(gw.url, '[]', { 'mcp-session-id': old })).status).toBe(400);
    const abuse = `[${Array.from({ length: 500 }, (_, i) => req('ping', {}, i)).join(',')}]`;
    expect((await post(gw.url, abuse, { 'mcp-session-id': old })).json).toMatchObject({
      error: { code: -32600 },
    });
  });

  it('makes room past the session cap by evicting the least recently used idle session', async () => {
    const first = await rawSession(gw.url);
    for (let i = 0; i < 6; i++) await rawSession(gw.url); // the cap is 6: these are the 6 most recent
    expect((await post(gw.url, req('ping'), { 'mcp-session-id': first })).status).toBe(404);
    expect(gw.gateway.sessionCount).toBe(6);
  });

  it('names the stack in /health and /ready', async () => {
    const health = await fetch(`${gw.base}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', stack: 'test-stack' });
    const ready = await fetch(`${gw.base}/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ ready: true, stack: 'test-stack' });
  });
});

describe('relays', () => {
  let gw: RunningGateway;
  let client: Client;

  beforeAll(async () => {
    gw = await startGateway([spec('fx', stdio(fixtureStdioCommand()))]);
    client = await connectStreamable(gw.url);
  });
  afterAll(async () => {
    await client?.close();
    await gw?.close();
  });

  it('re-lists on an upstream list_changed and tells the client', async () => {
    let changed = 0;
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
      changed++;
    });
    // The fixture registers test_dynamic_tool 2 s after it starts.
    await waitFor(
      async () => (await client.listTools()).tools.some((t) => t.name === 'fx__test_dynamic_tool'),
      {
        what: 'the dynamic tool',
      },
    );
    await waitFor(() => changed > 0, { what: 'tools/list_changed' });
  });

  it('relays resources/updated to the subscribed session', async () => {
    const updates: string[] = [];
    client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => {
      updates.push(n.params.uri);
    });
    await client.subscribeResource({ uri: 'test://watched-resource' });
    await waitFor(() => updates.length > 0, { what: 'resources/updated' });
    expect(updates[0]).toBe('test://watched-resource');
    await client.unsubscribeResource({ uri: 'test://watched-resource' });
  });

  it('cancels the upstream call when the client cancels', async () => {
    const count = async () =>
      Number(
        (
          (await client.callTool({ name: 'fx__cancelled_count', arguments: {} })).content as {
            text: string;
          }[]
        )[0]!.text,
      );
    const before = await count();
    const ac = new AbortController();
    const call = client.callTool(
      { name: 'fx__slow', arguments: { ms: 20_000, progressEveryMs: 50 } },
      undefined,
      {
        signal: ac.signal,
      },
    );
    await waitFor(() => gw.gateway.listSessions().some((s) => s.inflight > 0), {
      what: 'the call in flight',
    });
    ac.abort('user gave up');
    await expect(call).rejects.toThrow();
    await waitFor(async () => (await count()) > before, { what: 'the fixture to see the cancellation' });
  });

  it('relays sampling requests to the client that caused them', async () => {
    const { CreateMessageRequestSchema } = await import('@modelcontextprotocol/sdk/types.js');
    const sampler = await connectStreamable(gw.url, { sampling: {} });
    sampler.setRequestHandler(CreateMessageRequestSchema, async () => ({
      model: 'test-model',
      role: 'assistant',
      content: { type: 'text', text: 'sampled answer' },
    }));
    try {
      const r = await sampler.callTool({ name: 'fx__test_sampling', arguments: { prompt: 'hi' } });
      expect(JSON.stringify(r.content)).toContain('sampled answer');
      // A client without the capability gets a clear error result instead.
      const plain = await client.callTool({ name: 'fx__test_sampling', arguments: { prompt: 'hi' } });
      expect(JSON.stringify(plain)).toMatch(/does not support sampling/);
    } finally {
      await sampler.close();
    }
  });
});

describe('readiness and failures', () => {
  it('is 503 naming pending servers until registration finished; failed servers do not block', async () => {
    const gateway = new Gateway({
      name: 'g',
      version: '1',
      stackName: 'ready-stack',
      servers: [
        spec('fx', stdio(fixtureStdioCommand())),
        spec('broken', stdio(['/nonexistent/gridctl-test-binary'])),
      ],
    });
    const { url } = await gateway.listen({ port: 0 });
    const base = url.replace(/\/mcp$/, '');
    try {
      const before = await fetch(`${base}/ready`);
      expect(before.status).toBe(503);
      expect(await before.json()).toMatchObject({
        ready: false,
        stack: 'ready-stack',
        pending: ['fx', 'broken'],
      });
      await gateway.start();
      const after = await fetch(`${base}/ready`);
      expect(after.status).toBe(200);
      const body = (await after.json()) as { failed: { name: string; reason?: string }[] };
      expect(body.failed[0]?.reason).toBeUndefined();
      expect(body.failed.map((f) => f.name)).toEqual(['broken']);
      const st = gateway.status().find((s) => s.name === 'broken')!;
      expect(st.state).toBe('failed');
      expect(st.reason).toMatch(/registration failed/);
    } finally {
      await gateway.close();
    }
  });

  it('reports unprefixed name collisions on the later server and keeps serving the first', async () => {
    const gw = await startGateway([
      spec('one', stdio(fixtureStdioCommand()), { unprefixed: true }),
      spec('two', stdio(fixtureStdioCommand()), { unprefixed: true, tools: ['echo', 'slow'] }),
    ]);
    try {
      const st = gw.gateway.status();
      expect(st.find((s) => s.name === 'one')?.collisions).toBeUndefined();
      // The later server loses every name the first one already exposes: its tools and prompts.
      expect(st.find((s) => s.name === 'two')?.collisions).toEqual(
        expect.arrayContaining(['echo', 'slow', 'test_simple_prompt']),
      );
      const tools = gw.gateway.tools();
      expect(tools.filter((t) => t.name === 'echo').map((t) => t.server)).toEqual(['one']);
    } finally {
      await gw.close();
    }
  });

  it('times calls out per server, and progress resets the clock', async () => {
    const gw = await startGateway([spec('fx', stdio(fixtureStdioCommand()), { timeoutMs: 400 })]);
    const client = await connectStreamable(gw.url);
    try {
      // Progress every 100 ms keeps a 1.2 s call alive under a 400 ms timeout.
      const kept = await client.callTool(
        { name: 'fx__slow', arguments: { ms: 1200, progressEveryMs: 100 } },
        undefined,
        {
          onprogress: () => {},
        },
      );
      expect(kept.isError).toBeFalsy();
      // Without progress the same call is cut off, with an error result naming server and cause.
      const cut = await client.callTool({ name: 'fx__slow', arguments: { ms: 1200, progressEveryMs: 100 } });
      expect(cut.isError).toBe(true);
      expect(JSON.stringify(cut.content)).toMatch(/server \\"fx\\".*timed out after 400 ms/);
    } finally {
      await client.close();
      await gw.close();
    }
  });

  it('adds and removes servers at run time, telling clients', async () => {
    const gw = await startGateway([]);
    const client = await connectStreamable(gw.url);
    let changed = 0;
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
      changed++;
    });
    try {
      await waitFor(() => gw.gateway.listSessions()[0]?.stream, { what: 'the client GET stream' });
      const st = await gw.gateway.addServer(spec('late', stdio(fixtureStdioCommand())));
      expect(st.state).toBe('healthy');
      await waitFor(() => changed >= 1, { what: 'list_changed after addServer' });
      expect((await client.listTools()).tools.map((t) => t.name)).toContain('late__echo');
      await expect(gw.gateway.addServer(spec('late', stdio(fixtureStdioCommand())))).rejects.toThrow(
        /already/,
      );
      expect(
        () => new Gateway({ name: 'g', version: '1', stackName: 's', servers: [spec('a__b', stdio(['x']))] }),
      ).toThrow(/invalid server name/);
      const pid = st.pid!;
      expect(await gw.gateway.removeServer('late')).toBe(true);
      await waitFor(() => changed >= 2, { what: 'list_changed after removeServer' });
      expect((await client.listTools()).tools).toEqual([]);
      await waitFor(() => !isAlive(pid), { what: 'the removed server process to exit' });
    } finally {
      await client.close();
      await gw.close();
    }
  });

  it('expires idle sessions', async () => {
    const gw = await startGateway([], { sessionIdleMs: 100 });
    try {
      const sid = await rawSession(gw.url);
      // With no server at all, no resource has an owner.
      expect(
        (await post(gw.url, req('resources/read', { uri: 'a://b' }), { 'mcp-session-id': sid })).json,
      ).toMatchObject({
        error: { code: -32002, message: expect.stringMatching(/a:\/\/b/) },
      });
      await waitFor(async () => (await post(gw.url, req('ping'), { 'mcp-session-id': sid })).status === 404, {
        what: 'the session to expire',
        intervalMs: 400, // each probe touches the session, so probe less often than it expires
      });
    } finally {
      await gw.close();
    }
  });
});
