// Container workloads end to end with the real CLI and the real Podman engine: a stdio container
// built from a local source folder, an http container with two replicas, a resource reachable by
// name with a published port and a volume; tools through the gateway; status; reuse vs recreate on
// re-apply; failed applies that clean up; destroy removing everything by label.
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LABEL } from '../../src/runtime/index.js';
import type { WorkloadRuntime } from '../../src/runtime/types.js';
import { resolveHome } from '../../src/state/paths.js';
import { readState } from '../../src/state/state-file.js';
import { baseImage, engine, FIXTURE_DIR, fixtureImage } from '../runtime/images.js';
import { freePort } from '../support/net.js';
import { isAlive } from '../support/processes.js';
import { waitFor } from '../support/wait.js';
import { gridctl, type Sandbox, sandbox } from './cli.js';

const STACK = `ctr${process.pid}`;
const FAIL_STACK = `ctrfail${process.pid}`;
let rt: WorkloadRuntime;
let image: string;
let base: string;
let sb: Sandbox;
let port: number;
let basePort: number;
let storePort: number;

const managed = async (stack: string) =>
  (await rt.listContainers({ [LABEL.managed]: 'true', [LABEL.stack]: stack })).map((c) => c.name).sort();
const networks = async (stack: string) =>
  (await rt.listNetworks({ [LABEL.managed]: 'true', [LABEL.stack]: stack })).map((n) => n.name);

function stackFile(pipeGreeting: string): string {
  return `name: ${STACK}
mcp-servers:
  - name: web
    image: ${image}
    transport: http
    port: 8080
    command: [http, "8080"]
    replicas: 2
    env: { GREETING: from-web }
  - name: pipe
    source: { type: local, path: ./mcp, dockerfile: Containerfile }
    build_args: { BASE: "${base}" }
    transport: stdio
    env: { GREETING: ${pipeGreeting} }
resources:
  - name: store
    image: ${image}
    env: { FIXTURE_MODE: resource, PORT: "6000", DATA_FILE: /data/value.txt }
    ports: ["${storePort}:6000"]
    volumes: ["./data:/data:ro"]
`;
}

