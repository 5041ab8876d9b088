// Replicas end to end: the real CLI applies a stack with a 3-replica server and an autoscaled one,
// `status --replicas` shows every replica, a reload that only touches `autoscale` keeps the
// replicas running, and after a SIGKILL of the daemon `destroy` reaps every replica process.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, describe, expect, it } from 'vitest';
import { PID_SERVER, pidOf } from '../fixtures/replicas/index.js';
import { freePort } from '../support/net.js';
import { isAlive, processesIn } from '../support/processes.js';
import { waitFor } from '../support/wait.js';
import { gridctl, type Sandbox, sandbox } from './cli.js';

const TSX = import.meta.resolve('tsx');
const sandboxes: Sandbox[] = [];

afterAll(async () => {
  for (const sb of sandboxes) await gridctl(sb, ['destroy', 'reps']).catch(() => undefined);
});

function stackFile(max: number): string {
  const argv = JSON.stringify([process.execPath, '--import', TSX, PID_SERVER]);
  return `name: reps
mcp-servers:
  - name: fx
    command: ${argv}
    replicas: 3
    replica_policy: least-connections
  - name: auto
    command: ${argv}
    autoscale:
      min: 1
      max: ${max}
      target_in_flight: 2
      warm_pool: 1
`;
}

function children(sb: Sandbox): { server: string; pid: number }[] {
  return (
    JSON.parse(readFileSync(join(sb.home, 'state', 'reps.json'), 'utf8')) as {
      children: { server: string; pid: number }[];
    }
  ).children;
}

interface Row {
  name: string;
  state: string;
  replicas: { id: number; pid: number; state: string; inFlight: number }[];
  autoscale?: { current: number; max: number; decisions: { direction: string; reason: string }[] };
}

async function servers(sb: Sandbox): Promise<Row[]> {
  const r = await gridctl(sb, ['status', '--json']);
  return (JSON.parse(r.stdout) as { gateways: { servers: Row[] }[] }).gateways[0]!.servers;
}

describe('gridctl apply with replicas', () => {
  it('runs every replica, shows them, swaps an autoscale policy in place and reaps them all', async () => {
    const sb = sandbox();
    sandboxes.push(sb);
    const port = await freePort();
    const file = sb.write('stack.yaml', stackFile(3));

    const applied = await gridctl(sb, ['apply', file, '--port', String(port)]);
    expect(applied.stderr + applied.stdout).not.toMatch(/Error/);
    expect(applied.code).toBe(0);

    const rows = await servers(sb);
    const fx = rows.find((s) => s.name === 'fx')!;
    const auto = rows.find((s) => s.name === 'auto')!;
    expect(fx.state).toBe('healthy');
    expect(fx.replicas.map((r) => r.state)).toEqual(['healthy', 'healthy', 'healthy']);
    expect(new Set(fx.replicas.map((r) => r.pid)).size).toBe(3);
    expect(auto.replicas).toHaveLength(2); // min 1 + warm_pool 1
    expect(auto.autoscale?.decisions[0]).toMatchObject({ direction: 'up', reason: 'registration' });

    const status = await gridctl(sb, ['status', '--replicas']);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/fx\s+local\s+stdio\s+healthy\s+3\/3/);
    expect(status.stdout).toMatch(/auto\s+local\s+stdio\s+healthy\s+2\/2/);
    expect(status.stdout).toMatch(/SERVER\s+ID\s+STATE\s+PID\/CONTAINER\s+IN-FLIGHT\s+RESTARTS\s+NEXT RETRY/);
    for (const r of fx.replicas)
      expect(status.stdout).toMatch(new RegExp(`fx\\s+${r.id}\\s+healthy\\s+${r.pid}\\s+0\\s+0`));
    expect(status.stdout).toMatch(/auto autoscale: 2 healthy, target 2 \(min 1, max 3/);

    // Calls through the gateway reach the replicas.
    const client = new Client({ name: 'replicas-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}/mcp`)));
    try {
      const pids = new Set<number>();
      const results = await Promise.all(
        Array.from({ length: 9 }, () => client.callTool({ name: 'fx__slow', arguments: { ms: 300 } })),
      );
      for (const r of results) pids.add(pidOf(r));
      expect(pids).toEqual(new Set(fx.replicas.map((r) => r.pid)));
    } finally {
      await client.close();
    }

    // Every replica's process is recorded for orphan reaping.
    const all = [...fx.replicas, ...auto.replicas].map((r) => r.pid).sort((a, b) => a - b);
    await waitFor(() => JSON.stringify(children(sb).map((c) => c.pid)) === JSON.stringify(all), {
      what: 'every replica pid in the state file',
    });

    // A reload that only touches autoscale keeps the replicas (same pids).
    sb.write('stack.yaml', stackFile(4));
    const reloaded = await gridctl(sb, ['reload', file]);
    expect(reloaded.code).toBe(0);
    const after = await servers(sb);
    expect(after.find((s) => s.name === 'auto')!.autoscale?.max).toBe(4);
    expect(after.find((s) => s.name === 'auto')!.replicas.map((r) => r.pid)).toEqual(
      auto.replicas.map((r) => r.pid),
    );
    expect(after.find((s) => s.name === 'fx')!.replicas.map((r) => r.pid)).toEqual(
      fx.replicas.map((r) => r.pid),
    );

    // The daemon dies hard: destroy still stops every replica.
    const daemon = (JSON.parse(readFileSync(join(sb.home, 'state', 'reps.json'), 'utf8')) as { pid: number })
      .pid;
    process.kill(daemon, 'SIGKILL');
    await waitFor(() => !isAlive(daemon), { what: 'the daemon to die' });
    const destroyed = await gridctl(sb, ['destroy', 'reps']);
    expect(destroyed.code).toBe(0);
    await waitFor(() => all.every((p) => !isAlive(p)), { what: 'every replica process to be reaped' });
    expect(processesIn(sb.dir)).toEqual([]);
  });
});
