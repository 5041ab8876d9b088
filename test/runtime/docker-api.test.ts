// DockerApiRuntime against the real engine: networks, image build, containers, raw attach, logs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LABEL, stackLabels } from '../../src/runtime/index.js';
import type { AttachedStdio, WorkloadRuntime } from '../../src/runtime/types.js';
import { waitFor } from '../support/wait.js';
import { engine, fixtureImage } from './images.js';

const STACK = `rt${process.pid}`;
let rt: WorkloadRuntime;
let image: string;

beforeAll(async () => {
  rt = await engine();
  image = await fixtureImage(rt);
}, 180_000);

afterAll(async () => {
  for (const c of await rt.listContainers(stackLabels(STACK))) await rt.removeContainer(c.id);
  for (const n of await rt.listNetworks(stackLabels(STACK))) await rt.removeNetwork(n.name);
  expect(await rt.listContainers(stackLabels(STACK))).toEqual([]);
});

function lines(stream: NodeJS.ReadableStream): string[] {
  const out: string[] = [];
  let buf = '';
  stream.on('data', (c: Buffer) => {
    buf += c.toString('utf8');
    let nl = buf.indexOf('\n');
    while (nl !== -1) {
      out.push(buf.slice(0, nl));
      buf = buf.slice(nl + 1);
      nl = buf.indexOf('\n');
    }
  });
  return out;
}

describe('DockerApiRuntime', () => {
  it('creates a labelled network once and reuses it', async () => {
    const spec = { name: `${STACK}-net`, driver: 'bridge', labels: stackLabels(STACK) };
    expect(await rt.ensureNetwork(spec)).toBe(true);
    expect(await rt.ensureNetwork(spec)).toBe(false);
    expect((await rt.listNetworks(stackLabels(STACK))).map((n) => n.name)).toEqual([`${STACK}-net`]);
  });

  it('attaches to a stdio container before start: clean stdin, demultiplexed stdout and stderr', async () => {
    const id = await rt.createContainer({
      name: `gridctl-${STACK}-attach`,
      image,
      env: {},
      labels: { ...stackLabels(STACK), [LABEL.server]: 'attach' },
      aliases: [],
      ports: [],
      volumes: [],
      stdin: true,
      extraHosts: [],
    });
    const io: AttachedStdio = await rt.attach(id);
    const out = lines(io.stdout);
    const err = lines(io.stderr);
    await rt.startContainer(id);
    io.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' })}\n`);
    // The first bytes on stdin are ours: the server parsed them as JSON (the dockerode quirk
    // would have put the attach options in front and broken this line).
    await waitFor(() => out.length >= 1, { what: 'the ping answer' });
    expect(JSON.parse(out[0] as string)).toEqual({ jsonrpc: '2.0', id: 1, result: {} });
    await waitFor(() => err.includes('fixture stdio server ready'), { what: 'stderr' });
    expect(err.some((l) => l.startsWith('not JSON'))).toBe(false);
    io.close();
    // Detaching closes the server's stdin: it exits on its own.
    await waitFor(async () => (await rt.inspectContainer(id))?.state === 'exited', {
      what: 'exit on detach',
    });
    const logs = await rt.logs(id, { follow: false, stdout: false, stderr: true });
    const logged = lines(logs.stderr);
    await waitFor(() => logged.includes('fixture stdio server ready'), { what: 'the stderr log' });
    await rt.removeContainer(id);
    expect(await rt.inspectContainer(id)).toBeUndefined();
  });

  it('publishes a port on loopback and reports it', async () => {
    const id = await rt.createContainer({
      name: `gridctl-${STACK}-http`,
      image,
      cmd: ['http', '8080'],
      env: {},
      labels: stackLabels(STACK),
      network: `${STACK}-net`,
      aliases: ['http'],
      ports: [{ hostIp: '127.0.0.1', hostPort: 0, containerPort: 8080 }],
      volumes: [],
      stdin: false,
      extraHosts: [],
    });
    await rt.startContainer(id);
    const c = await waitFor(async () => {
      const d = await rt.inspectContainer(id);
      return d?.state === 'running' && d.hostPorts['8080/tcp'] ? d : undefined;
    });
    const port = c.hostPorts['8080/tcp'];
    const res = await waitFor(
      () =>
        fetch(`http://127.0.0.1:${port}/mcp`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'ping' }),
          // Docker's userland proxy can accept and then hold a connection while the server inside
          // is still starting (seen on a fresh dockerd): give up on that attempt and try again.
          signal: AbortSignal.timeout(2000),
        }).then((r) => r.json()),
      { what: 'the http fixture' },
    );
    expect(res).toEqual({ jsonrpc: '2.0', id: 7, result: {} });
    const listed = await rt.listContainers({ ...stackLabels(STACK) });
    expect(listed.find((x) => x.id === id)?.state).toBe('running');
    await rt.stopContainer(id, 2);
    await rt.stopContainer(id, 2); // quiet when already stopped
    await rt.removeContainer(id);
    await rt.removeContainer(id); // quiet when already gone
  });
});
