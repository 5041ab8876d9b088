import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, RpcError } from '../../src/protocol/jsonrpc.js';
import { StreamableHttpUpstream } from '../../src/upstream/streamable-http.js';
import { startConformanceFixture } from '../fixtures/conformance.js';
import { startEverything } from '../fixtures/everything.js';
import type { LaunchedServer } from '../fixtures/launch.js';
import { freePort } from '../support/net.js';
import { upstreamContract } from './contract.js';
import { INIT, recorder } from './recorder.js';
import { directClient, everythingShape, fixtureShape } from './targets.js';

describe('streamable HTTP → server-everything (streamableHttp mode)', () => {
  let srv: LaunchedServer;
  beforeAll(async () => {
    srv = await startEverything('streamableHttp');
  });
  afterAll(() => srv.stop());

  upstreamContract({
    ...everythingShape,
    label: 'streamable HTTP → server-everything',
    serverName: 'everything-http',
    create: () => new StreamableHttpUpstream('everything-http', { url: srv.url }),
    direct: () => directClient(new StreamableHTTPClientTransport(new URL(srv.url))),
  });
});

describe('streamable HTTP → conformance fixture (--http)', () => {
  let srv: LaunchedServer;
  beforeAll(async () => {
    srv = await startConformanceFixture();
  });
  afterAll(() => srv.stop());

  upstreamContract({
    ...fixtureShape,
    label: 'streamable HTTP → conformance fixture',
    serverName: 'fixture-http',
    create: () => new StreamableHttpUpstream('fixture-http', { url: srv.url }),
    direct: () => directClient(new StreamableHTTPClientTransport(new URL(srv.url))),
  });

  it('relates messages on a POST stream to the request that caused them', async () => {
    const u = new StreamableHttpUpstream('fixture-http', { url: srv.url });
    const ev = recorder();
    await u.connect(ev, INIT);
    ev.answer = async () => ({ model: 'm', role: 'assistant', content: { type: 'text', text: 'ok' } });
    await u.request('tools/call', { name: 'test_tool_with_logging', arguments: {} });
    await u.request('tools/call', { name: 'test_sampling', arguments: { prompt: 'p' } });
    const logs = ev.notifications.filter((n) => n.msg.method === 'notifications/message');
    expect(logs.length).toBe(3);
    for (const l of logs) expect(typeof l.ctx.relatedRequestId).toBe('number');
    expect(ev.requests.length).toBe(1);
    expect(typeof ev.requests[0]?.ctx.relatedRequestId).toBe('number');
    expect(ev.requests[0]?.ctx.relatedRequestId).not.toBe(logs[0]?.ctx.relatedRequestId);
    await u.close();
  });

  it('sends custom headers and the session headers, and DELETEs the session on close', async () => {
    const u = new StreamableHttpUpstream('fixture-http', {
      url: srv.url,
      headers: { 'x-gridctl-test': 'yes' },
    });
    await u.connect(recorder(), INIT);
    const res = (await u.request('tools/call', { name: 'request_headers', arguments: {} })) as {
      content: { text: string }[];
    };
    const headers = JSON.parse(res.content[0]!.text) as Record<string, string>;
    expect(headers['x-gridctl-test']).toBe('yes');
    expect(headers['mcp-protocol-version']).toBe('2025-11-25');
    const sessionId = headers['mcp-session-id'];
    expect(sessionId).toMatch(/.+/);
    await u.close();
    // After DELETE the server no longer knows the session.
    const after = await fetch(srv.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-session-id': sessionId!,
        'mcp-protocol-version': '2025-11-25',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
    });
    await after.body?.cancel();
    expect(after.status).toBe(404);
  });
});

describe('streamable HTTP failures', () => {
  it('names the server and URL when nothing listens there', async () => {
    const port = await freePort();
    const ev = recorder();
    const u = new StreamableHttpUpstream('nowhere', { url: `http://127.0.0.1:${port}/mcp` });
    const err = await u.connect(ev, INIT).then(
      () => undefined,
      (e: unknown) => e as RpcError,
    );
    expect(err).toBeInstanceOf(RpcError);
    expect(err?.code).toBe(ErrorCode.ConnectionClosed);
    expect(err?.message).toContain('server "nowhere"');
    expect(err?.message).toContain(`127.0.0.1:${port}`);
  });
});
