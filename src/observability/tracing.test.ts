// The tracer and its ring, driven through the diagnostics channels as the gateway drives them.
import { afterEach, describe, expect, it } from 'vitest';
import { type RequestEvent, requestChannel } from './channels.js';
import { TraceRing } from './trace-ring.js';
import { GatewayTracing, type TracingOptions } from './tracing.js';

const source = {};
const opened: GatewayTracing[] = [];
afterEach(async () => {
  for (const t of opened.splice(0)) await t.close();
});

function tracing(over: Partial<TracingOptions> = {}): GatewayTracing {
  const t = new GatewayTracing(source, {
    enabled: true,
    sampling: 1,
    retentionMs: 60_000,
    maxTraces: 100,
    version: 'test',
    stackName: 'unit',
    ...over,
  });
  opened.push(t);
  return t;
}

/** One MCP request as the gateway publishes it, taking `ms` of wall time. */
function request(method: string, opts: { traceparent?: string; ms?: number; fail?: boolean } = {}) {
  const m: RequestEvent = {
    source,
    f: {
      method,
      id: 1,
      session: { id: 's1', protocolVersion: '2025-11-25', clientInfo: { name: 'unit' }, accessId: 'ops' },
    } as unknown as RequestEvent['f'],
    params: {},
    traceparent: opts.traceparent,
    startedAt: performance.now(),
  };
  return requestChannel
    .tracePromise(async () => {
      if (opts.ms) await new Promise((r) => setTimeout(r, opts.ms)); // the operation being timed
      if (opts.fail) throw new Error('boom');
      return {};
    }, m)
    .catch(() => undefined);
}

describe('GatewayTracing', () => {
  it('keeps a trace per request, continuing a client traceparent, with errors marked', async () => {
    const t = tracing();
    await request('ping');
    await request('tools/list', { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' });
    await request('resources/read', { fail: true });
    const list = t.ring.list();
    expect(list.map((x) => x.name)).toEqual(['resources/read', 'tools/list', 'ping']);
    expect(list[1]).toMatchObject({
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      remoteParent: true,
      client: 'ops',
    });
    expect(list[0]!.error).toBe(true);
    expect(t.ring.get(list[0]!.traceId)!.spanTree[0]!.error).toBe('boom');
  });

  it('sampling 0 keeps nothing that starts here, but follows a sampled client', async () => {
    const t = tracing({ sampling: 0 });
    await request('ping');
    expect(t.ring.size).toBe(0);
    await request('ping', { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' });
    expect(t.ring.size).toBe(1);
  });

  it('keeps max_traces, newest first, and filters by errors and duration', async () => {
    const t = tracing({ maxTraces: 2 });
    await request('a');
    await request('b', { ms: 30 });
    await request('c', { fail: true });
    expect(t.ring.list().map((x) => x.name)).toEqual(['c', 'b']);
    expect(t.ring.list({ errors: true }).map((x) => x.name)).toEqual(['c']);
    expect(t.ring.list({ minDurationMs: 25 }).map((x) => x.name)).toEqual(['b']);
  });

  it('another gateway in the process is not traced by this one', async () => {
    const t = tracing();
    const other = { ...source };
    const m = { source: other, f: { method: 'ping' }, params: {} } as unknown as RequestEvent;
    await requestChannel.tracePromise(async () => ({}), m);
    expect(t.ring.size).toBe(0);
  });
});

describe('TraceRing retention', () => {
  it('drops restored traces older than the retention', () => {
    const ring = new TraceRing({ max: 10, retentionMs: 1000 });
    const base = {
      name: 'x',
      durationMs: 1,
      spans: 1,
      error: false,
      servers: [],
      tools: [],
      remoteParent: false,
      spanTree: [],
    };
    ring.restore({ ...base, traceId: 'a'.repeat(32), startedAt: new Date(Date.now() - 5000).toISOString() });
    ring.restore({ ...base, traceId: 'b'.repeat(32), startedAt: new Date().toISOString() });
    expect(ring.list().map((t) => t.traceId[0])).toEqual(['b']);
  });
});
