// Static replica sets with real processes: one server, N child processes behind one name. Which
// replica answered is read from the fixture's answers (they carry the pid).
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { CreateMessageRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, describe, expect, it } from 'vitest';
import type { ServerSpec, ServerStatus } from '../../src/gateway/index.js';
import { pidOf, pidServerCommand } from '../fixtures/replicas/index.js';
import { isAlive } from '../support/processes.js';
import { waitFor } from '../support/wait.js';
import { connectStreamable, type RunningGateway, spec, startGateway, stdio } from './helpers.js';

type ToolResult = { content: { type: string; text?: string }[]; isError?: boolean };

/** Every pid any test saw, checked dead at the end. */
const seen = new Set<number>();
const gateways: RunningGateway[] = [];
const clients: Client[] = [];

function remember(st: ServerStatus | undefined): void {
  for (const r of st?.replicas ?? []) if (r.pid) seen.add(r.pid);
}

async function start(over: Partial<ServerSpec>): Promise<RunningGateway> {
  const gw = await startGateway([
    spec('fx', stdio(pidServerCommand()), {
      pingIntervalMs: 200,
      restartBackoff: { initialMs: 300 },
      ...over,
    }),
  ]);
  gateways.push(gw);
  remember(gw.gateway.status()[0]);
  return gw;
}

async function client(gw: RunningGateway, capabilities: Record<string, unknown> = {}): Promise<Client> {
  const c = await connectStreamable(gw.url, capabilities);
  clients.push(c);
  return c;
}

const fx = (gw: RunningGateway) => {
  const st = gw.gateway.status().find((s) => s.name === 'fx')!;
  remember(st);
  return st;
};

async function call(c: Client, name: string, args: Record<string, unknown> = {}): Promise<ToolResult> {
  return (await c.callTool({ name: `fx__${name}`, arguments: args })) as ToolResult;
}

afterAll(async () => {
  for (const c of clients) await c.close().catch(() => {});
  for (const gw of gateways) {
    remember(gw.gateway.status()[0]);
    await gw.close();
  }
  await waitFor(() => [...seen].every((p) => !isAlive(p)), { what: 'every replica process to exit' });
});

