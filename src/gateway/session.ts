// Client sessions: identity, negotiated version, the server-to-client stream (streamable HTTP GET
// or the legacy SSE connection), requests in flight (for cancellation and for routing server-to-
// client requests), requests we sent to the client, log level and resource subscriptions.
import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { ErrorCode, type JsonRpcId, RpcError } from '../protocol/jsonrpc.js';

/** One downstream request being served. */
export interface InFlight {
  session: Session;
  id: JsonRpcId;
  method: string;
  server?: string;
  abort: AbortController;
  /** Deliver a message related to this request (upgrades its response to SSE when it can). */
  push(json: string): boolean;
}

export const LOG_LEVELS = ['debug', 'info', 'notice', 'warning', 'error', 'critical', 'alert', 'emergency'];

/** Write one SSE event; `data` must be a single line (JSON.stringify output always is). */
export function sseEvent(res: ServerResponse, data: string, event = 'message'): boolean {
  if (res.writableEnded || res.destroyed) return false;
  res.write(`event: ${event}\ndata: ${data}\n\n`);
  return true;
}

export function openSse(res: ServerResponse, headers: Record<string, string> = {}): void {
  res.writeHead(200, {
    'Content-Type': 'text/event-stream',
    'Cache-Control': 'no-cache, no-transform',
    Connection: 'keep-alive',
    'X-Accel-Buffering': 'no',
    ...headers,
  });
  res.flushHeaders();
}

interface Outgoing {
  resolve(v: unknown): void;
  reject(e: Error): void;
  timer: NodeJS.Timeout;
}

export class Session {
  readonly id = randomBytes(16).toString('hex');
  lastSeen = Date.now();
  protocolVersion = '2025-11-25';
  clientInfo: { name?: string; version?: string } = {};
  clientCapabilities: Record<string, unknown> = {};
  logLevel: string | undefined;
  /** The tool group this session was opened on (/groups/<name>/...), frozen at creation. */
  group: string | undefined;
  /** Exposed resource URIs this session subscribed to. */
  readonly subscriptions = new Set<string>();
  /** Keyed by `typeof id + ':' + id` so 1 and "1" stay distinct. */
  readonly inflight = new Map<string, InFlight>();
  private stream: ServerResponse | undefined;
  private keepalive: NodeJS.Timeout | undefined;
  private readonly outgoing = new Map<number, Outgoing>();
  private nextOutId = 1;
  closed = false;

  constructor(
    /** Legacy HTTP+SSE sessions carry every message, responses included, on their one stream. */
    readonly legacy: boolean,
    private readonly onClose: (s: Session) => void,
  ) {}

  static key(id: unknown): string {
    return `${typeof id}:${String(id)}`;
  }

  touch(): void {
    this.lastSeen = Date.now();
  }

  get hasStream(): boolean {
    return this.stream !== undefined && !this.stream.writableEnded;
  }

  /** Attach the server-to-client stream; a newer GET replaces an older one. */
  attachStream(res: ServerResponse, keepaliveMs = 25_000): void {
    this.detachStream();
    this.stream = res;
    this.keepalive = setInterval(() => {
      if (!res.writableEnded) res.write(': keepalive\n\n');
      this.touch();
    }, keepaliveMs);
    this.keepalive.unref();
    res.on('close', () => {
      if (this.stream !== res) return;
      this.detachStream();
      if (this.legacy) this.close();
    });
  }

  private detachStream(): void {
    if (this.keepalive) clearInterval(this.keepalive);
    this.keepalive = undefined;
    const s = this.stream;
    this.stream = undefined;
    if (s && !s.writableEnded) s.end();
  }

  /** Send on the session's own stream; false when there is none. */
  push(json: string): boolean {
    return this.stream ? sseEvent(this.stream, json) : false;
  }

