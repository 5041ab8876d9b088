// Client sessions: identity, negotiated version, the server-to-client stream (streamable HTTP GET
// or the legacy SSE connection), requests in flight (for cancellation and for routing server-to-
// client requests), requests we sent to the client, log level and resource subscriptions.
//
// The store bounds them. Clients often vanish without DELETE (the SDK client's close() sends
// none), so when a cap is reached the least recently used idle session makes room; a session with
// an open stream or a request in flight is live and never evicted. Only when every session under
// the cap is live is a new one refused.
import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { redactorOf } from '../../api/errors.js';
import { ErrorCode, type JsonRpcId, RpcError } from '../../protocol/jsonrpc.js';

/** One downstream request being served. */
export interface InFlight {
  session: Session;
  id: JsonRpcId;
  method: string;
  server?: string;
  /** The id the upstream knows this call by (held sessions qualify theirs: `held<n>:<id>`). */
  upstreamId?: string;
  abort: AbortController;
  /** The request a code-mode inner call was made for (the execute's). */
  parent?: InFlight;
  /** The tracer's span of this request (observability/tracing.ts); opaque here. */
  span?: unknown;
  /** Deliver a message related to this request (upgrades its response to SSE when it can). */
  push(json: string): boolean;
  /** End the downstream request now with this error (a stateless request that cannot proceed). */
  fail?(err: RpcError): void;
  /** Ask the client something as an input_required round (modern-era requests that allow it). */
  ask?(method: string, params: Record<string, unknown> | undefined): Promise<unknown>;
}

export const LOG_LEVELS = ['debug', 'info', 'notice', 'warning', 'error', 'critical', 'alert', 'emergency'];

