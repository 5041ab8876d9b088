// The JSON-RPC session every upstream transport shares: request ids, the pending map, timeouts
// (reset by progress), cancellation, progress routing, server-to-client requests and the
// initialize handshake. Transports only move already-parsed messages in and out; params and
// results pass through untouched.
import {
  ErrorCode,
  type JsonRpcId,
  type JsonRpcMessage,
  type JsonRpcNotification,
  type JsonRpcRequest,
  RpcError,
} from '../protocol/jsonrpc.js';
import { PROTOCOL_VERSIONS, STATELESS_VERSIONS } from '../protocol/versions.js';
import type {
  UpstreamEvents,
  UpstreamInitOptions,
  UpstreamInitResult,
  UpstreamMessageContext,
  UpstreamRequestOptions,
} from './types.js';

/** MCP defines no code for a cancelled request; this is the LSP/JSON-RPC convention. */
export const RequestCancelledCode = -32800;

export const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;

/** Protocol versions we can speak; a server answering anything else is refused at connect. */
export const SUPPORTED_PROTOCOL_VERSIONS: readonly string[] = PROTOCOL_VERSIONS;

/** How a transport puts one message on the wire. Rejecting fails the request it carried. */
export type SendMessage = (msg: JsonRpcMessage) => Promise<void>;

interface Pending {
  id: number;
  method: string;
  resolve(result: unknown): void;
  reject(err: Error): void;
  timeoutMs: number;
  timer: NodeJS.Timeout | undefined;
  /** The progress token attached to this request (ours or the caller's), if any. */
  progressToken?: string | number;
  onProgress?: (params: Record<string, unknown>) => void;
  cleanup(): void;
}

export interface RpcSessionOptions {
  /** Default request timeout when a call gives none. */
  defaultTimeoutMs?: number;
  /** Timeout of the initialize request alone: server start-up may be slow (default 60 s). */
  initTimeoutMs?: number;
}

export class RpcSession {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  /** Progress token → pending request, for routing and timeout resets. */
  private readonly byToken = new Map<string | number, Pending>();
  private closedError: RpcError | undefined;
  private closeReported = false;
  private readonly defaultTimeoutMs: number;
  private readonly initTimeoutMs: number;
  initResult: UpstreamInitResult | undefined;

  constructor(
    readonly serverName: string,
    private readonly send: SendMessage,
    private readonly events: UpstreamEvents,
    opts: RpcSessionOptions = {},
  ) {
    this.defaultTimeoutMs = opts.defaultTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.initTimeoutMs = opts.initTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  }

  get isClosed(): boolean {
    return this.closedError !== undefined;
  }

  /** Prefix every message with the server so errors can be acted on without context. */
  error(code: number, message: string, data?: unknown): RpcError {
    return new RpcError(code, `server "${this.serverName}": ${message}`, data);
  }

  /**
   * The modern era's per-request envelope once server/discover chose it: every request carries
   * these `_meta` keys (a relayed request's own keys win, so a modern client's capabilities pass
   * through). `logLevel` is what logging/setLevel asked for (the method itself is gone).
   */
  modern: { version: string; meta: Record<string, unknown>; logLevel?: string } | undefined;

