import { createServer, type Server } from 'node:http';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, RpcError } from '../../src/protocol/jsonrpc.js';
import { SseUpstream } from '../../src/upstream/sse.js';
import { startEverything } from '../fixtures/everything.js';
import type { LaunchedServer } from '../fixtures/launch.js';
import { waitFor } from '../support/wait.js';
import { upstreamContract } from './contract.js';
import { INIT, recorder } from './recorder.js';
import { directClient, everythingShape } from './targets.js';

describe('legacy SSE → server-everything (sse mode)', () => {
  let srv: LaunchedServer;
  beforeAll(async () => {
    srv = await startEverything('sse');
  });
  afterAll(() => srv.stop());

  upstreamContract({
    ...everythingShape,
    label: 'legacy SSE → server-everything',
    serverName: 'everything-sse',
    create: () => new SseUpstream('everything-sse', { url: srv.url }),
    direct: () => directClient(new SSEClientTransport(new URL(srv.url))),
  });

  it('reports the server going away: onClose with an error, pending calls rejected', async () => {
    // A private server-everything so stopping it does not disturb the other tests.
    const own = await startEverything('sse');
    const ev = recorder();
    const u = new SseUpstream('everything-sse', { url: own.url });
    await u.connect(ev, INIT);
    const pending = u
      .request('tools/call', {
        name: 'trigger-long-running-operation',
        arguments: { duration: 20, steps: 2 },
      })
      .then(
        () => undefined,
        (e: unknown) => e as RpcError,
      );
    await own.stop();
    const err = await pending;
    expect(err?.code).toBe(ErrorCode.ConnectionClosed);
    expect(err?.message).toContain('server "everything-sse"');
    await waitFor(() => ev.closes.length === 1, { what: 'onClose' });
    expect(ev.closes[0]).toBeInstanceOf(Error);
  });
});

describe('legacy SSE endpoint checks', () => {
  let http: Server;
  let base: string;
  beforeAll(async () => {
    // A deliberately bad SSE server: it points clients at another origin.
    http = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('event: endpoint\ndata: http://evil.example:1/message\n\n');
    });
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    const addr = http.address();
    base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/sse`;
  });
  afterAll(async () => {
    http.closeAllConnections();
    await new Promise((r) => http.close(r));
  });

  it('refuses an endpoint on another origin, naming the server', async () => {
    const u = new SseUpstream('shady', { url: base });
    const err = await u.connect(recorder(), INIT).then(
      () => undefined,
      (e: unknown) => e as RpcError,
    );
    expect(err).toBeInstanceOf(RpcError);
    expect(err?.message).toContain('server "shady"');
    expect(err?.message).toContain('another origin');
  });
});
