// Acceptance: through one gateway, SDK clients on both downstream transports list and call tools
// of servers on three upstream transports (stdio, streamable HTTP, SSE), and an image arrives
// byte-identical.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConformanceFixture } from '../fixtures/conformance.js';
import { RED_PIXEL_PNG } from '../fixtures/conformance-server.js';
import { startEverything } from '../fixtures/everything.js';
import type { LaunchedServer } from '../fixtures/launch.js';
import { isAlive } from '../support/processes.js';
import { waitFor } from '../support/wait.js';
import { connectSse, connectStreamable, type RunningGateway, spec, startGateway, stdio } from './helpers.js';

const BIN = resolve(import.meta.dirname, '../../node_modules/.bin');
type ToolResult = { content: { type: string; text?: string; data?: string }[]; isError?: boolean };

describe('three upstream transports behind one gateway', () => {
  let gw: RunningGateway;
  let everyHttp: LaunchedServer;
  let everySse: LaunchedServer;
  let fixtureHttp: LaunchedServer;
  let dir: string;
  const clients: Client[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gridctl-gw-'));
    writeFileSync(join(dir, 'hello.txt'), 'hello from the filesystem server');
    [everyHttp, everySse, fixtureHttp] = await Promise.all([
      startEverything('streamableHttp'),
      startEverything('sse'),
      startConformanceFixture(),
    ]);
    gw = await startGateway([
      spec('fs', stdio([join(BIN, 'mcp-server-filesystem'), dir])),
      spec(
        'memory',
        stdio([join(BIN, 'mcp-server-memory')], { MEMORY_FILE_PATH: join(dir, 'memory.jsonl') }),
      ),
      spec('http', { transport: 'http', url: everyHttp.url }),
      spec('sse', { transport: 'sse', url: everySse.url }),
      spec('fxhttp', { transport: 'http', url: fixtureHttp.url }),
    ]);
    clients.push(await connectStreamable(gw.url), await connectSse(gw.base));
  });

  afterAll(async () => {
    for (const c of clients) await c.close();
    const pids = gw.gateway.status().flatMap((s) => (s.pid ? [s.pid] : []));
    await gw?.close();
    await waitFor(() => pids.every((p) => !isAlive(p)), { what: 'stdio upstreams to exit' });
    await Promise.all([everyHttp?.stop(), everySse?.stop(), fixtureHttp?.stop()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('registers every server with its transport', () => {
    const st = Object.fromEntries(gw.gateway.status().map((s) => [s.name, [s.state, s.transport]]));
    expect(st).toEqual({
      fs: ['healthy', 'stdio'],
      memory: ['healthy', 'stdio'],
      http: ['healthy', 'http'],
      sse: ['healthy', 'sse'],
      fxhttp: ['healthy', 'http'],
    });
  });

  for (const [i, label] of ['streamable HTTP', 'legacy SSE'].entries()) {
    it(`lists and calls tools on every transport (client over ${label})`, async () => {
      const client = clients[i]!;
      const names = (await client.listTools()).tools.map((t) => t.name);
      for (const n of [
        'fs__read_text_file',
        'memory__read_graph',
        'http__echo',
        'sse__echo',
        'fxhttp__echo',
      ]) {
        expect(names).toContain(n);
      }
      const file = (await client.callTool({
        name: 'fs__read_text_file',
        arguments: { path: join(dir, 'hello.txt') },
      })) as ToolResult;
      expect(file.content[0]?.text).toContain('hello from the filesystem server');
      const graph = (await client.callTool({ name: 'memory__read_graph', arguments: {} })) as ToolResult;
      expect(graph.isError).toBeFalsy();
      for (const server of ['http', 'sse']) {
        const r = (await client.callTool({
          name: `${server}__echo`,
          arguments: { message: `via ${server}` },
        })) as ToolResult;
        expect(r.content[0]?.text).toContain(`via ${server}`);
      }
    });
  }

  it('passes images through byte-identical from HTTP and SSE upstreams', async () => {
    const [client] = clients;
    const fromFixture = (await client!.callTool({
      name: 'fxhttp__test_image_content',
      arguments: {},
    })) as ToolResult;
    expect(
      Buffer.from(fromFixture.content[0]!.data!, 'base64').equals(Buffer.from(RED_PIXEL_PNG, 'base64')),
    ).toBe(true);
    const viaSse = (await client!.callTool({ name: 'sse__get-tiny-image', arguments: {} })) as ToolResult;
    const viaHttp = (await client!.callTool({ name: 'http__get-tiny-image', arguments: {} })) as ToolResult;
    const img = (r: ToolResult) => r.content.find((c) => c.type === 'image')!.data!;
    expect(img(viaSse).length).toBeGreaterThan(100);
    expect(img(viaSse)).toBe(img(viaHttp));
  });

  it('keeps a resource URI two servers share reversible', async () => {
    const [client] = clients;
    const uris = (await client!.listResources()).resources.map((r) => r.uri);
    // Both everything servers list the same URIs: each copy is wrapped with its server.
    const wrapped = uris.filter((u) => u.startsWith('gridctl:http/'));
    expect(wrapped.length).toBeGreaterThan(0);
    const twin = wrapped[0]!.replace('gridctl:http/', 'gridctl:sse/');
    expect(uris).toContain(twin);
    const read = await client!.readResource({ uri: wrapped[0]! });
    expect(read.contents[0]?.uri).toBe(wrapped[0]);
    // The fixture's URIs are unique, so they stay as they are.
    expect(uris).toContain('test://static-text');
  });
});
