// The 2026-07-28 (stateless) era on /mcp, beside the session era: the real SDK v2 client
// (@modelcontextprotocol/client, version negotiation `auto`) and the 2025 SDK client on the same
// endpoint, in front of a real handshake-era upstream (our conformance fixture over stdio). Covers
// the validation ladder as a raw client sees it, per-client scope on the stateless path, and the
// bridge that turns the upstream's mid-call sampling/elicitation into input_required rounds.
import {
  Client as ClientV2,
  StreamableHTTPClientTransport as HttpV2,
  ProtocolError,
} from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureStdioCommand } from '../fixtures/conformance.js';
import { waitFor } from '../support/wait.js';
import { connectStreamable, post, type RunningGateway, spec, startGateway, stdio } from './helpers.js';

type Result = { content?: Array<{ type: string; text?: string }>; _meta?: Record<string, unknown> };
const textOf = (r: unknown) => (r as Result).content?.[0]?.text ?? '';

const V = '2026-07-28';
const meta = (caps: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) => ({
  'io.modelcontextprotocol/protocolVersion': V,
  'io.modelcontextprotocol/clientInfo': { name: 'raw-modern', version: '1' },
  'io.modelcontextprotocol/clientCapabilities': caps,
  ...extra,
});

describe('2026-07-28 stateless era through the gateway', () => {
  let gw: RunningGateway;
  const closers: Array<() => Promise<void>> = [];

  /** A real SDK v2 client, negotiating the era itself (server/discover first). */
  const modern = async (
    opts: { name?: string; caps?: Record<string, unknown>; answers?: string[] } = {},
  ): Promise<ClientV2> => {
    const c = new ClientV2(
      { name: opts.name ?? 'v2-client', version: '1.0.0' },
      { capabilities: opts.caps ?? {}, versionNegotiation: { mode: 'auto' } },
    );
    if (opts.caps?.sampling) {
      c.setRequestHandler('sampling/createMessage', async () => ({
        role: 'assistant',
        content: { type: 'text', text: 'Paris' },
        model: 'stand-in-model',
        stopReason: 'endTurn',
      }));
    }
    if (opts.caps?.elicitation) {
      const answers = [...(opts.answers ?? ['yes'])];
      c.setRequestHandler('elicitation/create', async () => ({
        action: 'accept',
        content: { answer: answers.shift() ?? 'none' },
      }));
    }
    await c.connect(new HttpV2(new URL(gw.url)));
    closers.push(() => c.close());
    return c;
  };

  const raw = (
    method: string,
    params: Record<string, unknown> | undefined,
    headers: Record<string, string> = {},
    id: number | string = 7,
  ) => {
    const name = (params?.name ?? params?.uri) as string | undefined;
    return post(gw.url, JSON.stringify({ jsonrpc: '2.0', id, method, ...(params ? { params } : {}) }), {
      'mcp-protocol-version': V,
      'mcp-method': method,
      ...(name !== undefined ? { 'mcp-name': name } : {}),
      ...headers,
    });
  };

  beforeAll(async () => {
    gw = await startGateway([spec('fx', stdio(fixtureStdioCommand()))], {
      policies: {
        clients: {
          default: 'allow',
          profiles: { 'narrow-client': { tools: ['fx__test_simple_text'] } },
        },
      },
      inputRequiredTtlMs: 5_000,
    });
  }, 60_000);

  afterAll(async () => {
    for (const c of closers) await c().catch(() => {});
    await gw?.close();
  });

  it('the SDK v2 client negotiates the modern era and lists, calls, reads and gets statelessly', async () => {
    const c = await modern();
    expect(c.getProtocolEra()).toBe('modern');
    expect(c.getServerVersion()?.name).toBe('gridctl-test');
    const tools = (await c.listTools()).tools.map((t) => t.name);
    expect(tools).toContain('fx__test_simple_text');
    expect(textOf(await c.callTool({ name: 'fx__test_simple_text', arguments: {} }))).toBe(
      'This is a simple text response for testing.',
    );
    const read = await c.readResource({ uri: 'test://static-text' });
    expect((read.contents[0] as { text?: string }).text).toBe(
      'This is the content of the static text resource.',
    );
    const prompt = await c.getPrompt({ name: 'fx__test_simple_prompt' });
    expect(prompt.messages[0]?.content).toMatchObject({ type: 'text' });
    // Nothing of this created a session.
    expect(gw.gateway.listSessions()).toHaveLength(0);
  });

  it('a 2025 client on the same endpoint keeps its session; initialize asking 2026-07-28 is counter-offered 2025-11-25', async () => {
    const old = await connectStreamable(gw.url);
    closers.push(() => old.close());
    expect(textOf(await old.callTool({ name: 'fx__test_simple_text', arguments: {} }))).toContain(
      'simple text',
    );
    expect(gw.gateway.listSessions().length).toBeGreaterThanOrEqual(1);
    const r = await post(
      gw.url,
      JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: V, capabilities: {}, clientInfo: { name: 'asks-new', version: '1' } },
      }),
    );
    expect(r.status).toBe(200);
    expect((r.json as { result: { protocolVersion: string } }).result.protocolVersion).toBe('2025-11-25');
    expect(r.headers.get('mcp-session-id')).toBeTruthy();
  });

  it('an upstream sampling request becomes an input_required round the SDK v2 client fulfils', async () => {
    const c = await modern({ caps: { sampling: {} } });
    const r = await c.callTool({ name: 'fx__test_sampling', arguments: { prompt: 'Capital of France?' } });
    expect(textOf(r)).toBe('LLM response: Paris');
  });

  it('two questions in a row are two rounds, answered in order', async () => {
    const c = await modern({ caps: { elicitation: {} }, answers: ['one', 'two'] });
    const r = await c.callTool({ name: 'fx__ask_twice', arguments: {} });
    expect(textOf(r)).toBe('answers: {"answer":"one"} {"answer":"two"}');
  });

  it('a client without the capability gets -32021 naming it (HTTP 400), through the SDK and raw', async () => {
    const c = await modern();
    const err = await c.callTool({ name: 'fx__test_sampling', arguments: { prompt: 'x' } }).catch((e) => e);
    expect(err).toBeInstanceOf(ProtocolError);
    expect((err as ProtocolError).code).toBe(-32021);
    const r = await raw('tools/call', {
      name: 'fx__test_sampling',
      arguments: { prompt: 'x' },
      _meta: meta(),
    });
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({
      id: 7,
      error: { code: -32021, data: { requiredCapabilities: { sampling: {} } } },
    });
  });

  it('the requestState is signed: a tampered one is refused, the genuine one resumes the held call', async () => {
    const params = { name: 'fx__test_sampling', arguments: { prompt: 'hi' }, _meta: meta({ sampling: {} }) };
    const first = await raw('tools/call', params);
    const result = (first.json as { result: Record<string, unknown> }).result;
    expect(result.resultType).toBe('input_required');
    const [key] = Object.keys(result.inputRequests as object);
    expect((result.inputRequests as Record<string, { method: string }>)[key!]!.method).toBe(
      'sampling/createMessage',
    );
    const state = result.requestState as string;
    const answer = {
      [key!]: {
        role: 'assistant',
        content: { type: 'text', text: 'Lyon' },
        model: 'm',
        stopReason: 'endTurn',
      },
    };
    const tampered = `${state.slice(0, -3)}${state.endsWith('AAA') ? 'BBB' : 'AAA'}`;
    const bad = await raw('tools/call', { ...params, requestState: tampered, inputResponses: answer }, {}, 8);
    expect(bad.json).toMatchObject({ id: 8, error: { code: -32602 } });
    expect((bad.json as { error: { message: string } }).error.message).toContain(
      'requestState failed verification',
    );
    // Another request (other arguments) cannot use it either.
    const moved = await raw(
      'tools/call',
      { ...params, arguments: { prompt: 'other' }, requestState: state, inputResponses: answer },
      {},
      9,
    );
    expect((moved.json as { error: { message: string } }).error.message).toContain(
      'belongs to another request',
    );
    const ok = await raw('tools/call', { ...params, requestState: state, inputResponses: answer }, {}, 10);
    expect(ok.json).toMatchObject({ id: 10, result: { resultType: 'complete' } });
    expect(textOf((ok.json as { result: unknown }).result)).toBe('LLM response: Lyon');
    // Used once: a replay names a call that has ended.
    const replay = await raw(
      'tools/call',
      { ...params, requestState: state, inputResponses: answer },
      {},
      11,
    );
    expect((replay.json as { error: { message: string } }).error.message).toContain('has ended');
  });

  it('per-client scope applies on the stateless path (identity from _meta clientInfo)', async () => {
    const c = await modern({ name: 'narrow-client' });
    expect((await c.listTools()).tools.map((t) => t.name)).toEqual(['fx__test_simple_text']);
    const denied = await c.callTool({ name: 'fx__test_sampling', arguments: { prompt: 'x' } });
    expect(denied.isError).toBe(true);
    expect(textOf(denied)).toContain('not in this client\'s access scope (client "narrow-client")');
    // The scoped list is not the same for everyone: private.
    const r = await raw('tools/list', { _meta: meta() });
    expect(r.json).toMatchObject({ result: { resultType: 'complete', ttlMs: 0, cacheScope: 'private' } });
  });

  it('the validation ladder: codes, HTTP statuses and the request id', async () => {
    const missing = await raw('server/discover', {}, {}, 101);
    expect(missing.status).toBe(400);
    expect(missing.json).toMatchObject({ id: 101, error: { code: -32602 } });
    const mismatch = await raw('tools/list', { _meta: meta() }, { 'mcp-method': 'prompts/list' }, 102);
    expect(mismatch.status).toBe(400);
    expect(mismatch.json).toMatchObject({ id: 102, error: { code: -32020 } });
    const name = await raw(
      'tools/call',
      { name: 'fx__test_simple_text', arguments: {}, _meta: meta() },
      { 'mcp-name': `=?base64?${Buffer.from('fx__other').toString('base64')}?=` },
      103,
    );
    expect(name.json).toMatchObject({ id: 103, error: { code: -32020 } });
    const encoded = await raw(
      'tools/call',
      { name: 'fx__test_simple_text', arguments: {}, _meta: meta() },
      { 'mcp-name': `=?base64?${Buffer.from('fx__test_simple_text').toString('base64')}?=` },
      104,
    );
    expect(encoded.json).toMatchObject({ id: 104, result: { resultType: 'complete' } });
    const unsupported = await raw(
      'server/discover',
      { _meta: meta({}, { 'io.modelcontextprotocol/protocolVersion': '1900-01-01' }) },
      { 'mcp-protocol-version': '1900-01-01' },
      105,
    );
    expect(unsupported.status).toBe(400);
    expect(unsupported.json).toMatchObject({
      id: 105,
      error: {
        code: -32022,
        data: { requested: '1900-01-01', supported: expect.arrayContaining([V, '2025-11-25']) },
      },
    });
    for (const removed of ['initialize', 'ping', 'logging/setLevel', 'resources/subscribe', 'no/such']) {
      const r = await raw(removed, { _meta: meta() }, {}, 106);
      expect(r.status, removed).toBe(404);
      expect(r.json, removed).toMatchObject({ id: 106, error: { code: -32601 } });
    }
    for (const method of ['GET', 'DELETE']) {
      const r = await fetch(gw.url, {
        method,
        headers: { 'mcp-protocol-version': V, accept: 'text/event-stream' },
      });
      expect(r.status, method).toBe(405);
      expect(r.headers.get('allow')).toBe('POST');
      await r.body?.cancel();
    }
    const note = await post(
      gw.url,
      JSON.stringify({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { _meta: meta() } }),
      { 'mcp-protocol-version': V },
    );
    expect(note.status).toBe(202);
    expect(note.text).toBe('');
  });

  it('Mcp-Param-* headers must match the x-mcp-header arguments', async () => {
    const params = { name: 'fx__test_header_param', arguments: { region: 'eu-west-1' }, _meta: meta() };
    const absent = await raw('tools/call', params, {}, 201);
    expect(absent.json).toMatchObject({ id: 201, error: { code: -32020 } });
    const wrong = await raw('tools/call', params, { 'mcp-param-region': 'us-east-1' }, 202);
    expect(wrong.json).toMatchObject({ id: 202, error: { code: -32020 } });
    const right = await raw('tools/call', params, { 'mcp-param-region': 'eu-west-1' }, 203);
    expect(textOf((right.json as { result: unknown }).result)).toBe('region=eu-west-1 query=');
  });

  it('subscriptions/listen: acknowledgment first, only the kinds asked for, each tagged with the subscription id', async () => {
    const abort = new AbortController();
    const params = {
      _meta: meta(),
      notifications: {
        toolsListChanged: true,
        resourceSubscriptions: ['test://static-text'],
      },
    };
    const res = await fetch(gw.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': V,
        'mcp-method': 'subscriptions/listen',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 'sub-1', method: 'subscriptions/listen', params }),
      signal: abort.signal,
    });
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const frames: Array<{ method?: string; params?: Record<string, unknown> }> = [];
    const reading = (async () => {
      const reader = res.body!.getReader();
      const decoder = new TextDecoder();
      let buf = '';
      for (;;) {
        const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
        if (done) return;
        buf += decoder.decode(value, { stream: true });
        const lines = buf.split('\n');
        buf = lines.pop() ?? '';
        for (const l of lines) if (l.startsWith('data: ')) frames.push(JSON.parse(l.slice(6)));
      }
    })();
    try {
      await waitFor(() => frames.length >= 1, { what: 'the acknowledgment' });
      expect(frames[0]).toMatchObject({
        method: 'notifications/subscriptions/acknowledged',
        params: {
          notifications: { toolsListChanged: true, resourceSubscriptions: ['test://static-text'] },
          _meta: { 'io.modelcontextprotocol/subscriptionId': 'sub-1' },
        },
      });
      // A prompt change first (not asked for), then a tool change (asked for).
      await raw('tools/call', { name: 'fx__test_trigger_prompt_change', arguments: {}, _meta: meta() });
      await raw('tools/call', { name: 'fx__test_trigger_tool_change', arguments: {}, _meta: meta() });
      await waitFor(() => frames.length >= 2, { what: 'a list_changed on the listen stream' });
      expect(frames[1]).toMatchObject({
        method: 'notifications/tools/list_changed',
        params: { _meta: { 'io.modelcontextprotocol/subscriptionId': 'sub-1' } },
      });
      expect(frames.some((f) => f.method === 'notifications/prompts/list_changed')).toBe(false);
    } finally {
      abort.abort();
      await reading;
    }
  });

  it('server/discover names versions, capabilities and the gateway; logs only with a logLevel', async () => {
    const d = await raw('server/discover', { _meta: meta() });
    expect(d.json).toMatchObject({
      result: {
        resultType: 'complete',
        supportedVersions: expect.arrayContaining([V, '2025-11-25']),
        capabilities: { tools: {}, prompts: {}, resources: {} },
        _meta: { 'io.modelcontextprotocol/serverInfo': { name: 'gridctl-test' } },
      },
    });
    const quiet = await raw('tools/call', { name: 'fx__test_logging_tool', arguments: {}, _meta: meta() });
    expect(quiet.text).not.toContain('notifications/message');
    const loud = await raw('tools/call', {
      name: 'fx__test_logging_tool',
      arguments: {},
      _meta: meta({}, { 'io.modelcontextprotocol/logLevel': 'debug' }),
    });
    expect(loud.headers.get('content-type')).toContain('text/event-stream');
    expect(loud.text).toContain('notifications/message');
    expect(loud.text).toContain('Logging evaluated');
  });

  it('a held call whose client never comes back ends at the TTL; its state then names an ended call', async () => {
    const short = await startGateway([spec('fx', stdio(fixtureStdioCommand()))], { inputRequiredTtlMs: 300 });
    try {
      const send = (params: Record<string, unknown>, id: number) =>
        post(short.url, JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params }), {
          'mcp-protocol-version': V,
          'mcp-method': 'tools/call',
          'mcp-name': 'fx__test_sampling',
        });
      const params = {
        name: 'fx__test_sampling',
        arguments: { prompt: 'late' },
        _meta: meta({ sampling: {} }),
      };
      const first = await send(params, 1);
      const state = (first.json as { result: { requestState: string } }).result.requestState;
      const answer = { 'input-1': { role: 'assistant', content: { type: 'text', text: 'x' }, model: 'm' } };
      const late = await waitFor(
        async () => {
          const r = await send({ ...params, requestState: state, inputResponses: answer }, 2);
          const msg = (r.json as { error?: { message: string } }).error?.message ?? '';
          return /has ended|has expired/.test(msg) ? msg : undefined;
        },
        { what: 'the held call to end', timeoutMs: 10_000, intervalMs: 200 },
      );
      expect(late).toMatch(/has ended|has expired/);
    } finally {
      await short.close();
    }
  });

  it('closing the response stream cancels the request, upstream too', async () => {
    // Asked as the same principal as the slow call (raw-modern): its calls share one held upstream
    // session (docs/gateway.md), so the count is that session's.
    const count = async () =>
      Number(
        textOf(
          (
            (await raw('tools/call', { name: 'fx__cancelled_count', arguments: {}, _meta: meta() })).json as {
              result: unknown;
            }
          ).result,
        ),
      );
    const before = await count();
    const abort = new AbortController();
    const res = await fetch(gw.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': V,
        'mcp-method': 'tools/call',
        'mcp-name': 'fx__slow',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: {
          name: 'fx__slow',
          arguments: { ms: 20_000, progressEveryMs: 100 },
          _meta: meta({}, { progressToken: 'p1' }),
        },
      }),
      signal: abort.signal,
    });
    // The first progress event proves the upstream is running the call; then the client leaves.
    const reader = res.body!.getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toContain('notifications/progress');
    abort.abort();
    await reader.cancel().catch(() => {});
    await waitFor(async () => (await count()) > before, {
      what: 'the upstream slow call to be cancelled',
      timeoutMs: 10_000,
      intervalMs: 100,
    });
  });
});
