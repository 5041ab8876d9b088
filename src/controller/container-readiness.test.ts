import { createServer, type Server } from 'node:http';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { EngineStandin } from '../../test/support/engine-standin.js';
import { freePort } from '../../test/support/net.js';
import { processTable } from '../../test/support/processes.js';
import type { ContainerSpec } from '../runtime/types.js';
import { answers, exitedMessage, oneLine, waitReady } from './container-readiness.js';
import { type Desired, WorkloadError } from './container-types.js';

const ROOT = resolve(import.meta.dirname, '../..');
/** The conformance fixture (an SDK server) on stdio, as a stdio container runs its server. */
const FIXTURE = [process.execPath, '--import', 'tsx', join(ROOT, 'test/fixtures/conformance-server.ts')];
const node = (script: string) => [process.execPath, '-e', script];

function desired(
  transport: Desired['transport'],
  opts: { hostPort?: number; timeoutMs?: number } = {},
): Desired {
  return {
    what: 'server "probe"',
    workload: 'probe',
    isResource: transport === 'resource',
    transport,
    readyTimeoutMs: opts.timeoutMs ?? 20_000,
    spec: {
      name: 'gridctl-test-probe',
      ports: opts.hostPort ? [{ hostIp: '127.0.0.1', hostPort: opts.hostPort, containerPort: 80 }] : [],
    } as unknown as ContainerSpec,
  };
}

const engine = new EngineStandin();
const servers: Server[] = [];

async function httpServer(): Promise<number> {
  const port = await freePort();
  const server = createServer((_req, res) => res.writeHead(406).end());
  servers.push(server);
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return port;
}

afterEach(() => engine.stopAll());
afterAll(async () => {
  for (const s of servers) await new Promise((r) => s.close(r));
  const left = new Set(engine.pids());
  expect(processTable().filter((p) => left.has(p.pid))).toEqual([]);
});

describe('container readiness', () => {
  it('counts any HTTP answer on /mcp as an answer, and a closed port as none', async () => {
    expect(await answers(await httpServer())).toBe(true);
    expect(await answers(await freePort())).toBe(false);
  });

  it('an http server is ready once its port answers while the container runs', async () => {
    const port = await httpServer();
    const id = engine.add({ name: 'web' });
    await engine.runtime().startContainer(id);
    await expect(
      waitReady(engine.runtime(), desired('http', { hostPort: port }), id),
    ).resolves.toBeUndefined();
  });

  it('an http server that never answers fails with its address and the ready_timeout', async () => {
    const port = await freePort();
    const id = engine.add({ name: 'silent' });
    await engine.runtime().startContainer(id);
    const err = await waitReady(
      engine.runtime(),
      desired('sse', { hostPort: port, timeoutMs: 300 }),
      id,
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkloadError);
    expect((err as Error).message).toBe(
      `server "probe": nothing answered on http://127.0.0.1:${port}/mcp within 0.3s (ready_timeout); the container was removed`,
    );
  });

  it('a container that exits at once fails with its exit code and last output lines', async () => {
    const id = engine.add({
      name: 'gridctl-test-probe',
      argv: node('console.log("loading config"); console.error("fatal: no API_KEY"); process.exit(3)'),
    });
    await engine.runToExit(id);
    const err = await waitReady(engine.runtime(), desired('http', { hostPort: await freePort() }), id).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(WorkloadError);
    expect((err as Error).message).toMatch(
      /^server "probe": container gridctl-test-probe exited with code 3 right after start; its last output:\n {4}(loading config|fatal: no API_KEY)\n {4}(loading config|fatal: no API_KEY)$/,
    );
    // A resource (no MCP port) is judged by its state alone.
    await expect(waitReady(engine.runtime(), desired('resource'), id)).rejects.toThrow(/exited with code 3/);
  });

  it('says a removed container is gone', async () => {
    expect(await exitedMessage(engine.runtime(), desired('http'), 'no-such-id')).toBe(
      'server "probe": container gridctl-test-probe is gone right after start',
    );
  });

  it('a stdio server is ready when it answers initialize, and the probe detaches so it ends', async () => {
    const id = engine.add({ name: 'stdio-ok', argv: FIXTURE });
    const rt = engine.runtime();
    await waitReady(rt, desired('stdio'), id);
    // Detaching closed its stdin: the server ended, so the gateway's attach starts it afresh.
    expect((await rt.inspectContainer(id))?.state).toBe('exited');
  });

  it('a stdio server that closes its stdout without answering, or never answers, fails saying so', async () => {
    const rt = engine.runtime();
    const closes = engine.add({
      name: 'closes',
      argv: node('process.stdout.end(); setInterval(() => {}, 1000)'),
    });
    await expect(waitReady(rt, desired('stdio'), closes)).rejects.toThrow(
      'server "probe": closed its stdout without answering initialize',
    );
    const mute = engine.add({
      name: 'mute',
      argv: node('console.log("a banner"); setInterval(() => {}, 1000)'),
    });
    await expect(waitReady(rt, desired('stdio', { timeoutMs: 500 }), mute)).rejects.toThrow(
      'server "probe": no answer to initialize on stdio within 0.5s (ready_timeout)',
    );
    // One that dies instead of answering reports its exit, as an http one does.
    const dies = engine.add({
      name: 'gridctl-test-probe',
      argv: node('console.error("bad flag"); process.exit(2)'),
    });
    await expect(waitReady(rt, desired('stdio'), dies)).rejects.toThrow(
      /container gridctl-test-probe exited with code 2 right after start; its last output:\n {4}bad flag$/,
    );
  });

  it('puts a multi-line message on one line', () => {
    expect(oneLine(new Error('fatal: repository\n  not found\n'))).toBe('fatal: repository not found');
  });
});
