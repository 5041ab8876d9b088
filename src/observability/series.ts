// Tool calls over time for the web UI's Metrics view: fixed 10-second buckets for the last hour,
// overall and per server, each with calls, errors, tokens and latency percentiles. Latencies are
// kept per bucket up to a cap (a uniform sample beyond it), so memory stays bounded under load.
import type { CallRecord } from './calls.js';

export const STEP_MS = 10_000;
const KEEP = 360; // one hour
const SAMPLE_CAP = 512;
// Per tool the latency sample is smaller: there can be hundreds of tools per bucket.
const TOOL_SAMPLE_CAP = 64;

interface Cell {
  calls: number;
  errors: number;
  tokens: number;
  ms: number[];
}

interface Bucket {
  at: number;
  all: Cell;
  servers: Map<string, Cell>;
  /** By `server\0tool`. */
  tools: Map<string, Cell>;
}

export interface SeriesPoint {
  /** Bucket start, epoch ms. */
  at: number;
  calls: number;
  errors: number;
  tokens: number;
  p50: number | null;
  p95: number | null;
}

export interface SeriesSnapshot {
  stepMs: number;
  from: number;
  to: number;
  all: SeriesPoint[];
  servers: Record<string, SeriesPoint[]>;
  /** One tool's points, when asked for (`{server, tool}`). */
  tool?: { server: string; tool: string; points: SeriesPoint[] };
}

const cell = (): Cell => ({ calls: 0, errors: 0, tokens: 0, ms: [] });

function addTo(c: Cell, r: CallRecord, cap = SAMPLE_CAP): void {
  c.calls++;
  if (r.outcome !== 'ok') c.errors++;
  c.tokens += r.outputTokens;
  if (c.ms.length < cap) c.ms.push(r.durationMs);
  else {
    // Reservoir sampling: every call has the same chance to be in the sample.
    const j = Math.floor(Math.random() * c.calls);
    if (j < cap) c.ms[j] = r.durationMs;
  }
}

function point(at: number, c: Cell | undefined): SeriesPoint {
  if (!c || c.calls === 0) return { at, calls: 0, errors: 0, tokens: 0, p50: null, p95: null };
  const ms = [...c.ms].sort((a, b) => a - b);
  const q = (p: number) => ms[Math.min(ms.length - 1, Math.floor(p * ms.length))]!;
  return { at, calls: c.calls, errors: c.errors, tokens: c.tokens, p50: q(0.5), p95: q(0.95) };
}

export class CallSeries {
  private readonly buckets: Bucket[] = [];

  add(r: CallRecord): void {
    const at = Math.floor(Date.parse(r.at) / STEP_MS) * STEP_MS;
    let b = this.buckets.at(-1);
    if (!b || b.at < at) {
      b = { at, all: cell(), servers: new Map(), tools: new Map() };
      this.buckets.push(b);
      if (this.buckets.length > KEEP) this.buckets.shift();
    } else if (b.at > at) {
      // A late record of an earlier bucket (calls finish out of order).
      b = this.buckets.find((x) => x.at === at) ?? b;
    }
    addTo(b.all, r);
    const key = r.server || '(unknown)';
    let s = b.servers.get(key);
    if (!s) {
      s = cell();
      b.servers.set(key, s);
    }
    addTo(s, r);
    if (!r.server) return; // an unknown tool's name is the client's text: not kept per tool
    const tk = `${r.server}\0${r.tool}`;
    let t = b.tools.get(tk);
    if (!t) {
      t = cell();
      b.tools.set(tk, t);
    }
    addTo(t, r, TOOL_SAMPLE_CAP);
  }

  /** The last `rangeMs` (at most an hour) as contiguous points, empty buckets included. */
  snapshot(rangeMs = 3_600_000, now = Date.now(), tool?: { server: string; tool: string }): SeriesSnapshot {
    const to = Math.floor(now / STEP_MS) * STEP_MS;
    const from = to - Math.min(rangeMs, KEEP * STEP_MS) + STEP_MS;
    const byAt = new Map(this.buckets.map((b) => [b.at, b]));
    const names = new Set<string>();
    for (const b of this.buckets) if (b.at >= from) for (const n of b.servers.keys()) names.add(n);
    const all: SeriesPoint[] = [];
    const servers: Record<string, SeriesPoint[]> = {};
    for (const n of names) servers[n] = [];
    const one: SeriesPoint[] = [];
    const tk = tool && `${tool.server}\0${tool.tool}`;
    for (let at = from; at <= to; at += STEP_MS) {
      const b = byAt.get(at);
      all.push(point(at, b?.all));
      for (const n of names) servers[n]!.push(point(at, b?.servers.get(n)));
      if (tk) one.push(point(at, b?.tools.get(tk)));
    }
    return { stepMs: STEP_MS, from, to, all, servers, ...(tool ? { tool: { ...tool, points: one } } : {}) };
  }
}
