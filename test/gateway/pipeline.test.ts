// The call pipeline through a real gateway and real upstreams: client scope on every list and call
// path, identity by clientInfo.name, header and query, groups under scope, rate limits, and a
// policy swap under a live session.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallPolicies } from '../../src/gateway/pipeline/pipeline.js';
import { fixtureStdioCommand } from '../fixtures/conformance.js';
import { everythingStdioCommand } from '../fixtures/everything.js';
import { waitFor } from '../support/wait.js';
import { type RunningGateway, spec, startGateway, stdio } from './helpers.js';

type ToolResult = { isError?: boolean; content: Array<{ type: string; text?: string }>; _meta?: unknown };
const textOf = (r: unknown) => ((r as ToolResult).content[0]?.text ?? '') as string;

const POLICIES: CallPolicies = {
  clients: {
    default: 'deny',
    profiles: {
      'claude-code': { aliases: ['cc'], servers: ['fx'], tools: [] },
      reviewer: { tools: ['every__echo'] },
    },
  },
};

describe('call pipeline through the gateway', () => {
  let gw: RunningGateway;
  const clients: Client[] = [];

  const connect = async (
    opts: { name?: string; header?: string; query?: string; path?: string } = {},
  ): Promise<Client> => {
    const url = new URL(`${gw.base}${opts.path ?? '/mcp'}`);
    if (opts.query) url.searchParams.set('client', opts.query);
    const c = new Client({ name: opts.name ?? 'some-script', version: '1.0.0' }, { capabilities: {} });
    await c.connect(
      new StreamableHTTPClientTransport(url, {
        requestInit: opts.header ? { headers: { 'X-Gridctl-Client-Id': opts.header } } : undefined,
      }),
    );
    clients.push(c);
    return c;
  };
  const toolNames = async (c: Client) => (await c.listTools()).tools.map((t) => t.name).sort();

  beforeAll(async () => {
    gw = await startGateway(
      [
        spec('fx', stdio(fixtureStdioCommand())),
        spec('every', stdio(everythingStdioCommand()), { tools: ['echo', 'get-sum'] }),
      ],
      {
        policies: POLICIES,
        groups: { calc: { tools: ['every__echo', 'every__get-sum', 'fx__test_simple_text'] } },
      },
    );
  });

  afterAll(async () => {
    for (const c of clients) await c.close().catch(() => undefined);
    await gw?.close();
  });

  it('denies an unknown client everything by default: lists are empty and calls are refused', async () => {
    const c = await connect({ name: 'stranger' });
    expect(await toolNames(c)).toEqual([]);
    expect((await c.listPrompts()).prompts).toEqual([]);
    expect((await c.listResources()).resources).toEqual([]);
    const r = await c.callTool({ name: 'fx__test_simple_text', arguments: {} });
    expect(r.isError).toBe(true);
    expect(textOf(r)).toContain('"fx__test_simple_text" is not in this client\'s access scope');
    expect(r._meta).toEqual({ 'io.gridctl/error': { code: 'SCOPE_DENIED' } });
  });

  it('scopes by clientInfo.name: Claude Code sees and calls only its servers', async () => {
    const c = await connect({ name: 'Claude Code' });
    const names = await toolNames(c);
    expect(names.length).toBeGreaterThan(0);
    expect(names.every((n) => n.startsWith('fx__'))).toBe(true);
    expect(textOf(await c.callTool({ name: 'fx__test_simple_text', arguments: {} }))).toContain(
      'simple text',
    );
    const denied = await c.callTool({ name: 'every__echo', arguments: { message: 'x' } });
    expect(denied.isError).toBe(true);
    const session = gw.gateway.listSessions().find((s) => s.client === 'Claude Code');
    expect(session).toMatchObject({
      accessId: 'claude-code',
      scope: { profile: 'claude-code', servers: ['fx'] },
    });
  });

  it('scopes by the X-Gridctl-Client-Id header (an alias) and by ?client= (a profile id)', async () => {
    const byHeader = await connect({ header: 'CC' });
    expect((await toolNames(byHeader)).every((n) => n.startsWith('fx__'))).toBe(true);
    const byQuery = await connect({ query: 'reviewer' });
    expect(await toolNames(byQuery)).toEqual(['every__echo']);
    expect(textOf(await byQuery.callTool({ name: 'every__echo', arguments: { message: 'hi' } }))).toContain(
      'hi',
    );
    const denied = await byQuery.callTool({ name: 'every__get-sum', arguments: { a: 1, b: 2 } });
    expect(denied.isError).toBe(true);
  });

  it('scopes prompts and resources by server, on list, get and read', async () => {
    const reviewer = await connect({ query: 'reviewer' });
    const cc = await connect({ name: 'Claude Code' });
    const ccPrompts = (await cc.listPrompts()).prompts.map((p) => p.name);
    expect(ccPrompts.length).toBeGreaterThan(0);
    expect(ccPrompts.every((n) => n.startsWith('fx__'))).toBe(true);
    const revPrompts = (await reviewer.listPrompts()).prompts.map((p) => p.name);
    expect(revPrompts.every((n) => n.startsWith('every__'))).toBe(true);
    await expect(reviewer.getPrompt({ name: ccPrompts[0] as string })).rejects.toThrow(
      /not in this client's access scope/,
    );
    const ccResources = (await cc.listResources()).resources.map((r) => r.uri);
    expect(ccResources).toContain('test://static-text');
    expect((await reviewer.listResources()).resources.map((r) => r.uri)).not.toContain('test://static-text');
    await expect(reviewer.readResource({ uri: 'test://static-text' })).rejects.toThrow(/access scope/);
    expect((await cc.readResource({ uri: 'test://static-text' })).contents.length).toBe(1);
  });

  it('applies the scope first, then the group', async () => {
    const c = await connect({ query: 'reviewer', path: '/groups/calc/mcp' });
    expect(await toolNames(c)).toEqual(['every__echo']);
    const denied = await c.callTool({ name: 'fx__test_simple_text', arguments: {} });
    expect(textOf(denied)).toContain('access scope');
  });

  it('a reload of the profiles reaches a live session on its next request, with list_changed', async () => {
    const c = await connect({ query: 'reviewer' });
    const changed = new Promise<void>((resolve) =>
      c.setNotificationHandler(ToolListChangedNotificationSchema, () => resolve()),
    );
    const sid = (c.transport as { sessionId?: string } | undefined)?.sessionId;
    await waitFor(() => gw.gateway.listSessions().some((s) => s.id === sid && s.stream), {
      what: 'the session stream',
    });
    gw.gateway.setPolicies({
      clients: { default: 'deny', profiles: { reviewer: { tools: ['every__echo', 'every__get-sum'] } } },
    });
    await changed;
    expect(await toolNames(c)).toEqual(['every__echo', 'every__get-sum']);
    const sum = await c.callTool({ name: 'every__get-sum', arguments: { a: 2, b: 3 } });
    expect(sum.isError).toBeFalsy();
    gw.gateway.setPolicies(POLICIES);
    expect(await toolNames(c)).toEqual(['every__echo']);
  });

  it('rate limits: the burst passes, the next call is denied with when to retry, others are untouched', async () => {
    gw.gateway.setPolicies({
      rateLimits: [{ scope: 'tool', key: 'every__echo', callsPerMinute: 1, burst: 2 }],
    });
    try {
      const c = await connect();
      for (let i = 0; i < 2; i++) {
        expect(
          (await c.callTool({ name: 'every__echo', arguments: { message: `m${i}` } })).isError,
        ).toBeFalsy();
      }
      const denied = await c.callTool({ name: 'every__echo', arguments: { message: 'again' } });
      expect(denied.isError).toBe(true);
      expect(textOf(denied)).toMatch(
        /^Rate limit exceeded for tool "every__echo": 1 calls\/min\. Retry after ~\d+s\.$/,
      );
      expect((await c.callTool({ name: 'fx__test_simple_text', arguments: {} })).isError).toBeFalsy();
      expect(gw.gateway.limits()).toEqual([
        expect.objectContaining({
          scope: 'tool',
          key: 'every__echo',
          state: 'exceeded',
          allowed: 2,
          denied: 1,
        }),
      ]);
      // An unrelated reload keeps the bucket's state.
      gw.gateway.setPolicies({
        rateLimits: [{ scope: 'tool', key: 'every__echo', callsPerMinute: 1, burst: 2 }],
      });
      expect(gw.gateway.limits()[0]).toMatchObject({ state: 'exceeded', denied: 1 });
    } finally {
      gw.gateway.setPolicies(POLICIES);
    }
  });
});
