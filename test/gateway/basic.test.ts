// One gateway in front of the conformance fixture and server-everything, both over stdio; the SDK
// client lists and calls through streamable HTTP and the legacy SSE transport.
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureStdioCommand } from '../fixtures/conformance.js';
import { RED_PIXEL_PNG } from '../fixtures/conformance-server.js';
import { everythingStdioCommand } from '../fixtures/everything.js';
import { descendants } from '../support/processes.js';
import { waitFor } from '../support/wait.js';
import { connectSse, connectStreamable, type RunningGateway, spec, startGateway, stdio } from './helpers.js';

describe('gateway over stdio upstreams', () => {
  let gw: RunningGateway;
  let client: Client;

  beforeAll(async () => {
    gw = await startGateway(
      [
        spec('fx', stdio(fixtureStdioCommand())),
        spec('every', stdio(everythingStdioCommand()), { tools: ['echo', 'get-tiny-image', 'get-sum'] }),
      ],
      { pageSize: 7 },
    );
    client = await connectStreamable(gw.url);
  });

  afterAll(async () => {
    await client?.close();
    await gw?.close();
    // Every upstream process of this test file is gone.
    await waitFor(
      () =>
        descendants(process.pid).filter(
          (p) => p.cmdline.includes('conformance-server') || p.cmdline.includes('mcp-server-everything'),
        ).length === 0,
      { what: 'upstreams to exit' },
    );
  });

  it('reports both servers healthy with their transport and pid', () => {
    const st = gw.gateway.status();
    expect(st.map((s) => [s.name, s.state, s.transport])).toEqual([
      ['fx', 'healthy', 'stdio'],
      ['every', 'healthy', 'stdio'],
    ]);
    expect(st.every((s) => typeof s.pid === 'number')).toBe(true);
    expect(st[1]?.tools).toBe(3);
  });

  it('lists prefixed tools across pages, after the whitelist', async () => {
    const names: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const r = await client.listTools(cursor ? { cursor } : {});
      names.push(...r.tools.map((t) => t.name));
      cursor = r.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBeGreaterThan(1);
    expect(names).toContain('fx__test_simple_text');
    expect(names).toContain('fx__echo');
    expect(names.filter((n) => n.startsWith('every__')).sort()).toEqual([
      'every__echo',
      'every__get-sum',
      'every__get-tiny-image',
    ]);
    expect(new Set(names).size).toBe(names.length);
  });

  it('calls tools on both servers with results passed through losslessly', async () => {
    const r = await client.callTool({ name: 'fx__echo', arguments: { text: 'héllo' } });
    expect(r).toEqual({
      content: [{ type: 'text', text: 'héllo' }],
      structuredContent: { text: 'héllo', length: 5 },
      _meta: { 'gridctl.test/echo': true },
    });
    const sum = await client.callTool({ name: 'every__get-sum', arguments: { a: 2, b: 3 } });
    expect(JSON.stringify(sum.content)).toContain('5');
  });

  it('returns an image byte-identical', async () => {
    const r = await client.callTool({ name: 'fx__test_image_content', arguments: {} });
    const img = (r.content as { type: string; data: string; mimeType: string }[])[0]!;
    expect(img.type).toBe('image');
    expect(Buffer.from(img.data, 'base64').equals(Buffer.from(RED_PIXEL_PNG, 'base64'))).toBe(true);
  });

  it('names unknown tools with a JSON-RPC error', async () => {
    await expect(client.callTool({ name: 'fx__nope', arguments: {} })).rejects.toThrow(
      /Unknown tool: fx__nope/,
    );
  });

  it('turns upstream tool failures into isError results', async () => {
    const r = await client.callTool({ name: 'fx__test_error_handling', arguments: {} });
    expect(r.isError).toBe(true);
  });

  it('relays progress with the client token', async () => {
    const seen: number[] = [];
    const r = await client.callTool(
      { name: 'fx__slow', arguments: { ms: 300, progressEveryMs: 50 } },
      undefined,
      {
        onprogress: (p) => seen.push(p.progress),
      },
    );
    expect(JSON.stringify(r.content)).toContain('slept 300 ms');
    expect(seen.length).toBeGreaterThan(0);
  });

  it('serves prompts and resources through the same session', async () => {
    const prompts = await client.listPrompts();
    expect(prompts.prompts.map((p) => p.name)).toContain('fx__test_simple_prompt');
    const got = await client.getPrompt({ name: 'fx__test_simple_prompt' });
    expect(got.messages.length).toBeGreaterThan(0);
    const res = await client.listResources();
    expect(res.resources.map((r) => r.uri)).toContain('test://static-text');
    const read = await client.readResource({ uri: 'test://static-text' });
    expect(read.contents[0]?.uri).toBe('test://static-text');
    const tpl = await client.readResource({ uri: 'test://template/42/data' });
    expect(JSON.stringify(tpl.contents)).toContain('42');
  });

  it('works over the legacy SSE transport too', async () => {
    const legacy = await connectSse(gw.base);
    try {
      const tools = await legacy.listTools();
      expect(tools.tools.length).toBeGreaterThan(0);
      const r = await legacy.callTool({ name: 'every__echo', arguments: { message: 'legacy' } });
      expect(JSON.stringify(r.content)).toContain('legacy');
    } finally {
      await legacy.close();
    }
  });
});
