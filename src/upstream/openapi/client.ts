// An MCP server served in-process from an OpenAPI spec: initialize, ping, tools/list and tools/call
// answered here, each call turned into one HTTP request to the API. To the gateway it is just another
// UpstreamClient, with the same error, timeout and cancellation behaviour as the RPC transports.

import { coded, internal } from '../../errors/coded.js';
import { ErrorCode, RpcError } from '../../protocol/jsonrpc.js';
import { DEFAULT_REQUEST_TIMEOUT_MS, RequestCancelledCode, SUPPORTED_PROTOCOL_VERSIONS } from '../session.js';
import type {
  UpstreamClient,
  UpstreamEvents,
  UpstreamInitOptions,
  UpstreamInitResult,
  UpstreamRequestOptions,
} from '../types.js';
import { DEFAULT_HTTP_TIMEOUT_MS, DEFAULT_MAX_RESPONSE_BYTES, type OpenApiConfig } from './config.js';
import { Authenticator, callOperation, type Env, missingAuthEnv, resolveBaseUrl } from './http.js';
import { extractTools, type OperationTool } from './operations.js';
import { loadSpec } from './spec.js';
import { type HttpClient, httpClient } from './tls.js';

export interface OpenApiUpstreamOptions {
  openapi: OpenApiConfig;
  /** Relative spec paths resolve against it. */
  stackDir: string;
  /** Where auth env vars are read (default process.env). */
  env?: Env;
  /** RPC-level timeout when a call gives none (default 60 s). */
  defaultTimeoutMs?: number;
  /** `apply --no-expand`: read a spec file as written, without `${NAME}` expansion from `env`. */
  noExpand?: boolean;
}

interface InFlight {
  controller: AbortController;
}

const LATEST = SUPPORTED_PROTOCOL_VERSIONS[SUPPORTED_PROTOCOL_VERSIONS.length - 1]!;

export class OpenApiUpstream implements UpstreamClient {
  readonly kind = 'openapi' as const;
  readonly pid = undefined;
  private result: UpstreamInitResult | undefined;
  private events: UpstreamEvents | undefined;
  private tools: OperationTool[] = [];
  private byName = new Map<string, OperationTool>();
  private baseUrl = '';
  private auth: Authenticator | undefined;
  private http: HttpClient | undefined;
  private nextId = 1;
  private readonly inflight = new Map<number, InFlight>();
  private closed = false;
  private connecting = false;

  constructor(
    readonly name: string,
    private readonly opts: OpenApiUpstreamOptions,
  ) {
    const ops = opts.openapi.operations;
    if (ops?.include?.length && ops.exclude?.length) {
      throw coded(
        'UPSTREAM_SPEC_INVALID',
        `server "${name}": openapi.operations: use include or exclude, not both`,
      );
    }
    if (!opts.openapi.spec)
      throw coded('UPSTREAM_SPEC_INVALID', `server "${name}": openapi.spec is required`);
  }

  get initResult(): UpstreamInitResult | undefined {
    return this.result;
  }

  /** The tools built from the spec (after include/exclude), for status displays and tests. */
  get toolDefinitions(): readonly OperationTool[] {
    return this.tools;
  }

  async connect(events: UpstreamEvents, init: UpstreamInitOptions): Promise<UpstreamInitResult> {
    if (this.connecting || this.result) throw internal(`server "${this.name}": connect() called twice`);
    this.connecting = true;
    this.events = events;
    const cfg = this.opts.openapi;
    const env = this.opts.env ?? process.env;
    try {
      const missing = missingAuthEnv(cfg.auth, env);
      if (missing.length > 0) {
        throw coded(
          'OPENAPI_AUTH_FAILED',
          `openapi.auth (${cfg.auth?.type}) needs environment variable ${missing.join(', ')}, not set`,
        );
      }
      this.http = httpClient(cfg.tls);
      if (cfg.tls?.insecureSkipVerify) {
        events.onLog?.(
          "WARNING openapi.tls.insecureSkipVerify is on: the API's certificate is not checked, so anyone on the network path can read and change these calls",
        );
      }
      const spec = await loadSpec(
        cfg.spec,
        this.opts.stackDir,
        cfg.timeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS,
        this.http.fetch,
        this.opts.noExpand ? undefined : env,
      );
      for (const w of spec.warnings) events.onLog?.(`openapi ${spec.location}: ${w}`);
      this.baseUrl = resolveBaseUrl(spec.raw, cfg.baseUrl, spec.url);
      this.tools = extractTools(spec.doc, {
        include: cfg.operations?.include,
        exclude: cfg.operations?.exclude,
        warn: (m) => events.onLog?.(`openapi ${spec.location}: ${m}`),
      });
      this.byName = new Map(this.tools.map((t) => [t.name, t]));
      this.auth = new Authenticator(cfg.auth, env, cfg.timeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS);
      if (this.closed) throw internal('closed while connecting');

      const info = (spec.doc.info ?? {}) as Record<string, unknown>;
      const title = typeof info.title === 'string' && info.title !== '' ? info.title : this.name;
      const version = typeof info.version === 'string' ? info.version : '0.0.0';
      this.result = {
        protocolVersion: SUPPORTED_PROTOCOL_VERSIONS.includes(init.protocolVersion)
          ? init.protocolVersion
          : LATEST,
        capabilities: { tools: { listChanged: false } },
        serverInfo: { name: title, version, title },
        ...(typeof info.description === 'string' && info.description !== ''
          ? { instructions: info.description.slice(0, 4000) }
          : {}),
      };
      events.onLog?.(`openapi: ${this.tools.length} tools from ${spec.location}, calling ${this.baseUrl}`);
      return this.result;
    } catch (err) {
      const error = new RpcError(
        ErrorCode.ConnectionClosed,
        `server "${this.name}": ${err instanceof Error ? err.message : String(err)}`,
      );
      if (!this.closed) {
        this.closed = true;
        events.onClose(error);
      }
      void this.http?.close();
      throw error;
    }
  }