  /**
   * Open the connection in the era `init.generation` asks for. `auto` probes with server/discover:
   * a DiscoverResult (or -32022 offering 2026-07-28) is modern; an auth challenge, a 5xx or an
   * unreachable server fails; any other answer, or silence past the probe bound, is handshake-era.
   */
  async open(init: UpstreamInitOptions, silenceIsLegacy: boolean): Promise<UpstreamInitResult> {
    const gen = init.generation ?? 'handshake';
    if (gen === 'handshake') return this.initialize(init);
    try {
      const r = await this.discover(
        init,
        gen === 'auto' && silenceIsLegacy ? init.probeTimeoutMs : undefined,
      );
      this.listen();
      return r;
    } catch (err) {
      if (gen === 'stateless') {
        throw this.error(
          err instanceof RpcError ? err.code : ErrorCode.InternalError,
          `protocol_generation is stateless but server/discover failed: ${messageOf(err)}`,
        );
      }
      if (this.isClosed && gen === 'auto' && silenceIsLegacy) {
        // A process that quits on a request before initialize (some 2025 servers do): that is a
        // handshake-era answer too, but this connection is gone; the next one should not probe.
        throw Object.assign(err instanceof Error ? err : new Error(String(err)), {
          eraHint: 'handshake' as const,
        });
      }
      if (!legacyAnswer(err, silenceIsLegacy) || this.isClosed) throw err;
      this.modern = undefined;
      return this.initialize(init);
    }
  }

  private async discover(
    init: UpstreamInitOptions,
    timeoutMs: number | undefined,
  ): Promise<UpstreamInitResult> {
    const version = MODERN_PROTOCOL_VERSIONS[0]!;
    this.modern = {
      version,
      meta: {
        [META_VERSION]: version,
        'io.modelcontextprotocol/clientInfo': init.clientInfo,
        'io.modelcontextprotocol/clientCapabilities': init.capabilities,
      },
    };
    const r = (await this.request('server/discover', {}, { timeoutMs: timeoutMs ?? this.initTimeoutMs })) as
      | Record<string, unknown>
      | undefined;
    const versions = Array.isArray(r?.supportedVersions) ? (r.supportedVersions as unknown[]) : [];
    if (!versions.includes(version)) {
      throw this.error(
        ErrorCode.InvalidRequest,
        `server/discover offers ${JSON.stringify(versions)}, none of which this gateway speaks per request (${version})`,
        { supported: versions },
      );
    }
    const meta = (r?._meta ?? {}) as Record<string, unknown>;
    const info = (meta['io.modelcontextprotocol/serverInfo'] ?? r?.serverInfo ?? {}) as Record<
      string,
      unknown
    >;
    const result: UpstreamInitResult = {
      protocolVersion: version,
      capabilities: (r?.capabilities ?? {}) as Record<string, unknown>,
      serverInfo: { ...info, name: String(info.name ?? ''), version: String(info.version ?? '') },
      era: 'stateless',
    };
    if (typeof r?.instructions === 'string') result.instructions = r.instructions;
    this.initResult = result;
    return result;
  }

  async initialize(init: UpstreamInitOptions): Promise<UpstreamInitResult> {
    const result = (await this.request(
      'initialize',
      {
        protocolVersion: init.protocolVersion,
        capabilities: init.capabilities,
        clientInfo: init.clientInfo,
      },
      { timeoutMs: this.initTimeoutMs },
    )) as UpstreamInitResult | undefined;
    if (!result || typeof result !== 'object' || typeof result.protocolVersion !== 'string') {
      throw this.error(ErrorCode.InternalError, 'invalid initialize result (no protocolVersion)');
    }
    if (!SUPPORTED_PROTOCOL_VERSIONS.includes(result.protocolVersion)) {
      throw this.error(
        ErrorCode.InvalidRequest,
        `unsupported protocol version "${result.protocolVersion}" (supported: ${SUPPORTED_PROTOCOL_VERSIONS.join(', ')})`,
      );
    }
    // Set before notifications/initialized: HTTP sends the version header from then on.
    this.initResult = result;
    await this.notify('notifications/initialized');
    return result;
  }

