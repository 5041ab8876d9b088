// The autoscaler driving container replicas on the real engine, wired as the daemon wires them:
// apply's `up` starts the first containers, discovery hands the registrar the container spawner,
// and a real gateway runs the registrar's ServerSpecs. In process, so the stack's autoscale windows
// can be short (a stack file's are at least 10s and 1m). One stack, three servers:
//   web  (HTTP, 1..3) and pipe (stdio, 1..3): concurrent calls keep replicas busy and the count
//        rises to 3 (3 container ids in status, calls from all 3 containers); then one held call
//        on each web container, scale-down drains, the held call on a draining replica completes,
//        then its container goes (apply's included).
//   idle (stdio, 0..1, idle_to_zero): after the idle window no replica and no container (apply's
//        is removed, and a reload's `up` does not start it again); the next call starts a new
//        container and succeeds; idle again, none left.
// Calls are held by a host HTTP server the containers reach through the fixture's `fetch` tool.
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Stack, stackSchema } from '../../src/config/index.js';
import { discover } from '../../src/controller/container-discovery.js';
import type { UpOptions } from '../../src/controller/container-types.js';
import { serverSpecs } from '../../src/controller/server-registrar.js';
import { down, up } from '../../src/controller/workloads.js';
import type { ServerStatus } from '../../src/gateway/index.js';
import { LABEL } from '../../src/runtime/index.js';
import type { WorkloadRuntime } from '../../src/runtime/types.js';
import { connectStreamable, type RunningGateway, startGateway } from '../gateway/helpers.js';
import { engine, fixtureImage } from '../runtime/images.js';
import { freePort } from '../support/net.js';
import { waitFor } from '../support/wait.js';

const STACK = `cauto${process.pid}`;
const windows = { scale_up_after: '300ms', scale_down_after: '600ms', tick: '100ms', drain_timeout: '20s' };

let rt: WorkloadRuntime;
let gw: RunningGateway | undefined;
let client: Client | undefined;
let home: string | undefined;
let stack: Stack;
/** Apply's container of each server, by server name. */
const applied = new Map<string, string>();

/**
 * The host side of a server's `fetch` calls: each stays in flight 200 ms (load); while `holding`
 * is n, the first call from each of n containers (told apart by source address) waits for
 * `release()`. `seen` is every container that called.
 */
function hostSide() {
  const holds = new Map<string, ServerResponse>();
  const seen = new Set<string>();
  const h = {
    holding: 0,
    holds,
    seen,
    args: { host: '', port: 0 },
    server: createServer((req, res) => {
      const from = req.socket.remoteAddress ?? '';
      seen.add(from);
      if (holds.size < h.holding && !holds.has(from)) return void holds.set(from, res);
      setTimeout(() => res.end('ok'), 200);
    }),
    release(): void {
      h.holding = 0;
      for (const res of holds.values()) res.end('released');
      holds.clear();
    },
  };
  return h;
}
const hosts = { web: hostSide(), pipe: hostSide() };
let basePort: number;
const upOptions = (reload?: boolean): UpOptions => ({
  runtime: rt,
  stackFile: join(home!, 'stack.yaml'),
  home: home!,
  basePort,
  noCache: false,
  report: { step() {}, done() {}, note() {} },
  env: process.env,
  reload,
});

type ToolResult = { content: { type: string; text?: string }[]; isError?: boolean };
const text = (r: ToolResult) => (r.content[0]?.text ?? '').trim();
const call = async (name: string, args: Record<string, unknown> = {}) =>
  (await client!.callTool({ name, arguments: args })) as ToolResult;

const row = (name: string): ServerStatus => gw!.gateway.status().find((s) => s.name === name)!;
const containersOf = async (server: string) =>
  (await rt.listContainers({ [LABEL.stack]: STACK, [LABEL.server]: server })).map((c) => c.id.slice(0, 12));

beforeAll(async () => {
  rt = await engine();
  const image = await fixtureImage(rt);
  for (const h of Object.values(hosts)) {
    h.server.listen(0, '0.0.0.0');
    await once(h.server, 'listening');
    const host = rt.info.kind === 'docker' ? 'host.docker.internal' : 'host.containers.internal';
    h.args = { host, port: (h.server.address() as { port: number }).port };
  }

  stack = stackSchema.parse({
    name: STACK,
    'mcp-servers': [
      {
        name: 'web',
        image,
        transport: 'http',
        port: 8080,
        command: ['http', '8080'],
        autoscale: { min: 1, max: 3, target_in_flight: 2, ...windows },
      },
      {
        name: 'pipe',
        image,
        transport: 'stdio',
        command: ['stdio'],
        autoscale: { min: 1, max: 3, target_in_flight: 2, ...windows },
      },
      {
        name: 'idle',
        image,
        transport: 'stdio',
        command: ['stdio'],
        autoscale: { min: 0, max: 1, target_in_flight: 1, idle_to_zero: true, ...windows },
      },
    ],
  }) as Stack;
  home = mkdtempSync(join(tmpdir(), 'gridctl-cauto-'));
  basePort = await freePort();
  await up(stack, upOptions());
  const view = await discover(STACK, rt, stack, process.env);
  for (const [server, list] of view.servers) applied.set(server, list[0]!.id.slice(0, 12));
  gw = await startGateway(
    serverSpecs(stack, { stackFile: join(home, 'stack.yaml'), env: process.env, containers: view }),
    { stackName: STACK },
  );
  client = await connectStreamable(gw.url);
}, 240_000);

