// Everything that watches one gateway, wired in one place: the call recorder feeds the usage
// totals and the metrics. The daemon builds one per gateway and closes it with the gateway.
import type { SessionStats } from '../gateway/downstream/session.js';
import type { ServerStatus } from '../gateway/types.js';
import { type CallRecord, recordCalls } from './calls.js';
import { GatewayMetrics } from './metrics.js';
import { CallSeries } from './series.js';
import { type TelemetrySettings, TelemetryStore } from './telemetry.js';
import { embedded, type TokenCounter } from './tokens.js';
import type { TraceDetail } from './trace-ring.js';
import { GatewayTracing, type TracingOptions } from './tracing.js';
import { Usage, type UsageSnapshot } from './usage.js';

/** What the observers read from the gateway (Gateway implements it). */
export interface Observed {
  status(): ServerStatus[];
  sessionStats(): SessionStats;
  tools(): Array<Record<string, unknown> & { server: string; originalName: string }>;
}

export interface ObservabilityOptions {
  /** gateway.tokenizer's counter (default: the embedded cl100k_base). */
  tokenizer?: TokenCounter;
  /** Serve Prometheus metrics (gateway.metrics.enabled, default true). */
  metrics?: boolean;
  /** gateway.metrics.client_labels. */
  clientLabels?: number;
  /** The `clients:` profile ids: always a label of their own. */
  knownClients?: readonly string[];
  /** gateway.tracing, when enabled. */
  tracing?: TracingOptions;
  /** telemetry.persist: JSONL files of logs, call records and traces. */
  telemetry?: TelemetrySettings;
  /** Each finished call, after the built-in sinks (telemetry files, tests). */
  onCall?: (r: CallRecord) => void;
}

export interface ToolSchemaTokens {
  server: string;
  tool: string;
  tokens: number;
}

export interface UsageReport extends UsageSnapshot {
  tokenizer: string;
  /** Tokens of each tool's definition in tools/list, costliest first. */
  schemas: ToolSchemaTokens[];
}

export class Observability {
  readonly usage = new Usage();
  readonly series = new CallSeries();
  private readonly activity = new Set<(kind: 'calls') => void>();
  readonly metrics: GatewayMetrics | undefined;
  readonly tracing: GatewayTracing | undefined;
  readonly telemetry: TelemetryStore | undefined;
  private readonly stop: () => void;
  // Token counts of tool definitions by their JSON: a definition is counted once per change.
  private schemaCache = new Map<string, number>();

  constructor(
    private readonly gateway: Observed,
    opts: ObservabilityOptions = {},
  ) {
    this.metrics =
      opts.metrics === false
        ? undefined
        : new GatewayMetrics({
            source: gateway,
            status: () => gateway.status(),
            sessionStats: () => gateway.sessionStats(),
            schemaTokens: () => this.schemaTokensByServer(),
            clientLabels: opts.clientLabels,
            knownClients: opts.knownClients,
          });
    this.tracing = opts.tracing?.enabled ? new GatewayTracing(gateway, opts.tracing) : undefined;
    const telemetry = opts.telemetry ? new TelemetryStore(opts.telemetry) : undefined;
    this.telemetry = telemetry;
    let offTraces: (() => void) | undefined;
    if (telemetry) {
      // What earlier runs kept: usage totals, the last hour's series, recent traces.
      const servers = gateway.status().map((s) => s.name);
      for (const r of telemetry.replay<CallRecord>('metrics', servers)) {
        this.usage.add(r);
        this.series.add(r);
      }
      const ring = this.tracing?.ring;
      if (ring) {
        const traces = telemetry.replay<TraceDetail>('traces', servers);
        traces.sort((a, b) => a.startedAt.localeCompare(b.startedAt));
        for (const t of traces) ring.restore(t);
        if (telemetry.any('traces')) {
          offTraces = ring.subscribe((t) => {
            const detail = ring.get(t.traceId);
            if (detail) telemetry.trace(detail);
          });
        }
      }
    }
    this.counter = opts.tokenizer ?? embedded;
    const stopCalls = recordCalls(
      gateway,
      (r) => {
        this.usage.add(r);
        this.series.add(r);
        this.metrics?.observe(r);
        telemetry?.call(r);
        for (const fn of this.activity) fn('calls');
        opts.onCall?.(r);
      },
      this.counter,
    );
    this.stop = () => {
      stopCalls();
      offTraces?.();
    };
  }

  private readonly counter: TokenCounter;

  get tokenizer(): string {
    return this.counter.name;
  }

  /** Tokens of every tool definition clients get in tools/list. */
  async schemaTokens(): Promise<ToolSchemaTokens[]> {
    const next = new Map<string, number>();
    const out: ToolSchemaTokens[] = [];
    for (const t of this.gateway.tools()) {
      const { server, originalName, ...def } = t;
      const json = JSON.stringify(def);
      const tokens = this.schemaCache.get(json) ?? (await this.counter.count(json));
      next.set(json, tokens);
      out.push({ server, tool: originalName, tokens });
    }
    this.schemaCache = next;
    return out.sort((a, b) => b.tokens - a.tokens);
  }

  private async schemaTokensByServer(): Promise<Map<string, number>> {
    const by = new Map<string, number>();
    for (const s of this.gateway.status()) by.set(s.name, 0);
    for (const t of await this.schemaTokens()) by.set(t.server, (by.get(t.server) ?? 0) + t.tokens);
    return by;
  }

  /** Called after each recorded call (the UI's event stream throttles it). */
  onCalls(fn: () => void): () => void {
    this.activity.add(fn);
    return () => this.activity.delete(fn);
  }

  async report(): Promise<UsageReport> {
    return { tokenizer: this.tokenizer, ...this.usage.snapshot(), schemas: await this.schemaTokens() };
  }

  async close(): Promise<void> {
    this.stop();
    this.metrics?.close();
    await this.tracing?.close(); // flushes what is left for the OTLP exporter
  }
}