  request(
    method: string,
    params: Record<string, unknown> | undefined,
    opts: UpstreamRequestOptions = {},
  ): Promise<unknown> {
    if (this.closedError) return Promise.reject(this.closedError);
    const { signal } = opts;
    if (signal?.aborted) {
      return Promise.reject(
        this.error(RequestCancelledCode, `request ${method} cancelled before it was sent`),
      );
    }
    const modern = this.modern;
    if (modern) {
      // Methods the modern era removed, kept working for the gateway: ping is a discover, the
      // log level becomes each request's own.
      if (method === 'ping') return this.request('server/discover', {}, opts).then(() => ({}));
      if (method === 'logging/setLevel') {
        modern.logLevel = typeof params?.level === 'string' ? params.level : undefined;
        return Promise.resolve({});
      }
      // Resource subscriptions live in the listen request: change its filter.
      if (method === 'resources/subscribe' || method === 'resources/unsubscribe') {
        const uri = params?.uri;
        if (typeof uri === 'string') {
          if (method === 'resources/subscribe') this.listenUris.add(uri);
          else this.listenUris.delete(uri);
          this.listen();
        }
        return Promise.resolve({});
      }
      const own = params?._meta as Record<string, unknown> | undefined;
      const level = modern.logLevel ? { 'io.modelcontextprotocol/logLevel': modern.logLevel } : {};
      params = { ...params, _meta: { ...modern.meta, ...level, ...own } };
    }
    const id = this.nextId++;
    opts.onRequestId?.(id); // lets the gateway match ctx.relatedRequestId back to this call
    let progressToken: string | number | undefined;
    if (opts.onProgress) {
      // Our own token, so progress for this call can be told apart from every other caller's.
      progressToken = id;
      const meta = params?._meta as Record<string, unknown> | undefined;
      params = { ...params, _meta: { ...meta, progressToken } };
    } else {
      const callerToken = (params?._meta as Record<string, unknown> | undefined)?.progressToken;
      if (typeof callerToken === 'string' || typeof callerToken === 'number') progressToken = callerToken;
    }

    return new Promise<unknown>((resolve, reject) => {
      const onAbort = () => {
        if (!this.pending.has(id)) return;
        this.settle(p);
        const reason = signal?.reason instanceof Error ? signal.reason.message : 'aborted';
        this.send({
          jsonrpc: '2.0',
          method: 'notifications/cancelled',
          params: { requestId: id, reason },
        }).catch(() => {});
        reject(this.error(RequestCancelledCode, `request ${method} cancelled (${reason})`));
      };
      const p: Pending = {
        id,
        method,
        resolve,
        reject,
        timeoutMs: opts.timeoutMs ?? this.defaultTimeoutMs,
        timer: undefined,
        progressToken,
        onProgress: opts.onProgress,
        cleanup: () => signal?.removeEventListener('abort', onAbort),
      };
      this.pending.set(id, p);
      if (progressToken !== undefined) this.byToken.set(progressToken, p);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.armTimer(p);

      const msg: JsonRpcRequest =
        params === undefined ? { jsonrpc: '2.0', id, method } : { jsonrpc: '2.0', id, method, params };
      this.send(msg).catch((err: unknown) => {
        if (!this.pending.has(id)) return;
        this.settle(p);
        reject(
          err instanceof RpcError
            ? err
            : this.error(ErrorCode.ConnectionClosed, `sending ${method} failed: ${messageOf(err)}`),
        );
      });
    });
  }

  async notify(method: string, params?: Record<string, unknown>): Promise<void> {
    if (this.closedError) throw this.closedError;
    const msg: JsonRpcNotification =
      params === undefined ? { jsonrpc: '2.0', method } : { jsonrpc: '2.0', method, params };
    await this.send(msg);
  }

  private listenAbort: AbortController | undefined;
  private readonly listenUris = new Set<string>();

