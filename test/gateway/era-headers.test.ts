// Upstream tools whose x-mcp-header annotations break the 2026-07-28 rules are left out of the
// gateway's catalogue, each with a TOOL_HEADER_INVALID warning naming server and tool; the valid
// annotations of the server's other tools still bind the Mcp-Param-* headers of a stateless call.
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LogEntry, Logger } from '../../src/logging/logger.js';
import { tasksStdioCommand } from '../fixtures/tasks.js';
import { waitFor } from '../support/wait.js';
import { connectStreamable, post, type RunningGateway, spec, startGateway, stdio } from './helpers.js';

const V = '2026-07-28';

describe('x-mcp-header annotations of upstream tools', () => {
  let gw: RunningGateway;
  let client: Client;
  const logged: LogEntry[] = [];

  beforeAll(async () => {
    gw = await startGateway(
      [spec('hx', stdio(tasksStdioCommand(undefined, '--header-tools')), { protocolGeneration: 'auto' })],
      { logger: Logger.create({ level: 'warn', sinks: [(e) => logged.push(e)] }) },
    );
    client = await connectStreamable(gw.url);
  }, 60_000);

  afterAll(async () => {
    await client?.close();
    await gw?.close();
  });

  it('drops every tool with an invalid annotation and keeps the rest', async () => {
    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names).toContain('hx__regional');
    expect(names).toContain('hx__greet');
    expect(names.filter((n) => n.startsWith('hx__bad_header'))).toEqual([]);
    expect(gw.gateway.status()[0]).toMatchObject({ state: 'healthy' });
  });

  it('warns once per dropped tool with a code, the server, the tool and the reason', () => {
    const warnings = logged.filter((e) => e.code === 'TOOL_HEADER_INVALID');
    expect(warnings.map((e) => [e.server, e.tool]).sort()).toEqual([
      ['hx', 'bad_header_crlf'],
      ['hx', 'bad_header_duplicate'],
      ['hx', 'bad_header_in_items'],
      ['hx', 'bad_header_number'],
    ]);
    const byTool = Object.fromEntries(warnings.map((e) => [e.tool, e.msg]));
    expect(byTool.bad_header_crlf).toBe(
      'tool "bad_header_crlf" of server "hx" not exposed: x-mcp-header "A\\r\\nX-Evil" of a is not an HTTP field-name token',
    );
    expect(byTool.bad_header_number).toContain('of type "number" (only string, integer or boolean)');
    expect(byTool.bad_header_duplicate).toContain('"region" of b repeats the one of a');
    expect(byTool.bad_header_in_items).toContain('at list.items.properties.a is not on a property reachable');
  });

  it('does not warn again when the server is listed again (restart)', async () => {
    await gw.gateway.restartServer('hx');
    await waitFor(
      () => gw.gateway.status()[0]?.state === 'healthy' && gw.gateway.status()[0]?.restarts === 1,
      {
        what: 'hx restarted',
      },
    );
    expect((await client.listTools()).tools.map((t) => t.name)).toContain('hx__regional');
    expect(logged.filter((e) => e.code === 'TOOL_HEADER_INVALID')).toHaveLength(4);
  });

  const call = (name: string, args: Record<string, unknown>, headers: Record<string, string>) =>
    post(
      gw.url,
      JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: {
          name,
          arguments: args,
          _meta: {
            'io.modelcontextprotocol/protocolVersion': V,
            'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '1' },
            'io.modelcontextprotocol/clientCapabilities': {},
          },
        },
      }),
      { 'mcp-protocol-version': V, 'mcp-method': 'tools/call', 'mcp-name': name, ...headers },
    );

  it('a dropped tool cannot be called; a kept one still binds its Mcp-Param-* headers', async () => {
    const dropped = await call('hx__bad_header_number', { n: 1.5 }, { 'mcp-param-n': '1.5' });
    expect(dropped.json).toMatchObject({ error: { code: -32602, data: { code: 'UNKNOWN_TOOL' } } });
    const args = { region: 'eu-west1', where: { zone: 3 } };
    const ok = await call('hx__regional', args, { 'mcp-param-region': 'eu-west1', 'mcp-param-zone': '3' });
    expect(ok.json).toMatchObject({
      result: { content: [{ type: 'text', text: `regional: ${JSON.stringify(args)}` }] },
    });
    const missing = await call('hx__regional', args, { 'mcp-param-region': 'eu-west1' });
    expect(missing.status).toBe(400);
    expect(missing.json).toMatchObject({ error: { code: -32020 } });
  });
});
