// Autoscaling with real processes and short windows (ticks of 100 ms): warm pool at start, scale up
// under sustained load, scale down one replica per tick with drain, idle-to-zero then a cold start,
// a policy swapped in place, and nothing left running.
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, describe, expect, it } from 'vitest';
import type { AutoscalePolicy, ServerStatus } from '../../src/gateway/index.js';
import { pidOf, pidServerCommand } from '../fixtures/replicas/index.js';
import { isAlive } from '../support/processes.js';
import { waitFor } from '../support/wait.js';
import { connectStreamable, type RunningGateway, spec, startGateway, stdio } from './helpers.js';

type ToolResult = { content: { type: string; text?: string }[]; isError?: boolean };

const seen = new Set<number>();
const gateways: RunningGateway[] = [];
const clients: Client[] = [];

function policy(over: Partial<AutoscalePolicy>): AutoscalePolicy {
  return {
    min: 1,
    max: 4,
    targetInFlight: 2,
    scaleUpAfterMs: 300,
    scaleDownAfterMs: 600,
    warmPool: 0,
    idleToZero: false,
    ...over,
  };
}

async function start(autoscale: AutoscalePolicy): Promise<{ gw: RunningGateway; c: Client }> {
  const gw = await startGateway(
    [
      spec('fx', stdio(pidServerCommand()), {
        pingIntervalMs: 500,
        autoscale,
        replicaPolicy: 'least-connections',
      }),
    ],
    { autoscale: { tickMs: 100, drainTimeoutMs: 10_000, decisionsKept: 500 } },
  );
  gateways.push(gw);
  const c = await connectStreamable(gw.url);
  clients.push(c);
  return { gw, c };
}

function fx(gw: RunningGateway): ServerStatus {
  const st = gw.gateway.status().find((s) => s.name === 'fx')!;
  for (const r of st.replicas) if (r.pid) seen.add(r.pid);
  return st;
}

const healthyCount = (st: ServerStatus) => st.replicas.filter((r) => r.state === 'healthy').length;

async function call(c: Client, name: string, args: Record<string, unknown> = {}): Promise<ToolResult> {
  return (await c.callTool({ name: `fx__${name}`, arguments: args })) as ToolResult;
}

afterAll(async () => {
  for (const c of clients) await c.close().catch(() => {});
  for (const gw of gateways) {
    fx(gw);
    await gw.close();
  }
  await waitFor(() => [...seen].every((p) => !isAlive(p)), { what: 'every replica process to exit' });
});