  /**
   * Modern era: one subscriptions/listen request carries the server's change notifications (what
   * its capabilities offer, plus the resource URIs subscribed); they arrive as ordinary
   * notifications. A new filter replaces the request; a stream the server ends is opened again.
   */
  private listen(): void {
    this.listenAbort?.abort(new Error('subscription filter changed'));
    this.listenAbort = undefined;
    const caps = (this.initResult?.capabilities ?? {}) as Record<
      string,
      { listChanged?: unknown; subscribe?: unknown }
    >;
    const notifications: Record<string, unknown> = {};
    if (caps.tools?.listChanged) notifications.toolsListChanged = true;
    if (caps.prompts?.listChanged) notifications.promptsListChanged = true;
    if (caps.resources?.listChanged) notifications.resourcesListChanged = true;
    if (caps.resources?.subscribe && this.listenUris.size > 0) {
      notifications.resourceSubscriptions = [...this.listenUris];
    }
    if (Object.keys(notifications).length === 0 || this.isClosed) return;
    const ac = new AbortController();
    this.listenAbort = ac;
    this.request(
      'subscriptions/listen',
      { notifications },
      { signal: ac.signal, timeoutMs: 2 ** 31 - 1 },
    ).then(
      () => this.relisten(ac),
      () => this.relisten(ac),
    );
  }

  private relisten(ac: AbortController): void {
    if (this.isClosed || ac.signal.aborted || this.listenAbort !== ac) return;
    setTimeout(() => {
      if (this.listenAbort === ac && !this.isClosed) this.listen();
    }, 1000).unref();
  }