  /**
   * Send a server-to-client request and wait for the client's answer. `via` delivers it (the
   * related request's stream); else the session stream.
   */
  request(
    method: string,
    params: Record<string, unknown> | undefined,
    timeoutMs: number,
    via?: InFlight,
  ): Promise<unknown> {
    if (this.closed) return Promise.reject(new RpcError(ErrorCode.ConnectionClosed, 'client session closed'));
    const id = this.nextOutId++;
    const json = JSON.stringify(
      params === undefined ? { jsonrpc: '2.0', id, method } : { jsonrpc: '2.0', id, method, params },
    );
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.outgoing.delete(id);
        reject(
          new RpcError(ErrorCode.RequestTimeout, `client did not answer ${method} within ${timeoutMs} ms`),
        );
      }, timeoutMs);
      timer.unref();
      this.outgoing.set(id, { resolve, reject, timer });
      const sent = (via?.push(json) ?? false) || this.push(json);
      if (!sent) {
        clearTimeout(timer);
        this.outgoing.delete(id);
        reject(
          new RpcError(
            ErrorCode.InternalError,
            `cannot send ${method} to the client: no open stream (open GET /mcp or accept text/event-stream)`,
          ),
        );
      }
    });
  }

  /** A response from the client to one of our requests. False when we did not ask. */
  answer(msg: Record<string, unknown>): boolean {
    const id = msg.id;
    if (typeof id !== 'number') return false;
    const o = this.outgoing.get(id);
    if (!o) return false;
    this.outgoing.delete(id);
    clearTimeout(o.timer);
    if ('error' in msg && msg.error && typeof msg.error === 'object') {
      const e = msg.error as { code?: unknown; message?: unknown; data?: unknown };
      o.reject(
        new RpcError(
          typeof e.code === 'number' ? e.code : ErrorCode.InternalError,
          typeof e.message === 'string' ? e.message : 'client error',
          e.data,
        ),
      );
    } else {
      o.resolve(msg.result);
    }
    return true;
  }

  /** Cancel one of our outgoing requests (the upstream that asked gave up). */
  cancelOutgoing(id: number, reason: string): void {
    const o = this.outgoing.get(id);
    if (!o) return;
    this.outgoing.delete(id);
    clearTimeout(o.timer);
    this.push(
      JSON.stringify({
        jsonrpc: '2.0',
        method: 'notifications/cancelled',
        params: { requestId: id, reason },
      }),
    );
    o.reject(new RpcError(ErrorCode.InternalError, `cancelled: ${reason}`));
  }

  /** Whether a log message at `level` should reach this session. */
  wantsLog(level: unknown): boolean {
    if (this.logLevel === undefined) return true;
    const want = LOG_LEVELS.indexOf(this.logLevel);
    const got = typeof level === 'string' ? LOG_LEVELS.indexOf(level) : -1;
    return got === -1 || got >= want;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.detachStream();
    for (const f of this.inflight.values()) f.abort.abort(new Error('client session closed'));
    this.inflight.clear();
    for (const o of this.outgoing.values()) {
      clearTimeout(o.timer);
      o.reject(new RpcError(ErrorCode.ConnectionClosed, 'client session closed'));
    }
    this.outgoing.clear();
    this.onClose(this);
  }
}

export class SessionStore {
  private readonly sessions = new Map<string, Session>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    readonly idleMs: number,
    readonly max: number,
    private readonly onClosed: (s: Session) => void,
  ) {
    this.sweeper = setInterval(() => this.sweep(), Math.max(10, Math.min(idleMs / 2, 60_000)));
    this.sweeper.unref();
  }

  get size(): number {
    return this.sessions.size;
  }

  all(): IterableIterator<Session> {
    return this.sessions.values();
  }

  get(id: string): Session | undefined {
    return this.sessions.get(id);
  }

  /** A new session, or undefined when the cap is reached even after dropping idle ones. */
  create(legacy: boolean): Session | undefined {
    if (this.sessions.size >= this.max) this.sweep();
    if (this.sessions.size >= this.max) return undefined;
    const s = new Session(legacy, (closed) => {
      this.sessions.delete(closed.id);
      this.onClosed(closed);
    });
    this.sessions.set(s.id, s);
    return s;
  }

  /** Drop sessions idle past the limit; an open stream or a request in flight counts as activity. */
  sweep(now = Date.now()): void {
    for (const s of [...this.sessions.values()]) {
      if (s.hasStream || s.inflight.size > 0) continue;
      if (now - s.lastSeen > this.idleMs) s.close();
    }
  }

  closeAll(): void {
    clearInterval(this.sweeper);
    for (const s of [...this.sessions.values()]) s.close();
  }
}
