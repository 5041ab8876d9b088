// Container replicas from the container spawner, on the real engine: the spawner itself (concurrent
// spawns get distinct loopback ports, apply's container is removed when its replica is reaped and
// kept on any other release, a replica that fails readiness leaves no container), then the
// real CLI with an autoscaled HTTP and an autoscaled stdio container server (warm pool 1: two
// replicas each, the second one spawned by the daemon), calls spread over both replicas, status
// lists container ids, a reload that only touches autoscale keeps the containers, and after a
// SIGKILL of the daemon `destroy` removes every replica container, the spawned ones included.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { McpServer, Stack } from '../../src/config/index.js';
import { replicaDesired, transportOf } from '../../src/controller/container-plan.js';
import { waitReady } from '../../src/controller/container-readiness.js';
import { ContainerSpawner } from '../../src/controller/container-spawner.js';
import type { ServerContainer } from '../../src/controller/container-types.js';
import { HostPortAllocator } from '../../src/controller/port-allocator.js';
import { LABEL } from '../../src/runtime/index.js';
import type { WorkloadRuntime } from '../../src/runtime/types.js';
import { engine, fixtureImage } from '../runtime/images.js';
import { freePort } from '../support/net.js';
import { isAlive } from '../support/processes.js';
import { waitFor } from '../support/wait.js';
import { gridctl, type Sandbox, sandbox } from './cli.js';

const STACK = `crep${process.pid}`;
const UNIT = `crepu${process.pid}`;
let rt: WorkloadRuntime;
let image: string;
let sb: Sandbox;

const managed = async (stack: string) =>
  (await rt.listContainers({ [LABEL.managed]: 'true', [LABEL.stack]: stack })).map((c) => c.name).sort();

beforeAll(async () => {
  rt = await engine();
  image = await fixtureImage(rt);
  sb = sandbox();
}, 240_000);

afterAll(async () => {
  await gridctl(sb, ['destroy', STACK]);
  for (const c of await rt.listContainers({ [LABEL.stack]: UNIT })) await rt.removeContainer(c.id);
  expect(await managed(STACK)).toEqual([]);
  expect(await managed(UNIT)).toEqual([]);
}, 120_000);

function unitSpawner(
  server: Partial<McpServer>,
  ports: HostPortAllocator,
  existing: ServerContainer[] = [],
): ContainerSpawner {
  const s = {
    name: 'web',
    image,
    transport: 'http',
    port: 8080,
    ready_timeout: '20s',
    timeout: '30s',
    ...server,
  } as McpServer;
  const stack = { name: UNIT, 'mcp-servers': [s], resources: [] } as unknown as Stack;
  return new ContainerSpawner({
    runtime: rt,
    server: s,
    existing,
    ports,
    transport: transportOf(s),
    plan: (replica, hostPort) => replicaDesired(stack, s, rt, { replica, hostPort, env: {} }),
    waitReady: (d, id) => waitReady(rt, d, id),
    clientFor: () => ({ close: async () => {} }) as never,
  });
}

describe('the container spawner', () => {
  it('gives concurrent spawns distinct loopback ports, and release removes the containers', async () => {
    const ports = new HostPortAllocator(30000 + (process.pid % 20000));
    const spawner = unitSpawner({ command: ['http', '8080'] }, ports);
    const spawned = await Promise.all([1, 2, 3].map((id) => spawner.spawn(id)));
    const bound = await Promise.all(
      [1, 2, 3].map(async (id) => (await rt.inspectContainer(`gridctl-${UNIT}-web-replica-${id}`))!),
    );
    const hostPorts = bound.map((c) => c.hostPorts['8080/tcp']);
    expect(new Set(hostPorts).size).toBe(3);
    expect(bound.map((c) => c.labels[LABEL.replica])).toEqual(['1', '2', '3']);
    expect(spawned.map((s) => s.container)).toEqual(bound.map((c) => c.id.slice(0, 12)));
    for (const id of [1, 2, 3]) await spawner.release(id);
    expect(await managed(UNIT)).toEqual([]);
  }, 120_000);

  it("removes apply's container when its replica is reaped, and only then", async () => {
    const pipe = {
      name: 'pipe',
      image,
      transport: 'stdio',
      command: ['stdio'],
      ready_timeout: '20s',
    } as McpServer;
    const stack = { name: UNIT, 'mcp-servers': [pipe], resources: [] } as unknown as Stack;
    const d = replicaDesired(stack, pipe, rt, { env: {} });
    const id = await rt.createContainer(d.spec); // what `apply` leaves for a stdio server
    const existing: ServerContainer = { server: 'pipe', id, name: d.spec.name, transport: 'stdio' };
    const spawner = unitSpawner(pipe, new HostPortAllocator(await freePort()), [existing]);
    expect((await spawner.spawn(0)).container).toBe(id.slice(0, 12));
    await spawner.release(0); // a restart or a shutdown: the container stays for reuse
    expect(await managed(UNIT)).toEqual([d.spec.name]);
    expect((await spawner.spawn(0)).container).toBe(id.slice(0, 12));
    spawner.retire(0); // the autoscaler reaps it
    await spawner.release(0);
    expect(await managed(UNIT)).toEqual([]);
    // The next replica (a cold start) gets a container of its own.
    await spawner.spawn(1);
    expect(await managed(UNIT)).toEqual([`gridctl-${UNIT}-pipe-replica-1`]);
    await spawner.release(1);
    expect(await managed(UNIT)).toEqual([]);
    // A container removed since discovery (reaped, or released by the server a reload replaced)
    // is skipped: the replica starts its own.
    const later = unitSpawner(pipe, new HostPortAllocator(await freePort()), [existing]);
    await later.spawn(0);
    expect(await managed(UNIT)).toEqual([`gridctl-${UNIT}-pipe-replica-0`]);
    await later.release(0);
    expect(await managed(UNIT)).toEqual([]);
  }, 60_000);

  it('removes a replica container that fails readiness', async () => {
    const spawner = unitSpawner({ command: ['exit'] }, new HostPortAllocator(await freePort()));
    await expect(spawner.spawn(1)).rejects.toThrow(/exited with code 3/);
    expect(await managed(UNIT)).toEqual([]);
  }, 60_000);
});