async function connect(): Promise<Client> {
  const client = new Client({ name: 'containers-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}/mcp`)));
  return client;
}

const text = (r: unknown) => ((r as { content: { text: string }[] }).content[0]?.text ?? '').trim();

/** Stops the daemon but leaves the containers (what a crash or a reboot of gridctl looks like). */
async function stopDaemonOnly(): Promise<void> {
  const read = readState(resolveHome({ home: sb.home }), STACK);
  if (read.kind !== 'ok') throw new Error(`no state for ${STACK}: ${read.kind}`);
  process.kill(read.state.pid, 'SIGTERM');
  await waitFor(() => !isAlive(read.state.pid), { timeoutMs: 20_000, what: 'the daemon to exit' });
}

const ids = async () =>
  Object.fromEntries(
    (await rt.listContainers({ [LABEL.stack]: STACK })).map((c) => [c.name, c.id] as [string, string]),
  );

beforeAll(async () => {
  rt = await engine();
  base = await baseImage(rt);
  image = await fixtureImage(rt);
  sb = sandbox();
  [port, basePort, storePort] = [await freePort(), 20000 + (process.pid % 20000), await freePort()];
  mkdirSync(join(sb.dir, 'mcp'));
  cpSync(FIXTURE_DIR, join(sb.dir, 'mcp'), { recursive: true });
  mkdirSync(join(sb.dir, 'data'));
  writeFileSync(join(sb.dir, 'data', 'value.txt'), 'from-the-volume');
}, 240_000);

afterAll(async () => {
  await gridctl(sb, ['destroy', STACK]);
  await gridctl(sb, ['destroy', FAIL_STACK]);
  // Nothing of the test's stacks is left in the engine.
  expect(await managed(STACK)).toEqual([]);
  expect(await managed(FAIL_STACK)).toEqual([]);
  expect(await networks(STACK)).toEqual([]);
  expect(await networks(FAIL_STACK)).toEqual([]);
}, 120_000);

describe('container workloads', () => {
  it('apply brings up a stdio container, an http container with 2 replicas and a resource', async () => {
    const file = sb.write('stack.yaml', stackFile('from-pipe'));
    const res = await gridctl(sb, [
      'apply',
      file,
      '--port',
      String(port),
      '--base-port',
      String(basePort),
      '--log-level',
      'debug',
    ]);
    expect(res.code, `${res.stdout}\n${res.stderr}`).toBe(0);
    expect(await managed(STACK)).toEqual([
      `gridctl-${STACK}-pipe`,
      `gridctl-${STACK}-store`,
      `gridctl-${STACK}-web-replica-0`,
      `gridctl-${STACK}-web-replica-1`,
    ]);
    expect(await networks(STACK)).toEqual([`${STACK}-net`]);
    // http replicas are published on loopback from the base port, in declaration order.
    const web0 = await rt.inspectContainer(`gridctl-${STACK}-web-replica-0`);
    const web1 = await rt.inspectContainer(`gridctl-${STACK}-web-replica-1`);
    expect([web0?.hostPorts['8080/tcp'], web1?.hostPorts['8080/tcp']]).toEqual([basePort, basePort + 1]);
    expect(web0?.labels[LABEL.hash]).toMatch(/^[0-9a-f]{16}$/);

    const client = await connect();
    try {
      const tools = (await client.listTools()).tools.map((t) => t.name).sort();
      expect(tools).toEqual(
        expect.arrayContaining(['pipe__echo', 'pipe__whoami', 'web__echo', 'web__fetch', 'web__whoami']),
      );
      expect(text(await client.callTool({ name: 'pipe__echo', arguments: { text: 'over attach' } }))).toBe(
        'over attach',
      );
      expect(text(await client.callTool({ name: 'pipe__whoami', arguments: {} }))).toMatch(/from-pipe$/);
      expect(text(await client.callTool({ name: 'web__whoami', arguments: {} }))).toMatch(/from-web$/);
      // The resource, by its short name on the stack network, serving a file from its volume.
      expect(
        text(await client.callTool({ name: 'web__fetch', arguments: { host: 'store', port: 6000 } })),
      ).toBe('from-the-volume');
    } finally {
      await client.close();
    }
    // Its published port answers on loopback.
    expect(await (await fetch(`http://127.0.0.1:${storePort}/`)).text()).toBe('from-the-volume');
    // Container logs reach the servers' logs: stdout of http containers, stderr of stdio ones.
    const logs = join(sb.home, 'logs', STACK);
    await waitFor(() => readFileSync(join(logs, 'web.log'), 'utf8').includes('tool fetch'), {
      what: 'web container stdout in web.log',
    });
    await waitFor(() => readFileSync(join(logs, 'pipe.log'), 'utf8').includes('tool whoami'), {
      what: 'pipe container stderr in pipe.log',
    });

    const status = await gridctl(sb, ['status']);
    expect(status.stdout).toContain('CONTAINER ID');
    expect(status.stdout).toMatch(new RegExp(`gridctl-${STACK}-store\\s+resource`));
    expect(status.stdout).toMatch(new RegExp(`gridctl-${STACK}-web-replica-1\\s+mcp-server`));
  }, 240_000);

  it('re-apply reuses unchanged containers and recreates only the one whose spec changed', async () => {
    const before = await ids();
    await stopDaemonOnly();
    const file = sb.write('stack.yaml', stackFile('changed-env'));
    const res = await gridctl(sb, ['apply', file, '--port', String(port), '--base-port', String(basePort)]);
    expect(res.code, `${res.stdout}\n${res.stderr}`).toBe(0);
    const after = await ids();
    for (const name of ['store', 'web-replica-0', 'web-replica-1']) {
      expect(after[`gridctl-${STACK}-${name}`], name).toBe(before[`gridctl-${STACK}-${name}`]);
    }
    expect(after[`gridctl-${STACK}-pipe`]).toBeDefined();
    expect(after[`gridctl-${STACK}-pipe`]).not.toBe(before[`gridctl-${STACK}-pipe`]);
    const client = await connect();
    try {
      expect(text(await client.callTool({ name: 'pipe__whoami', arguments: {} }))).toMatch(/changed-env$/);
    } finally {
      await client.close();
    }
  }, 240_000);

  it('reload of a changed env recreates only that container, in place', async () => {
    const before = await ids();
    const file = sb.write('stack.yaml', stackFile('reloaded-env'));
    const res = await gridctl(sb, ['reload', file]);
    expect(res.code, `${res.stdout}\n${res.stderr}`).toBe(0);
    expect(res.stdout).toContain('Modified: mcp-server:pipe');
    const after = await ids();
    for (const name of ['store', 'web-replica-0', 'web-replica-1']) {
      expect(after[`gridctl-${STACK}-${name}`], name).toBe(before[`gridctl-${STACK}-${name}`]);
    }
    expect(after[`gridctl-${STACK}-pipe`]).toBeDefined();
    expect(after[`gridctl-${STACK}-pipe`]).not.toBe(before[`gridctl-${STACK}-pipe`]);
    // Re-registration may need one retry while the engine settles the new container.
    await waitFor(
      async () => {
        const body = JSON.parse((await gridctl(sb, ['status', '--json'])).stdout) as {
          gateways: { servers?: { name: string; state: string }[] }[];
        };
        return body.gateways[0]?.servers?.find((s) => s.name === 'pipe')?.state === 'healthy';
      },
      { timeoutMs: 30_000, what: 'pipe to be healthy after reload' },
    );
    const client = await connect();
    try {
      expect(text(await client.callTool({ name: 'pipe__whoami', arguments: {} }))).toMatch(/reloaded-env$/);
      expect(text(await client.callTool({ name: 'web__whoami', arguments: {} }))).toMatch(/from-web$/);
    } finally {
      await client.close();
    }
  }, 240_000);

  it('destroy removes the containers and the network by label', async () => {
    const res = await gridctl(sb, ['destroy', STACK]);
    expect(res.code, res.stderr).toBe(0);
    // The daemon exits on SIGTERM by itself: no attach or log stream keeps it alive.
    expect(res.stdout).toContain(`Stopped stack '${STACK}'`);
    expect(res.stdout).not.toContain('killed after the grace period');
    expect(res.stdout).toContain(`Removed 4 container(s) and 1 network(s) of '${STACK}'`);
    expect(await managed(STACK)).toEqual([]);
    expect(await networks(STACK)).toEqual([]);
    // Images are kept.
    expect(await rt.imageId(`gridctl-${STACK}-pipe:latest`)).toBeDefined();
  }, 120_000);
});

describe('failed applies clean up what they started', () => {
  const failing = (servers: string) =>
    `name: ${FAIL_STACK}\nmcp-servers:\n  - name: good\n    image: ${image}\n    port: 8080\n    command: [http, "8080"]\n${servers}`;

  async function applyFails(yaml: string, base: number): Promise<string> {
    const file = sb.write('fail.yaml', yaml);
    const res = await gridctl(sb, [
      'apply',
      file,
      '--port',
      String(await freePort()),
      '--base-port',
      String(base),
    ]);
    expect(res.code, res.stdout).toBe(1);
    expect(await managed(FAIL_STACK)).toEqual([]);
    expect(await networks(FAIL_STACK)).toEqual([]);
    return res.stderr;
  }

  it('an image that does not exist', async () => {
    const err = await applyFails(
      failing('  - name: ghost\n    image: localhost/gridctl-no-such-image:1\n    transport: stdio\n'),
      basePort + 10,
    );
    expect(err).toContain(
      'server "ghost": image "localhost/gridctl-no-such-image:1" is not available locally',
    );
  }, 120_000);

  it('a container that exits at start (after another was started)', async () => {
    const err = await applyFails(
      failing(`  - name: dies\n    image: ${image}\n    command: [exit]\n    port: 8080\n`),
      basePort + 20,
    );
    expect(err).toContain('server "dies"');
    expect(err).toContain('exited with code 3');
    expect(err).toContain('fixture: exiting at start on purpose');
  }, 120_000);

  it('a stdio container that exits at start', async () => {
    const err = await applyFails(
      failing(`  - name: diesio\n    image: ${image}\n    command: [exit]\n    transport: stdio\n`),
      basePort + 30,
    );
    expect(err).toContain('server "diesio"');
    expect(err).toContain('exited with code 3');
  }, 120_000);

  it('a host port already taken', async () => {
    const taken = basePort + 40;
    const blocker: Server = createServer();
    await new Promise<void>((r) => blocker.listen(taken, '127.0.0.1', () => r()));
    try {
      const err = await applyFails(failing(''), taken);
      expect(err).toContain(`server "good": host port 127.0.0.1:${taken} is in use`);
    } finally {
      await new Promise((r) => blocker.close(r));
    }
  }, 120_000);

  it('a runtime that is not there, and a bad --runtime', async () => {
    const file = sb.write('fail.yaml', failing(''));
    const bad = await gridctl(sb, ['apply', file, '--runtime', 'lxc']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('--runtime lxc: unknown container runtime');
    const none = await gridctl({ ...sb, env: { ...sb.env, DOCKER_HOST: 'unix:///nonexistent.sock' } }, [
      'apply',
      file,
      '--runtime',
      'docker',
    ]);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('no docker engine answers');
    expect(none.stderr).toContain('/nonexistent.sock (DOCKER_HOST): does not exist');
    expect(none.stderr).toContain('podman system service --time=0');
  }, 60_000);
});
