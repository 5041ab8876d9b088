// Tool groups over real HTTP: /groups/<name>/mcp (and the legacy /groups/<name>/sse) in front of the
// conformance fixture and server-everything. Curated and renamed list, calls through a rename,
// denial of non-members, unknown groups, late servers joining, and a live swap of the definitions.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GroupMap } from '../../src/gateway/index.js';
import { fixtureStdioCommand } from '../fixtures/conformance.js';
import { everythingStdioCommand } from '../fixtures/everything.js';
import { descendants } from '../support/processes.js';
import { waitFor } from '../support/wait.js';
import { connectStreamable, post, type RunningGateway, spec, startGateway, stdio } from './helpers.js';

const GROUPS: GroupMap = {
  curated: {
    description: 'Echo and sums, plus one fixture tool',
    servers: ['every'],
    tools: ['fx__test_simple_text'],
    exclude: ['every__get-tiny-image'],
    overrides: {
      every__echo: { name: 'say', description: 'Repeat a message', read_only_hint: true },
    },
  },
  latecomers: { servers: ['late'] },
};

type ToolResult = { isError?: boolean; content: Array<{ type: string; text?: string }> };
const textOf = (r: unknown) => ((r as ToolResult).content[0]?.text ?? '') as string;

describe('tool groups', () => {
  let gw: RunningGateway;
  const clients: Client[] = [];
  const open = async (path: string) => {
    const c = await connectStreamable(`${gw.base}${path}`);
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    gw = await startGateway(
      [
        spec('fx', stdio(fixtureStdioCommand())),
        spec('every', stdio(everythingStdioCommand()), { tools: ['echo', 'get-tiny-image', 'get-sum'] }),
      ],
      { groups: GROUPS },
    );
  });

  afterAll(async () => {
    for (const c of clients) await c.close().catch(() => undefined);
    await gw?.close();
    await waitFor(
      () =>
        descendants(process.pid).filter(
          (p) => p.cmdline.includes('conformance-server') || p.cmdline.includes('mcp-server-everything'),
        ).length === 0,
      { what: 'upstreams to exit' },
    );
  });

  it('lists only the members, with the overrides applied, and names the group in serverInfo', async () => {
    const c = await open('/groups/curated/mcp');
    expect(c.getServerVersion()?.name).toBe('gridctl-test/curated');
    expect(c.getInstructions()).toContain('Tool group "curated"');
    const { tools } = await c.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(['every__get-sum', 'fx__test_simple_text', 'say']);
    const say = tools.find((t) => t.name === 'say');
    expect(say?.description).toBe('Repeat a message');
    expect(say?.annotations?.readOnlyHint).toBe(true);
    const full = (await (await open('/mcp')).listTools()).tools;
    expect(say?.inputSchema).toEqual(full.find((t) => t.name === 'every__echo')?.inputSchema);
    // The plain endpoint is untouched: canonical names, no alias.
    expect(full.map((t) => t.name)).toEqual(expect.arrayContaining(['every__echo', 'every__get-tiny-image']));
    expect(full.map((t) => t.name)).not.toContain('say');
    expect(gw.gateway.listSessions().filter((s) => s.group === 'curated')).toHaveLength(1);
  });

  it('calls through a rename and a plain member', async () => {
    const c = await open('/groups/curated/mcp');
    const echoed = await c.callTool({ name: 'say', arguments: { message: 'hello group' } });
    expect(echoed.isError).toBeFalsy();
    expect(textOf(echoed)).toContain('hello group');
    const simple = await c.callTool({ name: 'fx__test_simple_text', arguments: {} });
    expect(textOf(simple)).toBe('This is a simple text response for testing.');
  });

  it('denies non-members and excluded tools with a readable isError result', async () => {
    const c = await open('/groups/curated/mcp');
    for (const name of ['fx__test_image_content', 'every__get-tiny-image', 'nothing_at_all']) {
      const r = await c.callTool({ name, arguments: {} });
      expect(r.isError).toBe(true);
      expect(textOf(r)).toBe(
        `Tool "${name}" is not in group "curated". The group exposes 3 tool(s); list them with tools/list.`,
      );
    }
  });

  it('answers 404 for an unknown group before any MCP handling', async () => {
    const before = gw.gateway.sessionCount;
    const init = JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
    });
    const r = await post(`${gw.base}/groups/nope/mcp`, init);
    expect(r.status).toBe(404);
    expect(r.json).toEqual({ error: 'unknown group "nope"' });
    expect(r.headers.get('mcp-session-id')).toBeNull();
    const sse = await fetch(`${gw.base}/groups/nope/sse`, { headers: { accept: 'text/event-stream' } });
    expect(sse.status).toBe(404);
    await sse.body?.cancel();
    expect((await post(`${gw.base}/groups/curated/other`, init)).status).toBe(404);
    expect(gw.gateway.sessionCount).toBe(before);
  });

  it('serves a group over the legacy SSE transport', async () => {
    const c = new Client({ name: 'sse-group', version: '1.0.0' });
    clients.push(c);
    await c.connect(new SSEClientTransport(new URL(`${gw.base}/groups/curated/sse`)));
    expect(c.getServerVersion()?.name).toBe('gridctl-test/curated');
    expect((await c.listTools()).tools.map((t) => t.name)).toContain('say');
    expect(textOf(await c.callTool({ name: 'say', arguments: { message: 'via sse' } }))).toContain('via sse');
  });

  it('matches against the live catalog: a server added later joins its group', async () => {
    const c = await open('/groups/latecomers/mcp');
    expect((await c.listTools()).tools).toEqual([]);
    await gw.gateway.addServer(spec('late', stdio(fixtureStdioCommand())));
    const names = (await c.listTools()).tools.map((t) => t.name);
    expect(names).toContain('late__test_simple_text');
    expect(names.every((n) => n.startsWith('late__'))).toBe(true);
    await gw.gateway.removeServer('late');
    expect((await c.listTools()).tools).toEqual([]);
  });

  it('swaps the groups live: redefined groups apply at once, removed ones fail clearly', async () => {
    const c = await open('/groups/curated/mcp');
    const changed = new Promise<void>((resolve) => {
      c.setNotificationHandler(ToolListChangedNotificationSchema, () => resolve());
    });
    // A GET stream carries the list_changed notification.
    // This client's own stream: earlier tests left other curated sessions with streams open.
    const sid = (c.transport as { sessionId?: string } | undefined)?.sessionId;
    await waitFor(() => gw.gateway.listSessions().some((s) => s.id === sid && s.stream), {
      what: 'the group session stream',
    });
    gw.gateway.setGroups({
      ...GROUPS,
      curated: { tools: ['fx__test_image_content', 'every__echo'], overrides: {} },
    });
    await changed;
    expect((await c.listTools()).tools.map((t) => t.name).sort()).toEqual([
      'every__echo',
      'fx__test_image_content',
    ]);
    expect((await c.callTool({ name: 'say', arguments: { message: 'x' } })).isError).toBe(true);
    expect(textOf(await c.callTool({ name: 'every__echo', arguments: { message: 'canon' } }))).toContain(
      'canon',
    );

    gw.gateway.setGroups({ latecomers: { servers: ['late'] } });
    const gone = await c.callTool({ name: 'every__echo', arguments: { message: 'x' } });
    expect(gone.isError).toBe(true);
    expect(textOf(gone)).toContain('group "curated" no longer exists');
    await expect(c.listTools()).rejects.toThrow(/no longer exists/);
    const again = await post(
      `${gw.base}/groups/curated/mcp`,
      JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: {} }),
    );
    expect(again.status).toBe(404);
    gw.gateway.setGroups(GROUPS);
  });
});