function stackFile(max: number): string {
  return `name: ${STACK}
mcp-servers:
  - name: web
    image: ${image}
    transport: http
    port: 8080
    command: [http, "8080"]
    autoscale: {min: 1, max: ${max}, target_in_flight: 4, warm_pool: 1}
  - name: pipe
    image: ${image}
    transport: stdio
    command: [stdio]
    autoscale: {min: 1, max: ${max}, target_in_flight: 4, warm_pool: 1}
`;
}

interface Row {
  name: string;
  replicas: { id: number; state: string; container?: string }[];
  autoscale?: { max: number };
}

async function servers(): Promise<Row[]> {
  const r = await gridctl(sb, ['status', '--json']);
  return (JSON.parse(r.stdout) as { gateways: { servers: Row[] }[] }).gateways[0]!.servers;
}

const text = (r: unknown) => ((r as { content: { text: string }[] }).content[0]?.text ?? '').trim();

describe('autoscaled container servers', () => {
  it('spawn replica containers, spread calls, keep them on reload and lose them all to destroy', async () => {
    const port = await freePort();
    const file = sb.write('stack.yaml', stackFile(3));
    const applied = await gridctl(sb, [
      'apply',
      file,
      '--port',
      String(port),
      '--base-port',
      String(await freePort()),
    ]);
    expect(applied.code, `${applied.stdout}\n${applied.stderr}`).toBe(0);

    await waitFor(
      async () =>
        (await servers()).every(
          (s) => s.replicas.length === 2 && s.replicas.every((r) => r.state === 'healthy'),
        ),
      { timeoutMs: 60_000, what: 'two healthy replicas of each server' },
    );
    expect(await managed(STACK)).toEqual([
      `gridctl-${STACK}-pipe`,
      `gridctl-${STACK}-pipe-replica-1`,
      `gridctl-${STACK}-web`,
      `gridctl-${STACK}-web-replica-1`,
    ]);
    const rows = await servers();
    const ids = Object.fromEntries(
      (await rt.listContainers({ [LABEL.stack]: STACK })).map((c) => [c.name, c.id.slice(0, 12)]),
    );
    const web = rows.find((s) => s.name === 'web')!;
    expect(web.replicas.map((r) => r.container).sort()).toEqual(
      [ids[`gridctl-${STACK}-web`], ids[`gridctl-${STACK}-web-replica-1`]].sort(),
    );
    const status = await gridctl(sb, ['status', '--replicas']);
    for (const r of web.replicas) expect(status.stdout).toContain(r.container!);

    // Round robin: calls reach both containers of each server (whoami answers the hostname).
    const client = new Client({ name: 'container-replicas-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}/mcp`)));
    try {
      for (const server of ['web', 'pipe']) {
        const hosts = new Set<string>();
        for (let i = 0; i < 6; i++) {
          hosts.add(text(await client.callTool({ name: `${server}__whoami`, arguments: {} })).split(' ')[0]!);
        }
        expect(hosts.size, server).toBe(2);
      }
    } finally {
      await client.close();
    }

    // A reload that only touches autoscale keeps every container.
    sb.write('stack.yaml', stackFile(4));
    const reloaded = await gridctl(sb, ['reload', file]);
    expect(reloaded.code, `${reloaded.stdout}\n${reloaded.stderr}`).toBe(0);
    expect((await servers()).find((s) => s.name === 'web')!.autoscale?.max).toBe(4);
    const after = Object.fromEntries(
      (await rt.listContainers({ [LABEL.stack]: STACK })).map((c) => [c.name, c.id.slice(0, 12)]),
    );
    expect(after).toEqual(ids);

    // The daemon dies hard: destroy still removes every replica container (found by label).
    const daemon = (
      JSON.parse(readFileSync(join(sb.home, 'state', `${STACK}.json`), 'utf8')) as { pid: number }
    ).pid;
    process.kill(daemon, 'SIGKILL');
    await waitFor(() => !isAlive(daemon), { what: 'the daemon to die' });
    const destroyed = await gridctl(sb, ['destroy', STACK]);
    expect(destroyed.code, `${destroyed.stdout}\n${destroyed.stderr}`).toBe(0);
    expect(await managed(STACK)).toEqual([]);
  }, 240_000);
});
