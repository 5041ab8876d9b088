// Runtime detection against the real Podman socket and real unix sockets standing in for other
// engines (an engine that answers as Docker, one that never answers).
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { detectRuntime, RuntimeNotFoundError, requireRuntime } from '../../src/runtime/index.js';

const dir = mkdtempSync(join(tmpdir(), 'gridctl-detect-'));
const servers: Server[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  rmSync(dir, { recursive: true, force: true });
});

function fakeEngine(name: string, answer: boolean): Promise<string> {
  const socket = join(dir, name);
  const srv = createServer((req, res) => {
    if (!answer) return; // accept, never respond
    if (req.url === '/_ping') res.end('OK');
    else res.setHeader('content-type', 'application/json').end(JSON.stringify({ Version: '27.1.0' }));
  });
  servers.push(srv);
  return new Promise((r) => srv.listen(socket, () => r(socket)));
}

const baseEnv = { XDG_RUNTIME_DIR: dir, HOME: dir };

describe('runtime detection', () => {
  it('finds the running Podman socket and tells Podman from Docker', async () => {
    const { runtime } = await detectRuntime({ env: baseEnv });
    expect(runtime?.info).toMatchObject({
      kind: 'podman',
      socket: '/run/podman/podman.sock',
      source: 'default',
    });
    await runtime?.ping();
  });

  it('DOCKER_HOST comes first; GRIDCTL_RUNTIME=podman skips an engine that is Docker', async () => {
    const socket = await fakeEngine('docker.sock', true);
    const auto = await detectRuntime({ env: { ...baseEnv, DOCKER_HOST: `unix://${socket}` } });
    expect(auto.runtime?.info).toMatchObject({
      kind: 'docker',
      socket,
      source: 'DOCKER_HOST',
      version: '27.1.0',
    });
    const podman = await detectRuntime({
      env: { ...baseEnv, DOCKER_HOST: `unix://${socket}`, GRIDCTL_RUNTIME: 'podman' },
    });
    expect(podman.runtime?.info).toMatchObject({ kind: 'podman', source: 'GRIDCTL_RUNTIME' });
    expect(podman.attempts[0]).toMatchObject({ socket, problem: 'is docker, not podman' });
  });

  it('the flag wins over GRIDCTL_RUNTIME; a missing explicit engine lists the sockets tried', async () => {
    const env = { ...baseEnv, GRIDCTL_RUNTIME: 'podman', DOCKER_HOST: `unix://${join(dir, 'absent.sock')}` };
    const err = await detectRuntime({ flag: 'docker', env }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RuntimeNotFoundError);
    const msg = (err as Error).message;
    expect(msg).toContain('--runtime docker: no docker engine answers');
    expect(msg).toContain(`${join(dir, 'absent.sock')} (DOCKER_HOST): does not exist`);
    expect(msg).toContain('/var/run/docker.sock');
    expect(msg).not.toContain('- /run/podman/podman.sock');
    expect(msg).toContain('podman system service --time=0 unix:///run/podman/podman.sock');
  });

  it('a socket that never answers does not count (ping deadline)', async () => {
    const socket = await fakeEngine('silent.sock', false);
    const started = Date.now();
    const { runtime, attempts } = await detectRuntime({
      env: { ...baseEnv, DOCKER_HOST: `unix://${socket}` },
      pingTimeoutMs: 300,
    });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(attempts[0]).toMatchObject({ socket, problem: 'no answer within 300 ms' });
    expect(runtime?.info.kind).toBe('podman');
  });

  it('rejects an unknown --runtime and an unknown GRIDCTL_RUNTIME', async () => {
    await expect(detectRuntime({ flag: 'lxc', env: baseEnv })).rejects.toThrow(
      '--runtime lxc: unknown container runtime; use docker or podman',
    );
    await expect(detectRuntime({ env: { ...baseEnv, GRIDCTL_RUNTIME: 'rkt' } })).rejects.toThrow(
      'GRIDCTL_RUNTIME rkt',
    );
  });

  it('requireRuntime explains why an engine is needed', async () => {
    const err = await requireRuntime(
      { flag: 'docker', env: { ...baseEnv, DOCKER_HOST: `unix://${join(dir, 'nope.sock')}` } },
      'stack x runs containers',
    ).catch((e: unknown) => e);
    expect((err as Error).message).toContain('no docker engine answers');
  });
});