afterAll(async () => {
  for (const h of Object.values(hosts)) h.release();
  await client?.close().catch(() => {});
  await gw?.close();
  for (const h of Object.values(hosts)) h.server.close();
  await down(STACK, rt);
  if (home) rmSync(home, { recursive: true, force: true });
  expect(await rt.listContainers({ [LABEL.stack]: STACK })).toEqual([]);
}, 120_000);

describe('autoscaled container servers', () => {
  it('idle-to-zero removes the container (apply made it); the next call starts a new one', async () => {
    expect(applied.get('idle')).toBeDefined();
    await waitFor(
      async () => row('idle').replicas.length === 0 && (await containersOf('idle')).length === 0,
      {
        timeoutMs: 30_000,
        what: 'idle: no replica and no container',
      },
    );
    expect(row('idle').state).toBe('idle');
    // A reload's `up` leaves it at zero (the autoscaler owns the server's containers), and leaves
    // the others' containers alone.
    await up(stack, upOptions(true));
    expect(await containersOf('idle')).toEqual([]);

    // Cold start: the call starts a container and is answered by it (whoami: its hostname).
    const answer = await call('idle__whoami');
    expect(answer.isError).toBeFalsy();
    expect(text(answer)).not.toContain(applied.get('idle'));
    const decisions = row('idle').autoscale!.decisions;
    expect(decisions).toContainEqual(expect.objectContaining({ direction: 'up', reason: 'cold_start' }));

    // Idle again: the container the spawner started goes too.
    await waitFor(
      async () => row('idle').replicas.length === 0 && (await containersOf('idle')).length === 0,
      {
        timeoutMs: 30_000,
        what: 'idle again: no replica and no container',
      },
    );
  }, 120_000);

  let load = true;
  const results: ToolResult[] = [];
  let workers: Promise<void>[] = [];
  const loadOn = (server: 'web' | 'pipe') =>
    Array.from({ length: 6 }, async () => {
      while (load) results.push(await call(`${server}__fetch`, hosts[server].args));
    });

  it('scales an HTTP and a stdio server from 1 to 3 containers under concurrent calls', async () => {
    // Apply's containers, never restarted (the reload's `up` did not probe the attached stdio one).
    for (const s of ['web', 'pipe']) {
      expect(row(s).replicas).toMatchObject([{ id: 0, container: applied.get(s), restarts: 0 }]);
    }
    workers = [...loadOn('web'), ...loadOn('pipe')];
    for (const server of ['web', 'pipe'] as const) {
      const three = await waitFor(
        () => {
          const rs = row(server).replicas;
          return rs.length === 3 && rs.every((r) => r.state === 'healthy') && rs;
        },
        { timeoutMs: 90_000, what: `three healthy ${server} replicas` },
      );
      const ids = three.map((r) => r.container!).sort();
      expect(new Set(ids).size).toBe(3);
      expect((await containersOf(server)).sort()).toEqual(ids);
      const ups = row(server).autoscale!.decisions.filter((d) => d.direction === 'up' && d.reason === 'load');
      expect(ups.flatMap((d) => d.replicas ?? []).sort()).toEqual([1, 2]);
      // The calls spread over all three containers.
      await waitFor(() => hosts[server].seen.size === 3, { what: `calls from three ${server} containers` });
    }
  }, 120_000);

  it('drains on scale-down: a call in flight on a reaped replica completes, then its container goes', async () => {
    // One held call on each of the three web containers, then the load stops.
    const web = hosts.web;
    web.holding = 3;
    await waitFor(() => web.holds.size === 3, { what: 'a held call on each web container' });
    load = false;
    const loaded = Promise.all(workers);

    // Calm (one call each, under target_in_flight / 2) reaps down to min: two replicas drain, each
    // with its held call, and their containers still run.
    const draining = await waitFor(
      () => {
        const rs = row('web').replicas.filter((r) => r.state === 'draining');
        return rs.length === 2 && rs;
      },
      { timeoutMs: 30_000, what: 'two web replicas draining' },
    );
    for (const r of draining) {
      expect(r.inFlight).toBeGreaterThanOrEqual(1);
      expect((await rt.inspectContainer(r.container!))?.state).toBe('running');
    }
    expect(row('web').autoscale!.decisions).toContainEqual(
      expect.objectContaining({ direction: 'down', reason: 'load' }),
    );

    web.release();
    await loaded;
    expect(results.filter((r) => r.isError || !['ok', 'released'].includes(text(r)))).toEqual([]);
    expect(results.filter((r) => text(r) === 'released')).toHaveLength(3);

    // Reaped: the draining replicas' containers are gone (whoever made them), one replica stays.
    const left = await waitFor(
      async () => {
        const rs = row('web').replicas;
        const ids = await containersOf('web');
        return rs.length === 1 && ids.length === 1 && ids[0] === rs[0]!.container && ids;
      },
      { timeoutMs: 30_000, what: 'one web replica and only its container' },
    );
    for (const r of draining) expect(left).not.toContain(r.container);
  }, 120_000);
});
