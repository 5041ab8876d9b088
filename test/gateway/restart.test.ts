// kill -9 of a stdio upstream while calls run: the gateway marks it unhealthy, fails calls fast,
// restarts it with backoff, re-lists, tells clients, and leaves no process behind on close().
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureStdioCommand } from '../fixtures/conformance.js';
import { everythingStdioCommand } from '../fixtures/everything.js';
import { isAlive } from '../support/processes.js';
import { waitFor } from '../support/wait.js';
import { connectStreamable, type RunningGateway, spec, startGateway, stdio } from './helpers.js';

type ToolResult = { content: { type: string; text?: string }[]; isError?: boolean };

describe('upstream crash and restart', () => {
  let gw: RunningGateway;
  let client: Client;
  let listChanged = 0;
  const pids = new Set<number>();

  beforeAll(async () => {
    gw = await startGateway([
      // A wide first backoff so the "fails fast while down" window is certain to be observed.
      spec('fx', stdio(fixtureStdioCommand()), { pingIntervalMs: 200, restartBackoff: { initialMs: 1500 } }),
      spec('every', stdio(everythingStdioCommand()), { tools: ['echo'], pingIntervalMs: 200 }),
    ]);
    client = await connectStreamable(gw.url);
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
      listChanged++;
    });
    for (const s of gw.gateway.status()) if (s.pid) pids.add(s.pid);
  });

  afterAll(async () => {
    await client?.close();
    await gw?.close();
    for (const s of gw.gateway.status()) if (s.pid) pids.add(s.pid);
    await waitFor(() => [...pids].every((p) => !isAlive(p)), { what: 'every upstream process to exit' });
  });

  it('recovers after kill -9 with calls in flight', async () => {
    const fx = () => gw.gateway.status().find((s) => s.name === 'fx')!;
    const oldPid = fx().pid!;
    // The GET stream carries list_changed; wait until the SDK client opened it.
    await waitFor(() => gw.gateway.listSessions()[0]?.stream, { what: 'the client GET stream' });

    // Each call counts the progress the upstream sends back: a call with progress is running there.
    const progress = [0, 0, 0, 0];
    const started = Date.now();
    const running = progress.map(
      (_, i) =>
        client.callTool({ name: 'fx__slow', arguments: { ms: 10_000, progressEveryMs: 100 } }, undefined, {
          onprogress: () => {
            progress[i]!++;
          },
        }) as Promise<ToolResult>,
    );
    await waitFor(() => progress.every((n) => n > 0), { what: 'all four calls running on the upstream' });
    process.kill(oldPid, 'SIGKILL');

    // In-flight calls end with an error result naming the server, at once rather than after 10 s.
    const results = await Promise.all(running);
    expect(Date.now() - started).toBeLessThan(10_000);
    for (const r of results) {
      expect(r.isError).toBe(true);
      expect(r.content[0]?.text).toMatch(/server "fx"/);
    }

    await waitFor(() => fx().state === 'unhealthy', { what: 'fx unhealthy' });
    const during = (await client.callTool({ name: 'fx__echo', arguments: { text: 'x' } })) as ToolResult;
    expect(during.isError).toBe(true);
    expect(during.content[0]?.text).toMatch(/server "fx" is unavailable/);
    // The other server is unaffected.
    const other = (await client.callTool({
      name: 'every__echo',
      arguments: { message: 'still here' },
    })) as ToolResult;
    expect(other.isError).toBeFalsy();
    await waitFor(() => listChanged >= 1, { what: 'list_changed after the crash' });
    const whileDown = await client.listTools();
    expect(whileDown.tools.some((t) => t.name.startsWith('fx__'))).toBe(false);

    const back = await waitFor(() => (fx().state === 'healthy' ? fx() : undefined), {
      timeoutMs: 20_000,
      what: 'fx restarted',
    });
    expect(back.restarts).toBeGreaterThanOrEqual(1);
    expect(back.pid).not.toBe(oldPid);
    pids.add(back.pid!);
    expect(isAlive(oldPid)).toBe(false);

    await waitFor(() => listChanged >= 2, { what: 'list_changed after the restart' });
    const after = await client.listTools();
    expect(after.tools.map((t) => t.name)).toContain('fx__echo');
    const ok = (await client.callTool({ name: 'fx__echo', arguments: { text: 'back' } })) as ToolResult;
    expect(ok.isError).toBeFalsy();
    expect(ok.content[0]?.text).toBe('back');
  });
});
