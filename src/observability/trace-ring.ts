// The recent traces kept in memory (gateway.tracing.max_traces, retention) for `gridctl traces`,
// GET /api/traces and the UI's Traces view. A trace is kept once its local root span (the
// request's span) ends; spans of one trace that end before it wait in `open`.
import { type HrTime, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { ReadableSpan, SpanProcessor } from '@opentelemetry/sdk-trace';

export interface TraceSpan {
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: 'server' | 'client' | 'internal' | 'producer' | 'consumer';
  /** Epoch milliseconds. */
  start: number;
  durationMs: number;
  error?: string;
  attributes: Record<string, unknown>;
}

export interface TraceSummary {
  traceId: string;
  name: string;
  startedAt: string;
  durationMs: number;
  spans: number;
  error: boolean;
  servers: string[];
  tools: string[];
  client?: string;
  /** The client sent the trace context (the trace started before the gateway). */
  remoteParent: boolean;
}

export interface TraceDetail extends TraceSummary {
  spanTree: TraceSpan[];
}

export interface TraceFilter {
  server?: string;
  tool?: string;
  errors?: boolean;
  minDurationMs?: number;
  limit?: number;
}

const KINDS: Record<number, TraceSpan['kind']> = {
  [SpanKind.SERVER]: 'server',
  [SpanKind.CLIENT]: 'client',
  [SpanKind.INTERNAL]: 'internal',
  [SpanKind.PRODUCER]: 'producer',
  [SpanKind.CONSUMER]: 'consumer',
};
const ms = (t: HrTime) => t[0] * 1000 + t[1] / 1e6;
const OPEN_MAX = 10_000;

interface Kept {
  /** Made when first read (list, get, a live listener), not per request: most are never read. */
  summary?: TraceSummary;
  spans: TraceSpan[];
  at: number;
  remoteParent: boolean;
}

export class TraceRing {
  private readonly kept = new Map<string, Kept>();
  private readonly open = new Map<string, TraceSpan[]>();
  private readonly listeners = new Set<(t: TraceSummary) => void>();

  constructor(private readonly opts: { max: number; retentionMs: number }) {}

  processor(): SpanProcessor {
    return {
      onStart: () => {},
      onEnd: (span) => this.add(span),
      forceFlush: async () => {},
      shutdown: async () => {},
    };
  }

  /** Called with each trace as it is kept (the UI's live stream). */
  subscribe(fn: (t: TraceSummary) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private add(span: ReadableSpan): void {
    const ctx = span.spanContext();
    const parent = span.parentSpanContext;
    const s: TraceSpan = {
      spanId: ctx.spanId,
      ...(parent ? { parentSpanId: parent.spanId } : {}),
      name: span.name,
      kind: KINDS[span.kind] ?? 'internal',
      start: ms(span.startTime),
      durationMs: ms(span.duration),
      ...(span.status.code === SpanStatusCode.ERROR ? { error: span.status.message ?? 'error' } : {}),
      attributes: { ...span.attributes },
    };
    const late = this.kept.get(ctx.traceId);
    if (late) {
      late.spans.push(s);
      late.summary = undefined;
      return;
    }
    const list = this.open.get(ctx.traceId) ?? [];
    list.push(s);
    const root = !parent || parent.isRemote === true;
    if (!root) {
      if (!this.open.has(ctx.traceId)) {
        if (this.open.size >= OPEN_MAX) this.open.delete(this.open.keys().next().value!);
        this.open.set(ctx.traceId, list);
      }
      return;
    }
    this.open.delete(ctx.traceId);
    const kept: Kept = { spans: list, at: Date.now(), remoteParent: parent?.isRemote === true };
    this.kept.set(ctx.traceId, kept);
    this.trim();
    if (this.listeners.size === 0) return;
    const summary = summaryOf(ctx.traceId, kept);
    for (const l of this.listeners) l(summary);
  }

  private trim(): void {
    const cutoff = Date.now() - this.opts.retentionMs;
    for (const [id, k] of this.kept) {
      if (this.kept.size > this.opts.max || k.at < cutoff) this.kept.delete(id);
      else break; // insertion order: the rest are newer
    }
  }

  /** A trace read back from telemetry files (kept if within retention and not known yet). */
  restore(t: TraceDetail): void {
    const at = Date.parse(t.startedAt);
    if (this.kept.has(t.traceId) || !(at > Date.now() - this.opts.retentionMs)) return;
    const { spanTree, ...summary } = t;
    this.kept.set(t.traceId, { summary, spans: spanTree, at, remoteParent: summary.remoteParent });
    this.trim();
  }

  /** Newest first. */
  list(f: TraceFilter = {}): TraceSummary[] {
    this.trim();
    const out: TraceSummary[] = [];
    const all = [...this.kept].reverse();
    for (const [id, k] of all) {
      const t = summaryOf(id, k);
      if (f.server && !t.servers.includes(f.server)) continue;
      if (f.tool && !t.tools.includes(f.tool)) continue;
      if (f.errors && !t.error) continue;
      if (f.minDurationMs !== undefined && t.durationMs < f.minDurationMs) continue;
      out.push(t);
      if (f.limit && out.length >= f.limit) break;
    }
    return out;
  }

  get(traceId: string): TraceDetail | undefined {
    const k = this.kept.get(traceId);
    if (!k) return undefined;
    return { ...summaryOf(traceId, k), spanTree: [...k.spans].sort((a, b) => a.start - b.start) };
  }

  get size(): number {
    return this.kept.size;
  }
}

function summaryOf(traceId: string, k: Kept): TraceSummary {
  k.summary ??= summarize(traceId, k.spans, k.remoteParent);
  return k.summary;
}

function summarize(traceId: string, spans: TraceSpan[], remoteParent: boolean): TraceSummary {
  const ids = new Set(spans.map((s) => s.spanId));
  const root = spans.find((s) => !s.parentSpanId || !ids.has(s.parentSpanId)) ?? spans[0]!;
  const servers = new Set<string>();
  const tools = new Set<string>();
  for (const s of spans) {
    const server = s.attributes['server.name'];
    if (typeof server === 'string') servers.add(server);
    const tool = s.attributes['gen_ai.tool.name'];
    if (typeof tool === 'string') tools.add(tool);
  }
  const client = root.attributes['gridctl.client.id'];
  return {
    traceId,
    name: root.name,
    startedAt: new Date(root.start).toISOString(),
    durationMs: root.durationMs,
    spans: spans.length,
    error: spans.some((s) => s.error !== undefined),
    servers: [...servers],
    tools: [...tools],
    ...(typeof client === 'string' ? { client } : {}),
    remoteParent,
  };
}
