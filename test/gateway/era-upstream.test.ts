// The gateway's upstream side across eras (mcp-servers[].protocol_generation): an SDK v2 server
// speaking only 2026-07-28 and our 2025 fixture, both probed with `auto`; all four pairings of
// client and server era through one gateway, input_required bridged both ways, and an upstream
// redeployed in the other era at the same address picked up without restarting the gateway.

import { resolve } from 'node:path';
import { Client as ClientV2, StreamableHTTPClientTransport as HttpV2 } from '@modelcontextprotocol/client';
import { ElicitRequestSchema, ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConformanceFixture } from '../fixtures/conformance.js';
import type { LaunchedServer } from '../fixtures/launch.js';
import { startModernFixture } from '../fixtures/modern.js';
import { waitFor } from '../support/wait.js';
import { connectStreamable, type RunningGateway, spec, startGateway, stdio } from './helpers.js';

type Result = { content?: Array<{ type: string; text?: string }>; isError?: boolean };
const textOf = (r: unknown) => (r as Result).content?.[0]?.text ?? '';

describe('upstream protocol eras', () => {
  let modern: LaunchedServer;
  let legacy: LaunchedServer;
  let gw: RunningGateway;
  const closers: Array<() => Promise<void>> = [];

  const v2Client = async (answers: Record<string, string>[]) => {
    const c = new ClientV2(
      { name: 'v2-client', version: '1.0.0' },
      { capabilities: { elicitation: {} }, versionNegotiation: { mode: 'auto' } },
    );
    c.setRequestHandler('elicitation/create', async () => ({
      action: 'accept',
      content: answers.shift() ?? {},
    }));
    await c.connect(new HttpV2(new URL(gw.url)));
    closers.push(() => c.close());
    return c;
  };

  beforeAll(async () => {
    [modern, legacy] = await Promise.all([startModernFixture(), startConformanceFixture()]);
    gw = await startGateway(
      [
        spec('new', { transport: 'http', url: modern.url }, { protocolGeneration: 'auto' }),
        spec(
          'old',
          { transport: 'http', url: legacy.url },
          { protocolGeneration: 'auto', pingIntervalMs: 500 },
        ),
      ],
      { inputRequiredTtlMs: 10_000 },
    );
  }, 60_000);

  afterAll(async () => {
    for (const c of closers) await c().catch(() => {});
    await gw?.close();
    await Promise.all([modern?.stop(), legacy?.stop()]);
  });

  it('auto probes each server and shows its era', () => {
    const st = Object.fromEntries(gw.gateway.status().map((s) => [s.name, s]));
    expect(st.new).toMatchObject({
      state: 'healthy',
      era: 'stateless',
      serverInfo: { name: 'gridctl-modern-fixture' },
    });
    expect(st.old).toMatchObject({ state: 'healthy', era: 'handshake' });
    expect(gw.gateway.tools().map((t) => t.name)).toEqual(
      expect.arrayContaining(['new__hello', 'old__test_simple_text']),
    );
  });

  it('2025 client → 2026 server: plain calls carry _meta, and input_required rounds become real requests', async () => {
    const c = await connectStreamable(gw.url, { elicitation: {} });
    closers.push(() => c.close());
    expect(textOf(await c.callTool({ name: 'new__hello', arguments: {} }))).toBe(
      'hello from the modern fixture',
    );
    const asked: string[] = [];
    const answers = [{ name: 'Ada' }, { colour: 'teal' }];
    c.setRequestHandler(ElicitRequestSchema, async (req) => {
      asked.push(req.params.message);
      return { action: 'accept', content: answers.shift() ?? {} };
    });
    const r = await c.callTool({ name: 'new__ask_name_then_colour', arguments: {} });
    expect(textOf(r)).toBe('Ada likes teal');
    expect(asked).toEqual(['Your name?', 'Favourite colour, Ada?']);
  });

  it("2026 client → 2026 server: the server's rounds are relayed with its state wrapped in the gateway's", async () => {
    const c = await v2Client([{ name: 'Grace' }, { colour: 'red' }]);
    expect(textOf(await c.callTool({ name: 'new__ask_name_then_colour', arguments: {} }))).toBe(
      'Grace likes red',
    );
    // The client's own _meta (capabilities) reaches the server.
    const who = JSON.parse(textOf(await c.callTool({ name: 'new__whoami', arguments: {} })));
    expect(JSON.stringify(who)).toContain('elicitation');
  });

  it('2026 client → 2025 server and 2025 client → 2025 server still work', async () => {
    const c = await v2Client([]);
    expect(textOf(await c.callTool({ name: 'old__test_simple_text', arguments: {} }))).toContain(
      'simple text',
    );
    const o = await connectStreamable(gw.url);
    closers.push(() => o.close());
    expect(textOf(await o.callTool({ name: 'old__test_simple_text', arguments: {} }))).toContain(
      'simple text',
    );
  });

  it("a 2026 server's list changes reach 2025 clients as ordinary list_changed (via the upstream listen stream)", async () => {
    const c = await connectStreamable(gw.url);
    closers.push(() => c.close());
    let changed = 0;
    c.setNotificationHandler(ToolListChangedNotificationSchema, async () => {
      changed++;
    });
    expect(textOf(await c.callTool({ name: 'new__add_tool', arguments: {} }))).toMatch(/^now \d+ extra/);
    await waitFor(() => gw.gateway.tools().some((t) => t.name === 'new__extra_tool_1'), {
      what: 'new__extra_tool_1 in the catalog',
    });
    await waitFor(() => changed > 0, { what: 'notifications/tools/list_changed on the 2025 session' });
    expect((await c.listTools()).tools.map((t) => t.name)).toContain('new__extra_tool_1');
  });

  it('a server redeployed in the other era at the same address is reconnected in that era', async () => {
    const port = legacy.port;
    await legacy.stop();
    legacy = await startModernFixture({ port });
    const st = await waitFor(
      () => {
        const s = gw.gateway.status().find((x) => x.name === 'old');
        return s?.state === 'healthy' && s.era === 'stateless' ? s : undefined;
      },
      { timeoutMs: 45_000, what: 'server "old" back as stateless' },
    );
    expect(st.serverInfo?.name).toBe('gridctl-modern-fixture');
    const o = await connectStreamable(gw.url);
    closers.push(() => o.close());
    expect(textOf(await o.callTool({ name: 'old__hello', arguments: {} }))).toBe(
      'hello from the modern fixture',
    );
  }, 60_000);

  it('protocol_generation stateless toward a 2025-only server fails the server with a message saying so', async () => {
    const old = await startConformanceFixture();
    const other = await startGateway([
      spec('strict', { transport: 'http', url: old.url }, { protocolGeneration: 'stateless' }),
    ]);
    try {
      const st = other.gateway.status()[0]!;
      expect(st.state).not.toBe('healthy');
      expect(st.reason).toContain('protocol_generation is stateless but server/discover failed');
    } finally {
      await other.close();
      await old.stop();
    }
  });

  it('auto: a stdio server that quits on the probe is connected with the handshake next time', async () => {
    const strict = resolve(import.meta.dirname, '../fixtures/strict-legacy.ts');
    const other = await startGateway([
      spec('strict', stdio([process.execPath, '--import', import.meta.resolve('tsx'), strict]), {
        protocolGeneration: 'auto',
        restartBackoff: { initialMs: 100, maxMs: 200 },
      }),
    ]);
    try {
      const st = await waitFor(
        () => {
          const s = other.gateway.status()[0];
          return s?.state === 'healthy' ? s : undefined;
        },
        { what: 'the strict server healthy after the failed probe', timeoutMs: 30_000 },
      );
      expect(st.era).toBe('handshake');
      expect(st.restarts).toBeGreaterThanOrEqual(1);
    } finally {
      await other.close();
    }
  }, 40_000);
});
