// OpenTelemetry traces of the gateway (gateway.tracing): a SERVER span per MCP request, continuing
// the client's W3C trace context when it sent one; a CLIENT span per request to a server, whose
// context goes on to the server (in `_meta.traceparent`, and as a `traceparent` header over HTTP);
// a span for each replica pick and for each code-mode inner call. Finished traces go to an
// in-memory ring (TraceRing: `gridctl traces`, the API, the UI) and, with `export: otlp`, to an
// OTLP/HTTP collector. The spans are made in the diagnostics channels' store transforms, so the
// parent of each is whatever span the async context is in: no global OpenTelemetry state is set.
import { AsyncLocalStorage } from 'node:async_hooks';
import {
  type Context,
  defaultTextMapGetter,
  defaultTextMapSetter,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  ParentBasedSampler,
  type SpanProcessor,
  TraceIdRatioBasedSampler,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import {
  ATTR_ERROR_TYPE,
  ATTR_SERVICE_NAME,
  ATTR_SERVICE_VERSION,
} from '@opentelemetry/semantic-conventions';
import {
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_JSONRPC_REQUEST_ID,
  ATTR_MCP_METHOD_NAME,
  ATTR_MCP_PROTOCOL_VERSION,
  ATTR_MCP_SESSION_ID,
} from '@opentelemetry/semantic-conventions/incubating';
import type { Obj } from '../gateway/pipeline/types.js';
import { outcomeOf } from './calls.js';
import {
  type CallEvent,
  callChannel,
  type ReplicaPickEvent,
  type RequestEvent,
  replicaPickChannel,
  requestChannel,
  type UpstreamEvent,
  upstreamChannel,
} from './channels.js';
import { TraceRing } from './trace-ring.js';

export interface TracingOptions {
  enabled: boolean;
  /** Head sampling ratio 0..1 for traces that start here; a client's sampled flag is followed. */
  sampling: number;
  retentionMs: number;
  maxTraces: number;
  /** OTLP/HTTP traces endpoint (e.g. http://127.0.0.1:4318/v1/traces) when export is `otlp`. */
  otlpEndpoint?: string;
  version: string;
  stackName: string;
  /** Masks the variable store's values in what leaves the process (error messages on spans). */
  redact?: (text: string) => string;
}

const propagator = new W3CTraceContextPropagator();
// Sub-millisecond span times (the SDK's default start time has millisecond resolution here).
const now = () => performance.timeOrigin + performance.now();
type Traced = RequestEvent | CallEvent | UpstreamEvent;

export class GatewayTracing {
  readonly ring: TraceRing;
  private readonly provider: TracerProvider;
  private readonly store = new AsyncLocalStorage<Span>();
  private readonly spans = new WeakMap<Traced, Span>();
  // Request spans by in-flight request: an outer tools/call annotates its request's span.
  private readonly byInflight = new WeakMap<object, Span>();
  private readonly unsubscribe: (() => void)[] = [];

  constructor(
    private readonly source: object,
    readonly opts: TracingOptions,
  ) {
    this.ring = new TraceRing({ max: opts.maxTraces, retentionMs: opts.retentionMs });
    const processors: SpanProcessor[] = [this.ring.processor()];
    if (opts.otlpEndpoint) {
      processors.push(
        new BatchSpanProcessor({
          exporter: new OTLPTraceExporter({ url: opts.otlpEndpoint, timeoutMillis: 5000 }),
          scheduledDelayMillis: 1000,
        }),
      );
    }
    this.provider = new TracerProvider({
      sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(opts.sampling) }),
      resource: resourceFromAttributes({
        [ATTR_SERVICE_NAME]: 'gridctl',
        [ATTR_SERVICE_VERSION]: opts.version,
        'gridctl.stack': opts.stackName,
      }),
      spanProcessors: processors,
    });
    const tracer = this.provider.getTracer('gridctl', opts.version);
    const fail = failer(opts.redact ?? ((t) => t));
    const mine = (m: { source: object }) => m.source === this.source;
    const parent = (): Context => {
      const p = this.store.getStore();
      return p ? trace.setSpan(ROOT_CONTEXT, p) : ROOT_CONTEXT;
    };

    // Spans start in the store transforms (run before the operation, in its async context).
    requestChannel.start.bindStore(this.store, (m) => {
      if (!mine(m)) return this.store.getStore()!;
      const { f, params } = m;
      const name = typeof params.name === 'string' ? `${f.method} ${params.name}` : f.method;
      const ctx = m.traceparent
        ? propagator.extract(ROOT_CONTEXT, { traceparent: m.traceparent }, defaultTextMapGetter)
        : ROOT_CONTEXT;
      const span = tracer.startSpan(
        name,
        {
          startTime: now(),
          kind: SpanKind.SERVER,
          attributes: {
            [ATTR_MCP_METHOD_NAME]: f.method,
            [ATTR_MCP_SESSION_ID]: f.session.id,
            [ATTR_MCP_PROTOCOL_VERSION]: f.session.protocolVersion,
            [ATTR_JSONRPC_REQUEST_ID]: String(f.id),
            'mcp.client.name': f.session.clientInfo.name ?? '',
            'gridctl.client.id': f.session.accessId || 'anonymous',
          },
        },
        ctx,
      );
      this.spans.set(m, span);
      this.byInflight.set(f, span);
      return span;
    });
    callChannel.start.bindStore(this.store, (m) => {
      // An outer call annotates its request's span; an inner (code mode) call gets its own.
      if (!mine(m) || !m.ctx.inner) return this.store.getStore()!;
      const span = tracer.startSpan(
        `tools/call ${m.ctx.requested}`,
        {
          startTime: now(),
          kind: SpanKind.INTERNAL,
          attributes: { [ATTR_MCP_METHOD_NAME]: 'tools/call', 'gridctl.code_mode.inner': true },
        },
        parent(),
      );
      this.spans.set(m, span);
      return span;
    });
    upstreamChannel.start.bindStore(this.store, (m) => {
      if (!mine(m)) return this.store.getStore()!;
      const span = tracer.startSpan(
        `${m.method} ${m.server}`,
        {
          startTime: now(),
          kind: SpanKind.CLIENT,
          attributes: { [ATTR_MCP_METHOD_NAME]: m.method, 'server.name': m.server },
        },
        parent(),
      );
      const carrier: Record<string, string> = {};
      propagator.inject(trace.setSpan(ROOT_CONTEXT, span), carrier, defaultTextMapSetter);
      m.traceparent = carrier.traceparent;
      this.spans.set(m, span);
      return span;
    });

    const noop = () => {};
    const requestEnd = {
      start: noop,
      end: noop,
      asyncStart: noop,
      error: noop,
      asyncEnd: (m: RequestEvent) => {
        const span = this.spans.get(m);
        if (!span) return;
        const result = m.result as Obj | undefined;
        if (m.error !== undefined) fail(span, outcomeOf(undefined, m.error), m.error);
        else if (m.f.method === 'tools/call' && result?.isError === true)
          fail(span, outcomeOf(result, undefined));
        span.end(now());
      },
    };
    const callEnd = {
      start: noop,
      end: noop,
      asyncStart: noop,
      error: noop,
      asyncEnd: (m: CallEvent) => {
        if (!mine(m)) return;
        const { ctx } = m;
        // The request span of an outer call, or the inner call's own.
        const span = this.spans.get(m) ?? (ctx.inflight ? this.requestSpanOf(ctx.inflight) : undefined);
        if (!span) return;
        if (ctx.server) {
          span.setAttribute('server.name', ctx.server);
          span.setAttribute(ATTR_GEN_AI_TOOL_NAME, ctx.tool ?? ctx.name);
          span.setAttribute(ATTR_GEN_AI_OPERATION_NAME, 'execute_tool');
          span.updateName(`tools/call ${ctx.server} › ${ctx.tool ?? ctx.name}`);
        }
        if (ctx.group !== undefined) span.setAttribute('gridctl.group', ctx.group);
        if (this.spans.get(m)) {
          const outcome = outcomeOf(m.result, m.error);
          if (outcome !== 'ok') fail(span, outcome, m.error);
          span.end(now());
        }
      },
    };
    const upstreamEnd = {
      start: noop,
      end: noop,
      asyncStart: noop,
      error: noop,
      asyncEnd: (m: UpstreamEvent) => {
        const span = this.spans.get(m);
        if (!span) return;
        if (m.error !== undefined) fail(span, outcomeOf(undefined, m.error), m.error);
        else if ((m.result as Obj | undefined)?.isError === true) fail(span, 'tool_error');
        span.end(now());
      },
    };
    const onPick = (msg: unknown) => {
      const e = msg as ReplicaPickEvent;
      const up = this.store.getStore();
      if (!up) return;
      up.setAttribute('mcp.replica.id', e.replica);
      tracer
        .startSpan(
          `replica.pick ${e.server}`,
          {
            startTime: now(),
            kind: SpanKind.INTERNAL,
            attributes: {
              'server.name': e.server,
              'mcp.replica.id': e.replica,
              'gridctl.replica_policy': e.policy,
            },
          },
          trace.setSpan(ROOT_CONTEXT, up),
        )
        .end(now());
    };
    requestChannel.subscribe(requestEnd);
    callChannel.subscribe(callEnd);
    upstreamChannel.subscribe(upstreamEnd);
    replicaPickChannel.subscribe(onPick);
    this.unsubscribe.push(
      () => requestChannel.unsubscribe(requestEnd),
      () => callChannel.unsubscribe(callEnd),
      () => upstreamChannel.unsubscribe(upstreamEnd),
      () => replicaPickChannel.unsubscribe(onPick),
      () => requestChannel.start.unbindStore(this.store),
      () => callChannel.start.unbindStore(this.store),
      () => upstreamChannel.start.unbindStore(this.store),
    );
  }

  private requestSpanOf(f: object): Span | undefined {
    return this.byInflight.get(f);
  }

  async close(): Promise<void> {
    for (const u of this.unsubscribe.splice(0)) u();
    await this.provider.shutdown().catch(() => {});
  }
}

function failer(redact: (t: string) => string) {
  return (span: Span, outcome: string, error?: unknown): void => {
    span.setAttribute(ATTR_ERROR_TYPE, outcome);
    span.setStatus({
      code: SpanStatusCode.ERROR,
      message: error instanceof Error ? redact(error.message) : outcome,
    });
  };
}