/** Write one SSE event; `data` must be a single line (JSON.stringify output always is). */
export function sseEvent(res: ServerResponse, data: string, event = 'message'): boolean {
  if (res.writableEnded || res.destroyed) return false;
  // The one exit of SSE events (POST upgrades, GET streams, legacy SSE): redacted like JSON bodies.
  res.write(`event: ${event}\ndata: ${redactorOf(res)(data)}\n\n`);
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
  /**
   * Who the client is (src/gateway/pipeline/identity.ts), bound at initialize: scoping, rate limits
   * and the per-client session cap are keyed on it. "" is an anonymous client.
   */
  accessId = '';
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
  /**
   * A modern-era (2026-07-28) request's stand-in: never stored, lives for one request, carries that
   * request's `_meta` (version, capabilities, log level). It has no stream and no server-to-client
   * requests; logs reach it only when the request asked for a level.
   */
  stateless = false;
  /**
   * A subscriptions/listen stream (modern era): the notification methods it asked for, and the
   * rewrite that tags each message with its subscription id.
   */
  listen: { methods: Set<string>; tag(json: string): string } | undefined;

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

  /** An open stream or a request in flight: the client is still there, so never evict this one. */
  get live(): boolean {
    return this.hasStream || this.inflight.size > 0;
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
    if (!this.stream) return false;
    return sseEvent(this.stream, this.listen ? this.listen.tag(json) : json);
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
    if (this.logLevel === undefined) return !this.stateless;
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

/** Without a per-client cap, one client may hold every session (a cap refuses live clients). */
export const SESSION_DEFAULTS = { idleMs: 30 * 60_000, max: 1000 };

/** Why a new session (or a client binding) was refused, with what the client should do. */
export class SessionRefused {
  constructor(
    /** 503 when the gateway is full, 429 when this one client holds its share. */
    readonly status: 503 | 429,
    readonly message: string,
    /** Seconds: soon when a request in flight holds a slot, later when only open streams do. */
    readonly retryAfter: number,
    readonly data: Record<string, unknown>,
  ) {}
}

export interface SessionStats {
  total: number;
  /** Sessions with an open stream or a request in flight. */
  live: number;
  /** Sessions per access id ("" = anonymous). */
  byClient: Record<string, number>;
  /** Idle sessions closed to make room under a cap, since start. */
  evicted: number;
  /** Sessions closed for being idle longer than the idle timeout, since start. */
  expired: number;
  /** New sessions refused because every session under the cap was live, since start. */
  refused: number;
}

export class SessionStore {
  private readonly sessions = new Map<string, Session>();
  private readonly byClient = new Map<string, Set<Session>>();
  private readonly sweeper: NodeJS.Timeout | undefined;
  readonly idleMs: number;
  readonly max: number;
  readonly perClient: number;
  private evicted = 0;
  private expired = 0;
  private refused = 0;

  /** `idleMs` 0 = no idle timeout (sessions then leave only by DELETE, stream end or eviction). */
  constructor(
    idleMs: number | undefined,
    max: number | undefined,
    private readonly onClosed: (s: Session) => void,
    perClient?: number,
  ) {
    this.idleMs = idleMs ?? SESSION_DEFAULTS.idleMs;
    this.max = Math.max(1, max ?? SESSION_DEFAULTS.max);
    this.perClient = Math.max(1, Math.min(this.max, perClient ?? this.max));
    if (this.idleMs > 0) {
      this.sweeper = setInterval(() => this.sweep(), Math.max(10, Math.min(this.idleMs / 2, 60_000)));
      this.sweeper.unref();
    }
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

  /** A new session for client `accessId`, evicting idle ones to make room; refused if none is idle. */
  create(legacy: boolean, accessId = ''): Session | SessionRefused {
    const refusal = this.makeRoom(accessId, undefined, true);
    if (refusal) return refusal;
    const s = new Session(legacy, (closed) => {
      this.sessions.delete(closed.id);
      this.leave(closed);
      this.onClosed(closed);
    });
    s.accessId = accessId;
    this.sessions.set(s.id, s);
    this.join(s);
    return s;
  }

  /**
   * Re-key a session to another client (a legacy SSE session learns its clientInfo only at
   * initialize), within that client's cap. Undefined when done.
   */
  bind(s: Session, accessId: string): SessionRefused | undefined {
    if (s.accessId === accessId || s.closed) return undefined;
    const refusal = this.makeRoom(accessId, s, false);
    if (refusal) return refusal;
    this.leave(s);
    s.accessId = accessId;
    this.join(s);
    return undefined;
  }

  /** Drop sessions idle past the limit; an open stream or a request in flight counts as activity. */
  sweep(now = Date.now()): void {
    if (this.idleMs <= 0) return;
    for (const s of [...this.sessions.values()]) {
      if (!s.live && now - s.lastSeen > this.idleMs) {
        this.expired++;
        s.close();
      }
    }
  }

  stats(): SessionStats {
    let live = 0;
    for (const s of this.sessions.values()) if (s.live) live++;
    const byClient: Record<string, number> = {};
    for (const [id, set] of this.byClient) byClient[id] = set.size;
    return {
      total: this.sessions.size,
      live,
      byClient,
      evicted: this.evicted,
      expired: this.expired,
      refused: this.refused,
    };
  }

  closeAll(): void {
    if (this.sweeper) clearInterval(this.sweeper);
    for (const s of [...this.sessions.values()]) s.close();
  }

  /** Room for one more session of `accessId` (`except` is already counted in the total). */
  private makeRoom(
    accessId: string,
    except: Session | undefined,
    counts: boolean,
  ): SessionRefused | undefined {
    const mine = this.byClient.get(accessId);
    // A per-client cap equal to the total is no cap of its own: the total's message is the true one.
    const capped = this.perClient < this.max && mine !== undefined && mine.size >= this.perClient;
    if (capped && !this.evictOne(mine.values(), except)) {
      this.refused++;
      const who = accessId === '' ? 'anonymous clients' : `client "${accessId}"`;
      return this.refusal(
        429,
        `Too many sessions for ${who}: all ${this.perClient} of its sessions are in use`,
        'gateway.max_sessions_per_client',
        mine.values(),
        { client: accessId, maxSessionsPerClient: this.perClient },
      );
    }
    if (counts && this.sessions.size >= this.max && !this.evictOne(this.sessions.values(), except)) {
      this.refused++;
      return this.refusal(
        503,
        `Too many sessions: all ${this.max} sessions of the gateway are in use`,
        'gateway.max_sessions',
        this.sessions.values(),
        { maxSessions: this.max },
      );
    }
    return undefined;
  }

  /** Close the least recently used idle session among `candidates`; false when all are live. */
  private evictOne(candidates: Iterable<Session>, except: Session | undefined): boolean {
    let victim: Session | undefined;
    for (const s of candidates) {
      if (s !== except && !s.live && (!victim || s.lastSeen < victim.lastSeen)) victim = s;
    }
    if (!victim) return false;
    this.evicted++;
    victim.close();
    return true;
  }

  private refusal(
    status: 503 | 429,
    what: string,
    setting: string,
    held: Iterable<Session>,
    data: Record<string, unknown>,
  ): SessionRefused {
    let streams = 0;
    let busy = 0;
    for (const s of held) {
      if (s.hasStream) streams++;
      else busy++;
    }
    return new SessionRefused(
      status,
      `${what} (${streams} with an open stream, ${busy} with a request in flight), so none can be evicted; retry later, close clients you no longer use, or raise ${setting}`,
      busy > 0 ? 5 : 60,
      { ...data, streams, busy },
    );
  }

  private join(s: Session): void {
    const set = this.byClient.get(s.accessId);
    if (set) set.add(s);
    else this.byClient.set(s.accessId, new Set([s]));
  }

  private leave(s: Session): void {
    const set = this.byClient.get(s.accessId);
    if (!set?.delete(s)) return;
    if (set.size === 0) this.byClient.delete(s.accessId);
  }
}