describe('autoscale', () => {
  it('starts min + warm_pool replicas', async () => {
    const { gw } = await start(policy({ min: 1, warmPool: 1 }));
    const st = fx(gw);
    expect(st.state).toBe('healthy');
    expect(healthyCount(st)).toBe(2);
    expect(new Set(st.replicas.map((r) => r.pid)).size).toBe(2);
    expect(st.autoscale).toMatchObject({ min: 1, max: 4, warmPool: 1, current: 2, tickMs: 100 });
    expect(st.autoscale?.decisions[0]).toMatchObject({
      direction: 'up',
      reason: 'registration',
      replicas: [0, 1],
    });
  });

  it('scales up under sustained load, then back down one replica per tick once calm', async () => {
    const { gw, c } = await start(policy({ min: 1, max: 4, targetInFlight: 2 }));
    expect(healthyCount(fx(gw))).toBe(1);
    // Keep 8 slow calls in flight until the set has grown: 8 in flight on one replica is 4× target.
    let load = true;
    const results: ToolResult[] = [];
    const worker = async () => {
      while (load) results.push(await call(c, 'slow', { ms: 400 }));
    };
    const workers = Array.from({ length: 8 }, worker);
    await waitFor(() => healthyCount(fx(gw)) >= 3, { timeoutMs: 30_000, what: 'scale up to at least 3' });
    load = false;
    await Promise.all(workers);
    expect(results.every((r) => !r.isError)).toBe(true);
    // Calls were served by more than one process.
    expect(new Set(results.map(pidOf)).size).toBeGreaterThan(1);
    const up = fx(gw).autoscale!.decisions.filter((d) => d.direction === 'up' && d.reason === 'load');
    expect(up.length, JSON.stringify(fx(gw).autoscale!.decisions)).toBeGreaterThan(0);

    await waitFor(() => (healthyCount(fx(gw)) === 1 && fx(gw).replicas.length === 1 ? true : undefined), {
      timeoutMs: 30_000,
      what: 'scale back down to min',
    });
    const st = fx(gw);
    const downs = st.autoscale!.decisions.filter((d) => d.direction === 'down');
    expect(downs.length).toBeGreaterThanOrEqual(2);
    // One replica per decision, each with its reason.
    for (const d of downs) {
      expect(d.reason).toBe('load');
      expect(d.replicas).toHaveLength(1);
    }
    expect(st.state).toBe('healthy');
    expect(pidOf(await call(c, 'whoami'))).toBe(st.replicas[0]!.pid);
  });

  it('drains a replica chosen for removal: its call finishes before it is closed', async () => {
    // Two replicas held by min 2, each with one long call in flight.
    const { gw, c } = await start(policy({ min: 2, max: 2, targetInFlight: 1 }));
    const before = fx(gw);
    expect(healthyCount(before)).toBe(2);
    const calls = [call(c, 'slow', { ms: 2500 }), call(c, 'slow', { ms: 2500 })];
    await waitFor(() => fx(gw).replicas.every((r) => r.inFlight === 1), { what: 'a call on each replica' });
    // Reload that only touched autoscale: min 1 and a high target make the set too big.
    expect(gw.gateway.updateAutoscale('fx', policy({ min: 1, max: 2, targetInFlight: 4 }))).toBe(true);
    const draining = await waitFor(() => fx(gw).replicas.find((r) => r.state === 'draining'), {
      timeoutMs: 15_000,
      what: 'a replica draining',
    });
    // Replicas were not restarted by the policy swap.
    expect(
      fx(gw)
        .replicas.map((r) => r.pid)
        .sort(),
    ).toEqual(before.replicas.map((r) => r.pid).sort());
    expect(isAlive(draining.pid!)).toBe(true);
    const done = await Promise.all(calls);
    expect(done.every((r) => !r.isError)).toBe(true);
    expect(done.map(pidOf)).toContain(draining.pid);
    await waitFor(() => fx(gw).replicas.length === 1, { what: 'the drained replica removed' });
    await waitFor(() => !isAlive(draining.pid!), { what: 'the drained process to exit' });
    expect(fx(gw).replicas[0]!.pid).not.toBe(draining.pid);
  });

  it('idle_to_zero: reaped to zero when idle, then the first call cold-starts a replica', async () => {
    const { gw, c } = await start(policy({ min: 0, max: 2, idleToZero: true, scaleDownAfterMs: 500 }));
    const first = fx(gw).replicas[0]!.pid!;
    const idle = await waitFor(() => (fx(gw).state === 'idle' ? fx(gw) : undefined), {
      timeoutMs: 15_000,
      what: 'scaled to zero',
    });
    expect(idle.replicas).toEqual([]);
    expect(idle.autoscale!.decisions.some((d) => d.direction === 'down' && d.reason === 'idle_to_zero')).toBe(
      true,
    );
    await waitFor(() => !isAlive(first), { what: 'the idle replica to exit' });
    // Its tools stay listed while at zero.
    expect((await c.listTools()).tools.some((t) => t.name === 'fx__whoami')).toBe(true);

    const r = await call(c, 'whoami');
    expect(r.isError, JSON.stringify(r)).toBeFalsy();
    const pid = pidOf(r);
    expect(pid).not.toBe(first);
    const st = fx(gw);
    expect(st.replicas.map((x) => x.pid)).toEqual([pid]);
    expect(st.autoscale!.decisions.some((d) => d.reason === 'cold_start' && d.direction === 'up')).toBe(true);
  });
});