describe('static replicas', () => {
  it('runs 3 replicas with distinct pids, lists tools once, and round-robin spreads calls', async () => {
    const gw = await start({ replicas: 3 });
    const st = fx(gw);
    expect(st.state).toBe('healthy');
    expect(st.replicaPolicy).toBe('round-robin');
    expect(st.replicas.map((r) => [r.id, r.state, r.inFlight])).toEqual([
      [0, 'healthy', 0],
      [1, 'healthy', 0],
      [2, 'healthy', 0],
    ]);
    const pids = st.replicas.map((r) => r.pid);
    expect(new Set(pids).size).toBe(3);

    const c = await client(gw);
    const tools = (await c.listTools()).tools.map((t) => t.name);
    expect(tools.filter((t) => t === 'fx__whoami')).toHaveLength(1);

    const counts = new Map<number, number>();
    for (let i = 0; i < 30; i++) {
      const pid = pidOf(await call(c, 'whoami'));
      counts.set(pid, (counts.get(pid) ?? 0) + 1);
    }
    expect([...counts.keys()].sort()).toEqual([...pids].sort());
    expect([...counts.values()]).toEqual([10, 10, 10]);
  });

  it('least-connections avoids the busy replica and spreads 30 concurrent calls over 3 pids', async () => {
    const gw = await start({ replicas: 3, replicaPolicy: 'least-connections' });
    const c = await client(gw);
    const busy = call(c, 'slow', { ms: 3000 });
    // Ties go to the lowest id: the slow call is on replica 0.
    const st = await waitFor(() => (fx(gw).replicas[0]?.inFlight === 1 ? fx(gw) : undefined), {
      what: 'the slow call in flight on replica 0',
    });
    const busyPid = st.replicas[0]!.pid!;
    for (let i = 0; i < 6; i++) expect(pidOf(await call(c, 'whoami'))).not.toBe(busyPid);
    expect(pidOf(await busy)).toBe(busyPid);

    const results = await Promise.all(Array.from({ length: 30 }, () => call(c, 'slow', { ms: 300 })));
    const pids = new Set(results.map(pidOf));
    expect(pids.size).toBe(3);
  });

  it('session-affinity keeps each client session on one replica while it is healthy', async () => {
    const gw = await start({ replicas: 3, replicaPolicy: 'session-affinity' });
    const a = await client(gw);
    const b = await client(gw);
    const aPids = new Set<number>();
    const bPids = new Set<number>();
    for (let i = 0; i < 6; i++) {
      aPids.add(pidOf(await call(a, 'whoami')));
      bPids.add(pidOf(await call(b, 'whoami')));
    }
    expect(aPids.size).toBe(1);
    expect(bPids.size).toBe(1);
    const [aPid] = [...aPids];
    const [bPid] = [...bPids];
    expect(aPid).not.toBe(bPid);

    // Its replica dies: the session moves to another one and sticks there.
    process.kill(aPid!, 'SIGKILL');
    await waitFor(() => fx(gw).state === 'degraded', { what: 'fx degraded' });
    const moved = new Set<number>();
    for (let i = 0; i < 4; i++) moved.add(pidOf(await call(a, 'whoami')));
    expect(moved.size).toBe(1);
    expect(moved.has(aPid!)).toBe(false);
    await waitFor(() => fx(gw).state === 'healthy', { what: 'fx healthy again' });
  });

  it('kill -9 of one replica: degraded, calls keep succeeding, then healthy again with a new pid', async () => {
    const gw = await start({ replicas: 3, restartBackoff: { initialMs: 1500 } });
    const c = await client(gw);
    const victim = fx(gw).replicas[1]!;
    process.kill(victim.pid!, 'SIGKILL');

    const degraded = await waitFor(() => (fx(gw).state === 'degraded' ? fx(gw) : undefined), {
      what: 'fx degraded',
    });
    expect(degraded.reason).toMatch(/2\/3 replicas healthy/);
    const down = degraded.replicas[1]!;
    expect(down.state).toBe('unhealthy');
    expect(down.nextRetryAt).toBeDefined();
    // The tools stay listed and calls go to the two healthy replicas meanwhile.
    expect((await c.listTools()).tools.some((t) => t.name === 'fx__whoami')).toBe(true);
    let during = 0;
    while (fx(gw).replicas[1]?.state !== 'healthy') {
      const r = await call(c, 'whoami');
      expect(r.isError).toBeFalsy();
      expect(pidOf(r)).not.toBe(victim.pid);
      during++;
    }
    expect(during).toBeGreaterThan(0);
    const back = fx(gw);
    expect(back.state).toBe('healthy');
    expect(back.replicas[1]!.pid).not.toBe(victim.pid);
    expect(back.replicas[1]!.restarts).toBe(1);
    expect(back.restarts).toBe(1);
    expect(isAlive(victim.pid!)).toBe(false);
  });

  it('all replicas down: calls fail fast with an error naming the server', async () => {
    const gw = await start({ replicas: 2, restartBackoff: { initialMs: 1500 } });
    const c = await client(gw);
    for (const r of fx(gw).replicas) process.kill(r.pid!, 'SIGKILL');
    const st = await waitFor(() => (fx(gw).state === 'unhealthy' ? fx(gw) : undefined), {
      what: 'fx unhealthy',
    });
    expect(st.reason).toMatch(/no healthy replicas: #0 unhealthy .*#1 unhealthy/);
    const r = await call(c, 'whoami');
    expect(r.isError).toBe(true);
    expect(r.content[0]?.text).toMatch(/server "fx" is unavailable \(unhealthy: no healthy replicas/);
    await waitFor(() => fx(gw).state === 'healthy', { timeoutMs: 20_000, what: 'fx back' });
    expect(pidOf(await call(c, 'whoami'))).toBeGreaterThan(0);
  });

  it("routes a replica's sampling request to the session whose call reached that replica", async () => {
    const gw = await start({ replicas: 2 });
    const answerAs = async (name: string) => {
      const c = await client(gw, { sampling: {} });
      c.setRequestHandler(CreateMessageRequestSchema, async () => {
        // Hold the answer a little so both calls are in flight at once.
        await new Promise((r) => setTimeout(r, 300));
        return { role: 'assistant', model: 'test', content: { type: 'text', text: name } };
      });
      return c;
    };
    const a = await answerAs('alice');
    const b = await answerAs('bob');
    for (let round = 0; round < 3; round++) {
      const [ra, rb] = await Promise.all([
        call(a, 'ask', { question: 'who?' }),
        call(b, 'ask', { question: 'who?' }),
      ]);
      expect(ra.content[0]?.text).toMatch(/answer=alice$/);
      expect(rb.content[0]?.text).toMatch(/answer=bob$/);
      // Round-robin put the two calls on different replicas.
      expect(pidOf(ra)).not.toBe(pidOf(rb));
    }
  });

  it('a list_changed from any replica re-lists the server', async () => {
    const gw = await start({ replicas: 2 });
    const c = await client(gw);
    await call(c, 'whoami'); // move the round-robin cursor to replica 1, which did not list
    await call(c, 'add_tool', { name: 'extra' });
    await waitFor(async () => (await c.listTools()).tools.some((t) => t.name === 'fx__extra'), {
      what: 'fx__extra listed',
    });
  });
});
