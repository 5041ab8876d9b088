// The one interface every upstream transport implements (stdio process, streamable HTTP, legacy
// SSE; later container attach, SSH, OpenAPI). The gateway depends only on this file.
import type { JsonRpcNotification, JsonRpcRequest } from '../protocol/jsonrpc.js';

/** `memory`: an in-process SDK server (src/upstream/in-memory.ts), for tests. */
export type UpstreamTransportKind = 'stdio' | 'http' | 'sse' | 'openapi' | 'memory';

/** What the gateway announces when it initialises an upstream on behalf of all its clients. */
export interface UpstreamInitOptions {
  clientInfo: { name: string; version: string };
  /** Capabilities advertised upstream (sampling, elicitation, roots) so servers may use them. */
  capabilities: Record<string, unknown>;
  /** Preferred protocol version; the server's answer is what counts. */
  protocolVersion: string;
  /**
   * The protocol era to speak (`mcp-servers[].protocol_generation`): `handshake` (initialize, the
   * default), `stateless` (2026-07-28: server/discover, then `_meta` on every request) or `auto`
   * (probe with server/discover, fall back to initialize on a legacy answer).
   */
  generation?: 'auto' | 'handshake' | 'stateless';
  /** `auto` on stdio: how long a silent server is given before it counts as handshake-era. */
  probeTimeoutMs?: number;
}

/** The upstream's answer to `initialize`, passed through as received. */
export interface UpstreamInitResult {
  protocolVersion: string;
  capabilities: Record<string, unknown>;
  serverInfo: { name: string; version: string; [k: string]: unknown };
  instructions?: string;
  /** Which era the connection speaks (set by connect; `handshake` when absent). */
  era?: 'handshake' | 'stateless';
  [k: string]: unknown;
}

export interface UpstreamEvents {
  /** A notification from the server (progress, list_changed, message, resources/updated, ...). */
  onNotification(msg: JsonRpcNotification, ctx: UpstreamMessageContext): void;
  /**
   * A server-to-client request (sampling/createMessage, elicitation/create, roots/list, ping).
   * Resolve with the result object, or reject with an RpcError to answer with an error.
   */
  onRequest(msg: JsonRpcRequest, ctx: UpstreamMessageContext): Promise<unknown>;
  /** The connection ended (process exit, stream lost, close()). `error` is unset on a clean close. */
  onClose(error?: Error): void;
  /** A line the server wrote to its log stream (stdio stderr, container logs). */
  onLog?(line: string): void;
}

export interface UpstreamMessageContext {
  /**
   * The id (as sent upstream) of our request that this message relates to, when the transport
   * can tell (streamable HTTP: the POST stream it arrived on; or a progress token we issued).
   * Lets the gateway route server-to-client requests to the session that caused them.
   */
  relatedRequestId?: string | number;
}

export interface UpstreamRequestOptions {
  signal?: AbortSignal;
  /** Request timeout in ms; reset each time a progress notification for this request arrives. */
  timeoutMs?: number;
  /** Called with each `notifications/progress` params for this request's progress token. */
  onProgress?: (params: Record<string, unknown>) => void;
  /**
   * Called once, before sending, with the JSON-RPC id this request carries upstream, so a caller
   * can match a later `UpstreamMessageContext.relatedRequestId` to it. Optional to implement:
   * without it the gateway falls back to the newest in-flight call to that server.
   */
  onRequestId?: (id: string | number) => void;
  /** Called with the replica a multi-replica server picked for this request (traces). */
  onReplica?: (replica: number) => void;
}

export interface UpstreamClient {
  readonly kind: UpstreamTransportKind;
  /** Process id for process-backed transports (for status and leak checks). */
  readonly pid?: number;
  /** Result of the initialize handshake; set once connect() resolved. */
  readonly initResult?: UpstreamInitResult;
  /** The last lines the process wrote to stderr, oldest first (process-backed transports). */
  stderrTail?(): string[];

  /** Start (spawn / connect), perform initialize + notifications/initialized. */
  connect(events: UpstreamEvents, init: UpstreamInitOptions): Promise<UpstreamInitResult>;
  /**
   * Send a request and resolve with its raw `result` object (untouched), or reject with an
   * RpcError carrying the upstream's error code, or a timeout/closed RpcError.
   */
  request(
    method: string,
    params: Record<string, unknown> | undefined,
    opts?: UpstreamRequestOptions,
  ): Promise<unknown>;
  /** Send a notification (e.g. notifications/cancelled, notifications/roots/list_changed). */
  notify(method: string, params?: Record<string, unknown>): Promise<void>;
  /** Stop: close streams; processes get SIGTERM, then SIGKILL after a grace period. Idempotent. */
  close(): Promise<void>;
}

/**
 * Credentials that change over time (OAuth): asked for an Authorization header before every
 * request, and told about a 401 so it can obtain a token; the request is then sent once more.
 */
export interface UpstreamAuth {
  authorization(): Promise<string | undefined>;
  unauthorized(res: Response): Promise<void>;
}
