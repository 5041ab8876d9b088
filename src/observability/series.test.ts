import { describe, expect, it } from 'vitest';
import type { CallRecord } from './calls.js';
import { CallSeries, STEP_MS } from './series.js';

const T0 = Date.parse('2026-12-02T10:00:00.000Z');
const rec = (at: number, server: string, tool: string, durationMs: number, outcome = 'ok'): CallRecord => ({
  at: new Date(at).toISOString(),
  server,
  tool,
  client: '',
  inner: false,
  durationMs,
  outcome,
  bytes: 10,
  inputTokens: 1,
  outputTokens: 5,
});

describe('CallSeries', () => {
  it('buckets calls by 10 s, overall, per server and per tool, with empty buckets filled', () => {
    const s = new CallSeries();
    s.add(rec(T0 + 1000, 'fs', 'read', 10));
    s.add(rec(T0 + 2000, 'fs', 'read', 30, 'tool_error'));
    s.add(rec(T0 + 3000, 'web', 'fetch', 100));
    s.add(rec(T0 + 2 * STEP_MS + 5, 'fs', 'list', 5));
    const snap = s.snapshot(60_000, T0 + 2 * STEP_MS + 9000, { server: 'fs', tool: 'read' });
    expect(snap.all).toHaveLength(6);
    const first = snap.all.find((p) => p.at === T0)!;
    expect(first).toMatchObject({ calls: 3, errors: 1, tokens: 15, p50: 30 });
    expect(snap.all.find((p) => p.at === T0 + STEP_MS)).toMatchObject({ calls: 0, p50: null });
    expect(snap.servers.fs!.find((p) => p.at === T0)).toMatchObject({ calls: 2, errors: 1 });
    expect(snap.servers.web!.find((p) => p.at === T0)).toMatchObject({ calls: 1, p95: 100 });
    expect(snap.tool!.points.map((p) => p.calls)).toEqual([0, 0, 0, 2, 0, 0]);
  });

  it('keeps at most an hour', () => {
    const s = new CallSeries();
    for (let i = 0; i < 400; i++) s.add(rec(T0 + i * STEP_MS, 'fs', 'read', 1));
    const snap = s.snapshot(24 * 3_600_000, T0 + 399 * STEP_MS);
    expect(snap.all).toHaveLength(360);
    expect(snap.all.every((p) => p.calls === 1)).toBe(true);
  });
});