  /** Feed one parsed message from the transport. Anything that is not JSON-RPC goes to the log. */
  handleMessage(raw: unknown, ctx: UpstreamMessageContext = {}): void {
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
      // A batch is legal JSON-RPC but MCP servers do not send them since 2025-06-18; unwrap anyway.
      if (Array.isArray(raw)) for (const m of raw) this.handleMessage(m, ctx);
      else this.events.onLog?.(`unexpected message: ${String(raw)}`);
      return;
    }
    const msg = raw as Record<string, unknown>;
    if (typeof msg.method === 'string') {
      if (msg.id !== undefined && msg.id !== null) this.handleRequest(msg as unknown as JsonRpcRequest, ctx);
      else this.handleNotification(msg as unknown as JsonRpcNotification, ctx);
      return;
    }
    if ('result' in msg || 'error' in msg) {
      this.handleResponse(msg);
      return;
    }
    this.events.onLog?.(`unexpected message: ${JSON.stringify(msg).slice(0, 200)}`);
  }

  /**
   * The connection is gone. Reject everything pending and report the close once.
   * `reason` unset means a clean close requested by us.
   */
  close(reason?: string, cause?: Error): void {
    if (this.closeReported) return;
    this.closeReported = true;
    this.closedError = this.error(ErrorCode.ConnectionClosed, reason ?? 'connection closed');
    this.listenAbort = undefined;
    for (const p of [...this.pending.values()]) {
      this.settle(p);
      p.reject(this.closedError);
    }
    this.events.onClose(reason === undefined ? undefined : (cause ?? this.closedError));
  }

  /** Reject one in-flight request (e.g. the HTTP POST that carried it failed). */
  failRequest(id: JsonRpcId, err: RpcError): void {
    const p = this.pending.get(Number(id));
    if (!p) return;
    this.settle(p);
    p.reject(err);
  }

  hasPending(id: JsonRpcId): boolean {
    return this.pending.has(Number(id));
  }

  private handleResponse(msg: Record<string, unknown>): void {
    const id = msg.id;
    const p = typeof id === 'number' || typeof id === 'string' ? this.pending.get(Number(id)) : undefined;
    if (!p) {
      // Late answer to a timed-out or cancelled request, or an error with id null.
      if (msg.error) this.events.onLog?.(`error response for unknown request: ${JSON.stringify(msg.error)}`);
      return;
    }
    this.settle(p);
    if ('error' in msg && msg.error) {
      const e = msg.error as { code?: unknown; message?: unknown; data?: unknown };
      const code = typeof e.code === 'number' ? e.code : ErrorCode.InternalError;
      const text = typeof e.message === 'string' ? e.message : 'upstream error';
      // Keep the upstream's code and message; the prefix only says who answered.
      p.reject(this.error(code, text, e.data));
    } else {
      p.resolve(msg.result);
    }
  }

  private handleNotification(msg: JsonRpcNotification, ctx: UpstreamMessageContext): void {
    // The listen stream's own acknowledgment concerns this connection, not any client.
    if (msg.method === 'notifications/subscriptions/acknowledged') return;
    if (msg.method === 'notifications/progress') {
      const token = msg.params?.progressToken;
      const p = typeof token === 'string' || typeof token === 'number' ? this.byToken.get(token) : undefined;
      if (p) {
        this.armTimer(p); // progress proves the server is working on it
        if (p.onProgress) {
          p.onProgress(msg.params ?? {});
          return;
        }
        ctx = { ...ctx, relatedRequestId: ctx.relatedRequestId ?? p.id };
      }
    }
    this.events.onNotification(msg, ctx);
  }

  private handleRequest(msg: JsonRpcRequest, ctx: UpstreamMessageContext): void {
    const answer = (body: { result: unknown } | { error: unknown }) => {
      if (this.closedError) return;
      this.send({ jsonrpc: '2.0', id: msg.id, ...body } as JsonRpcMessage).catch((err: unknown) =>
        this.events.onLog?.(`could not answer ${msg.method}: ${messageOf(err)}`),
      );
    };
    let pending: Promise<unknown>;
    try {
      pending = this.events.onRequest(msg, ctx);
    } catch (err) {
      pending = Promise.reject(err);
    }
    pending.then(
      (result) => answer({ result: result ?? {} }),
      (err: unknown) =>
        answer({
          error:
            err instanceof RpcError
              ? err.toJSON()
              : { code: ErrorCode.InternalError, message: messageOf(err) },
        }),
    );
  }

  private armTimer(p: Pending): void {
    if (p.timer) clearTimeout(p.timer);
    p.timer = setTimeout(() => {
      if (!this.pending.has(p.id)) return;
      this.settle(p);
      this.send({
        jsonrpc: '2.0',
        method: 'notifications/cancelled',
        params: { requestId: p.id, reason: `timed out after ${p.timeoutMs} ms` },
      }).catch(() => {});
      p.reject(
        this.error(ErrorCode.RequestTimeout, `request ${p.method} timed out after ${p.timeoutMs} ms`, {
          timeoutMs: p.timeoutMs,
        }),
      );
    }, p.timeoutMs);
    // A pending call alone must not keep the process alive.
    p.timer.unref();
  }

  private settle(p: Pending): void {
    if (p.timer) clearTimeout(p.timer);
    this.pending.delete(p.id);
    if (p.progressToken !== undefined && this.byToken.get(p.progressToken) === p) {
      this.byToken.delete(p.progressToken);
    }
    p.cleanup();
  }
}

/** Versions spoken per request (the stateless era), newest first. */
export const MODERN_PROTOCOL_VERSIONS = STATELESS_VERSIONS;
const META_VERSION = 'io.modelcontextprotocol/protocolVersion';

/** Whether a failed server/discover probe identifies a handshake-era server. */
function legacyAnswer(err: unknown, silenceIsLegacy: boolean): boolean {
  if (!(err instanceof RpcError)) return false;
  const data = (err.data ?? {}) as { status?: unknown; supported?: unknown };
  const status = typeof data.status === 'number' ? data.status : undefined;
  if (status === 401 || status === 403 || (status !== undefined && status >= 500)) return false;
  if (err.code === ErrorCode.RequestTimeout) return silenceIsLegacy;
  if (err.message.includes('cannot reach')) return false;
  // -32022 naming only versions we cannot speak per request: a handshake-era answer only if it
  // names one of those; a modern server we cannot talk to is a failure.
  if (err.code === -32022 && Array.isArray(data.supported)) {
    return data.supported.some((v) => SUPPORTED_PROTOCOL_VERSIONS.includes(String(v)));
  }
  return true;
}

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
