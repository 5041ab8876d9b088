import { request } from 'node:http';
import type { WorkloadRuntime } from '../runtime/index.js';
import { LineSplitter } from '../upstream/framing.js';

import { type Desired, WorkloadError } from './container-types.js';

/** Until the workload answers: http/sse any HTTP answer on its port; stdio an initialize reply. */
export async function waitReady(rt: WorkloadRuntime, d: Desired, id: string): Promise<void> {
  if (d.transport === 'resource') {
    const c = await rt.inspectContainer(id);
    if (c && c.state !== 'running') throw new WorkloadError(await exitedMessage(rt, d, id));
    return;
  }
  if (d.transport === 'stdio') return probeStdio(rt, d, id);
  const port = d.spec.ports[0]?.hostPort;
  if (!port) return;
  const deadline = Date.now() + d.readyTimeoutMs;
  for (;;) {
    const c = await rt.inspectContainer(id);
    if (!c || c.state === 'exited' || c.state === 'dead')
      throw new WorkloadError(await exitedMessage(rt, d, id));
    if (await answers(port)) return;
    if (Date.now() > deadline) {
      throw new WorkloadError(
        `${d.what}: nothing answered on http://127.0.0.1:${port}/mcp within ${d.readyTimeoutMs / 1000}s (ready_timeout); the container was removed`,
      );
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

export function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/mcp', method: 'GET', timeout: 1000 }, (res) => {
      res.resume();
      resolve(true);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

/** Attach, start, initialize, detach: the server speaks MCP on stdio (detaching ends it). */
export async function probeStdio(rt: WorkloadRuntime, d: Desired, id: string): Promise<void> {
  const io = await rt.attach(id);
  try {
    const outcome = new Promise<'answered' | 'ended' | 'timeout'>((resolve) => {
      const lines = new LineSplitter((line) => {
        try {
          const msg = JSON.parse(line.toString('utf8')) as { id?: unknown };
          if (msg.id === 'gridctl-probe') resolve('answered');
        } catch {
          // a banner line; keep reading
        }
      });
      io.stdout.on('data', (c: Buffer) => lines.push(c));
      io.stdout.once('end', () => resolve('ended'));
      setTimeout(() => resolve('timeout'), d.readyTimeoutMs).unref();
    });
    io.stderr.resume();
    await rt.startContainer(id);
    io.stdin.write(
      `${JSON.stringify({
        jsonrpc: '2.0',
        id: 'gridctl-probe',
        method: 'initialize',
        params: {
          protocolVersion: '2025-06-18',
          capabilities: {},
          clientInfo: { name: 'gridctl-probe', version: '1' },
        },
      })}\n`,
    );
    const result = await outcome;
    if (result === 'answered') {
      // Detaching closes the server's stdin, which ends it. Wait for that here, so whoever attaches
      // next (the gateway) starts it afresh instead of attaching to a container about to exit.
      io.close();
      const settled = Date.now() + 10_000;
      while ((await rt.inspectContainer(id))?.state === 'running' && Date.now() < settled) {
        await new Promise((r) => setTimeout(r, 100));
      }
      return;
    }
    // The stream can end a moment before the engine records the exit: give it a few seconds.
    const deadline = Date.now() + (result === 'ended' ? 5000 : 0);
    for (;;) {
      const c = await rt.inspectContainer(id);
      if (c?.state !== 'running') throw new WorkloadError(await exitedMessage(rt, d, id));
      if (Date.now() >= deadline) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    if (result === 'ended')
      throw new WorkloadError(`${d.what}: closed its stdout without answering initialize`);
    throw new WorkloadError(
      `${d.what}: no answer to initialize on stdio within ${d.readyTimeoutMs / 1000}s (ready_timeout)`,
    );
  } finally {
    io.close();
  }
}

export async function exitedMessage(rt: WorkloadRuntime, d: Desired, id: string): Promise<string> {
  const c = await rt.inspectContainer(id).catch(() => undefined);
  const tail = await lastLines(rt, id, 5);
  const why = c ? `exited with code ${c.exitCode}${c.error ? ` (${c.error})` : ''}` : 'is gone';
  return `${d.what}: container ${d.spec.name} ${why} right after start${tail ? `; its last output:\n${tail}` : ''}`;
}

export async function lastLines(rt: WorkloadRuntime, id: string, n: number): Promise<string> {
  try {
    const logs = await rt.logs(id, { follow: false, stdout: true, stderr: true, tail: n });
    const chunks: Buffer[] = [];
    logs.stdout.on('data', (c: Buffer) => chunks.push(c));
    logs.stderr.on('data', (c: Buffer) => chunks.push(c));
    await Promise.all([
      new Promise((r) => logs.stdout.once('end', r)),
      new Promise((r) => logs.stderr.once('end', r)),
    ]);
    return Buffer.concat(chunks)
      .toString('utf8')
      .trimEnd()
      .split('\n')
      .slice(-n)
      .map((l) => `    ${l}`)
      .join('\n');
  } catch {
    return '';
  }
}

export function oneLine(err: unknown): string {
  return String((err as Error).message ?? err)
    .replace(/\s+/g, ' ')
    .trim();
}