  request(method: string, params: Record<string, unknown> | undefined, opts: UpstreamRequestOptions = {}) {
    if (this.closed) return Promise.reject(this.error(ErrorCode.ConnectionClosed, 'connection closed'));
    if (!this.result) return Promise.reject(this.error(ErrorCode.ConnectionClosed, 'not connected'));
    if (opts.signal?.aborted) {
      return Promise.reject(
        this.error(RequestCancelledCode, `request ${method} cancelled before it was sent`),
      );
    }
    const id = this.nextId++;
    opts.onRequestId?.(id);
    const controller = new AbortController();
    const entry: InFlight = { controller };
    this.inflight.set(id, entry);
    const timeoutMs = opts.timeoutMs ?? this.opts.defaultTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;

    return new Promise<unknown>((resolve, reject) => {
      let settled = false;
      const finish = (fn: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
        this.inflight.delete(id);
        fn();
      };
      const fail = (err: RpcError) => {
        finish(() => reject(err));
        controller.abort(err);
      };
      const timer = setTimeout(
        () =>
          fail(
            this.error(ErrorCode.RequestTimeout, `request ${method} timed out after ${timeoutMs} ms`, {
              timeoutMs,
            }),
          ),
        timeoutMs,
      );
      timer.unref();
      const onAbort = () => {
        const reason = opts.signal?.reason instanceof Error ? opts.signal.reason.message : 'aborted';
        fail(this.error(RequestCancelledCode, `request ${method} cancelled (${reason})`));
      };
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      // close() and notifications/cancelled abort through the controller.
      controller.signal.addEventListener(
        'abort',
        () => {
          const r = controller.signal.reason;
          finish(() =>
            reject(
              r instanceof RpcError ? r : this.error(RequestCancelledCode, `request ${method} cancelled`),
            ),
          );
        },
        { once: true },
      );

      this.dispatch(method, params ?? {}, controller.signal).then(
        (result) => finish(() => resolve(result)),
        (err: unknown) =>
          finish(() =>
            reject(
              err instanceof RpcError
                ? err
                : this.error(ErrorCode.InternalError, err instanceof Error ? err.message : String(err)),
            ),
          ),
      );
    });
  }

  async notify(method: string, params?: Record<string, unknown>): Promise<void> {
    if (this.closed) throw this.error(ErrorCode.ConnectionClosed, 'connection closed');
    if (method === 'notifications/cancelled') {
      const id = Number(params?.requestId);
      const reason = typeof params?.reason === 'string' ? params.reason : 'cancelled';
      this.inflight
        .get(id)
        ?.controller.abort(this.error(RequestCancelledCode, `request cancelled (${reason})`));
    }
    // notifications/initialized, roots/list_changed, ...: nothing to do in-process.
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const err = this.error(ErrorCode.ConnectionClosed, 'connection closed');
    for (const f of [...this.inflight.values()]) f.controller.abort(err);
    this.inflight.clear();
    void this.http?.close();
    if (this.result) this.events?.onClose(undefined);
  }

  private async dispatch(
    method: string,
    params: Record<string, unknown>,
    signal: AbortSignal,
  ): Promise<unknown> {
    switch (method) {
      case 'ping':
        return {};
      case 'initialize':
        return this.result;
      case 'tools/list':
        return {
          tools: this.tools.map((t) => ({
            name: t.name,
            description: t.description,
            inputSchema: t.inputSchema,
            annotations: t.annotations,
          })),
        };
      case 'tools/call': {
        const name = params.name;
        const tool = typeof name === 'string' ? this.byName.get(name) : undefined;
        if (!tool) throw this.error(ErrorCode.InvalidParams, `unknown tool: ${String(name)}`);
        const args = params.arguments;
        if (args !== undefined && (typeof args !== 'object' || args === null || Array.isArray(args))) {
          throw this.error(ErrorCode.InvalidParams, 'tools/call arguments must be an object');
        }
        return callOperation(tool, (args ?? {}) as Record<string, unknown>, {
          baseUrl: this.baseUrl,
          auth: this.auth!,
          timeoutMs: this.opts.openapi.timeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS,
          maxResponseBytes: this.opts.openapi.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
          signal,
          fetch: this.http?.fetch,
        });
      }
      default:
        throw this.error(ErrorCode.MethodNotFound, `method not found: ${method}`);
    }
  }

  private error(code: number, message: string, data?: unknown): RpcError {
    return new RpcError(code, `server "${this.name}": ${message}`, data);
  }
}
