// W3C trace context (https://www.w3.org/TR/trace-context/) as it crosses the gateway: a client may
// send `traceparent` as an HTTP header or in `params._meta` (the MCP convention for transports
// without headers); the gateway passes its own span's context on to servers the same two ways.
import type { Obj } from '../gateway/pipeline/types.js';

const TRACEPARENT = /^[0-9a-f]{2}-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/;

/** A well-formed traceparent (not version ff, not all-zero ids), or undefined. */
export function validTraceparent(v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined;
  const t = v.trim().toLowerCase();
  const m = TRACEPARENT.exec(t);
  if (!m || t.startsWith('ff') || /^0+$/.test(m[1]!) || /^0+$/.test(m[2]!)) return undefined;
  return t;
}

/** The client's trace context: `_meta.traceparent` wins over the HTTP header (it is per message). */
export function traceparentOf(params: Obj, header: string | undefined): string | undefined {
  const meta = params._meta as Obj | undefined;
  return validTraceparent(meta?.traceparent) ?? validTraceparent(header);
}

/** `params` with `_meta.traceparent` set (a copy; the client's own object is left alone). */
export function withTraceparent(params: Obj, traceparent: string | undefined): Obj {
  if (!traceparent) return params;
  return { ...params, _meta: { ...(params._meta as Obj | undefined), traceparent } };
}

/** The traceparent a message to a server carries, for transports that also send it as a header. */
export function traceparentIn(msg: unknown): string | undefined {
  const params = (msg as { params?: Obj } | null)?.params;
  const tp = (params?._meta as Obj | undefined)?.traceparent;
  return typeof tp === 'string' ? tp : undefined;
}
