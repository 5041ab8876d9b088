// OpenTelemetry traces of the gateway (gateway.tracing): a SERVER span per MCP request, continuing
// the client's W3C trace context when it sent one; a CLIENT span per request to a server, whose
// context goes on to the server (in `_meta.traceparent`, and as a `traceparent` header over HTTP);
// a span for each replica pick and for each code-mode inner call. Finished traces go to an
// in-memory ring (TraceRing: `gridctl traces`, the API, the UI) and, with `export: otlp`, to an
// OTLP/HTTP collector. A span's parent is the span of the in-flight request it serves (an inner
// call's, its execute's); no global OpenTelemetry state is set.
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
import type { InFlight } from '../gateway/downstream/session.js';
import type { Obj } from '../gateway/pipeline/types.js';
import { outcomeOf } from './calls.js';
import {
  type CallEvent,
  callChannel,
  type RequestEvent,
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

export class GatewayTracing {
  readonly ring: TraceRing;
  private readonly provider: TracerProvider;
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
    // A span's parent is found through the in-flight request it serves: no async context store,
    // which on Node 20 would slow every promise in the process.
    const under = (f: InFlight | undefined): Context => {
      const p = f?.span as Span | undefined;
      return p ? trace.setSpan(ROOT_CONTEXT, p) : ROOT_CONTEXT;
    };

    const startRequest = (m: RequestEvent): void => {
      if (!mine(m)) return;
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
      m.span = span;
      f.span = span;
    };
    const startCall = (m: CallEvent): void => {
      // An outer call annotates its request's span; an inner (code mode) call gets its own.
      if (!mine(m) || !m.ctx.inner) return;
      const span = tracer.startSpan(
        `tools/call ${m.ctx.requested}`,
        {
          startTime: now(),
          kind: SpanKind.INTERNAL,
          attributes: { [ATTR_MCP_METHOD_NAME]: 'tools/call', 'gridctl.code_mode.inner': true },
        },
        under(m.ctx.inflight?.parent),
      );
      m.span = span;
      if (m.ctx.inflight) m.ctx.inflight.span = span;
    };
    const startUpstream = (m: UpstreamEvent): void => {
      if (!mine(m)) return;
      const span = tracer.startSpan(
        `${m.method} ${m.server}`,
        {
          startTime: now(),
          kind: SpanKind.CLIENT,
          attributes: { [ATTR_MCP_METHOD_NAME]: m.method, 'server.name': m.server },
        },
        under(m.f),
      );
      const carrier: Record<string, string> = {};
      propagator.inject(trace.setSpan(ROOT_CONTEXT, span), carrier, defaultTextMapSetter);
      m.traceparent = carrier.traceparent;
      m.span = span;
    };

    const noop = () => {};
    const requestEnd = {
      start: startRequest,
      end: noop,
      asyncStart: noop,
      error: noop,
      asyncEnd: (m: RequestEvent) => {
        const span = m.span as Span | undefined;
        if (!span) return;
        const result = m.result as Obj | undefined;
        if (m.error !== undefined) fail(span, outcomeOf(undefined, m.error), m.error);
        else if (m.f.method === 'tools/call' && result?.isError === true)
          fail(span, outcomeOf(result, undefined));
        span.end(now());
      },
    };
    const callEnd = {
      start: startCall,
      end: noop,
      asyncStart: noop,
      error: noop,
      asyncEnd: (m: CallEvent) => {
        if (!mine(m)) return;
        const { ctx } = m;
        // The request span of an outer call, or the inner call's own.
        const span =
          (m.span as Span | undefined) ??
          (ctx.inflight ? (ctx.inflight.span as Span | undefined) : undefined);
        if (!span) return;
        if (ctx.server) {
          span.setAttribute('server.name', ctx.server);
          span.setAttribute(ATTR_GEN_AI_TOOL_NAME, ctx.tool ?? ctx.name);
          span.setAttribute(ATTR_GEN_AI_OPERATION_NAME, 'execute_tool');
          span.updateName(`tools/call ${ctx.server} › ${ctx.tool ?? ctx.name}`);
        }
        if (ctx.group !== undefined) span.setAttribute('gridctl.group', ctx.group);
        if (m.span as Span | undefined) {
          const outcome = outcomeOf(m.result, m.error);
          if (outcome !== 'ok') fail(span, outcome, m.error);
          span.end(now());
        }
      },
    };
    const upstreamEnd = {
      start: startUpstream,
      end: noop,
      asyncStart: noop,
      error: noop,
      asyncEnd: (m: UpstreamEvent) => {
        const span = m.span as Span | undefined;
        if (!span) return;
        if (m.replica !== undefined) {
          // The replica a multi-replica server chose for this request, as a span at the moment it chose.
          span.setAttribute('mcp.replica.id', m.replica);
          tracer
            .startSpan(
              `replica.pick ${m.server}`,
              {
                startTime: m.pickedAt,
                kind: SpanKind.INTERNAL,
                attributes: { 'server.name': m.server, 'mcp.replica.id': m.replica },
              },
              trace.setSpan(ROOT_CONTEXT, span),
            )
            .end(m.pickedAt);
        }
        if (m.error !== undefined) fail(span, outcomeOf(undefined, m.error), m.error);
        else if ((m.result as Obj | undefined)?.isError === true) fail(span, 'tool_error');
        span.end(now());
      },
    };
    requestChannel.subscribe(requestEnd);
    callChannel.subscribe(callEnd);
    upstreamChannel.subscribe(upstreamEnd);
    this.unsubscribe.push(
      () => requestChannel.unsubscribe(requestEnd),
      () => callChannel.unsubscribe(callEnd),
      () => upstreamChannel.unsubscribe(upstreamEnd),
    );
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
