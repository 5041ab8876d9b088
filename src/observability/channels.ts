// The gateway's diagnostics events (node:diagnostics_channel), the one seam between the hot path and
// its observers: metrics, traces, token usage, telemetry files and the UI subscribe here; the
// gateway never calls them. Publishing is guarded by `hasSubscribers`, so a gateway nobody observes
// pays one property read per event. Channels are process-wide: every message names the gateway
// that published it (`source`), so two gateways in one process (tests) keep their figures apart.
import { channel, tracingChannel } from 'node:diagnostics_channel';
import type { InFlight } from '../gateway/downstream/session.js';
import type { CallContext, Obj, ToolResult } from '../gateway/pipeline/types.js';

/** One MCP request from a client, any method (a trace's root span). */
/**
 * Per-operation state lives on the message itself (set once, read by every subscriber): a WeakMap
 * keyed by short-lived messages would make every garbage collection walk its ephemerons.
 */
interface OperationState {
  /** performance.now() when the operation started (set by the publisher). */
  startedAt: number;
  /** The tracer's span for this operation. */
  span?: unknown;
}

export interface RequestEvent extends OperationState {
  source: object;
  f: InFlight;
  params: Obj;
  /** The W3C traceparent the client sent (HTTP header or `params._meta.traceparent`). */
  traceparent?: string;
  result?: unknown;
  error?: unknown;
}

/** One tools/call through the call pipeline (outer, or inner from code mode). */
export interface CallEvent extends OperationState {
  source: object;
  ctx: CallContext;
  result?: ToolResult;
  error?: unknown;
}

/** One request the gateway sends to a server on behalf of a client request. */
export interface UpstreamEvent extends OperationState {
  source: object;
  f: InFlight;
  server: string;
  method: string;
  /** Set by a tracing subscriber at start: the context the server should continue. */
  traceparent?: string;
  /** The replica a multi-replica server picked, and when (epoch ms). */
  replica?: number;
  pickedAt?: number;
  result?: unknown;
  error?: unknown;
}

/** A replica chosen for a request (multi-replica servers only). */
export interface ReplicaPickEvent {
  server: string;
  replica: number;
  policy: string;
  method: string;
}

/** An autoscaler decision that was recorded (docs/scaling.md). */
export interface AutoscaleEvent {
  server: string;
  direction: string;
  reason: string;
}

export const requestChannel = tracingChannel<unknown, RequestEvent>('gridctl:request');
export const callChannel = tracingChannel<unknown, CallEvent>('gridctl:call');
export const upstreamChannel = tracingChannel<unknown, UpstreamEvent>('gridctl:upstream');
export const replicaPickChannel = channel('gridctl:replica.pick');
export const autoscaleChannel = channel('gridctl:autoscale');

type Traced<M extends object> = ReturnType<typeof tracingChannel<unknown, M>>;

/**
 * Run `fn` as a traced operation when someone listens (the message is only built then); otherwise
 * just run it. `fn` gets the message, which start subscribers may have annotated.
 */
export function traced<T, M extends object>(
  ch: Traced<M>,
  message: () => M,
  fn: (m: M | undefined) => Promise<T>,
): Promise<T> {
  if (!ch.hasSubscribers) return fn(undefined);
  const m = message();
  return ch.tracePromise(() => fn(m), m);
}
