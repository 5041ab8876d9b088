// The call pipeline's vocabulary: a tools/call travels as a CallContext through interceptors, each
// `(next) => handler`, composed once per policy set (see compose.ts) and ending in the forward.
import type { InFlight, Session } from '../downstream/session.js';

export type Obj = Record<string, unknown>;

/** A tools/call result as MCP defines it (content, structuredContent, isError, _meta). */
export type ToolResult = Obj;

export interface CallContext {
  /** The downstream session the call arrived on; undefined for calls made by the gateway itself. */
  readonly session: Session | undefined;
  /** The downstream request the call relays for (progress, cancellation, server-to-client requests). */
  readonly inflight?: InFlight;
  /** Normalised client id for scope and limits ("" = anonymous); see identity.ts. */
  readonly accessId: string;
  /** The tool group of the session, if any. */
  readonly group: string | undefined;
  /** The name as the client sent it. */
  readonly requested: string;
  /** Canonical exposed name (`server__tool`, or an unprefixed name), after group alias resolution. */
  name: string;
  /** Owning server when known (routing fills it in before policies run). */
  server: string | undefined;
  /** The tool's name on its server, when known. */
  tool: string | undefined;
  /** tools/call params as they will be forwarded (name rewritten by the terminal). */
  params: Obj;
  /** True for calls made from inside code mode's sandbox. */
  readonly inner: boolean;
}

export type CallHandler = (ctx: CallContext) => Promise<ToolResult>;
export type Interceptor = (next: CallHandler) => CallHandler;
