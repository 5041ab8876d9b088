// The gateway: many upstream servers behind one MCP endpoint. Owns the servers (registration,
// health, restart), the aggregated catalog, client sessions, and the relays in both directions.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { callError, rpcError } from '../errors/catalogue.js';
import type { Logger } from '../logging/logger.js';
import {
  ErrorCode,
  type JsonRpcId,
  type JsonRpcNotification,
  type JsonRpcRequest,
  RpcError,
} from '../protocol/jsonrpc.js';
import type { UpstreamMessageContext, UpstreamRequestOptions } from '../upstream/types.js';
import {
  Catalog,
  decodeCursor,
  encodeCursor,
  exposedName,
  type ListKind,
  type Obj,
  type Route,
  SEPARATOR,
} from './catalog.js';
import { type GroupMap, Groups } from './groups.js';
import { createHandler, errorJson, LATEST_VERSION, type McpCore, SUPPORTED_VERSIONS } from './http.js';
import { ManagedServer, messageOf } from './managed-server.js';
import { RequestGuard } from './origin.js';
import {
  CODE_MODE_INSTRUCTIONS,
  CODE_MODE_TOOLS,
  CODE_MODE_TOOLS_JSON,
} from './pipeline/code-mode/code-mode.js';
import { CallPipeline, type CallPolicies } from './pipeline/pipeline.js';
import type { BucketState } from './pipeline/rate-limit/rate-limit.js';
import type { ScopeSummary } from './pipeline/scope/scope.js';
import type { CallContext, ToolResult } from './pipeline/types.js';
import { type InFlight, LOG_LEVELS, type Session, type SessionStats, SessionStore } from './session.js';
import type { AutoscalePolicy, GatewayOptions, ServerSpec, ServerStatus } from './types.js';

/** MCP has no code for a cancelled request; the LSP convention. */
const RequestCancelled = -32800;
/** Errors that mean "the server could not answer" rather than "the server answered no". */
const TRANSPORT_CODES = new Set<number>([
  ErrorCode.RequestTimeout,
  ErrorCode.ConnectionClosed,
  RequestCancelled,
]);

const LIST_CHANGED: Record<ListKind, string> = {
  tools: 'notifications/tools/list_changed',
  prompts: 'notifications/prompts/list_changed',
  resources: 'notifications/resources/list_changed',
  resourceTemplates: 'notifications/resources/list_changed',
};

const SERVER_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export function validateServerName(name: string): void {
  if (!SERVER_NAME.test(name) || name.includes(SEPARATOR) || name.endsWith('_')) {
    throw new Error(
      `invalid server name "${name}": use letters, digits, ".", "_" or "-", without "${SEPARATOR}" and not ending in "_"`,
    );
  }
}

export interface SessionInfo {
  id: string;
  transport: 'streamable-http' | 'sse';
  protocolVersion: string;
  client: string | undefined;
  /** Normalised client id that scope and limits key on ("" = anonymous). */
  accessId: string;
  /** What the session may reach under the stack's `clients:` block. */
  scope: ScopeSummary;
  /** The tool group the session was opened on, if any. */
  group?: string;
  /** Whether a server-to-client stream (GET /mcp or the SSE connection) is open. */
  stream: boolean;
  inflight: number;
  lastSeen: string;
}

export interface ListenAddress {
  host: string;
  port: number;
  /** The MCP endpoint, e.g. http://127.0.0.1:8180/mcp */
  url: string;
}

function mentionServer(server: string, err: unknown): string {
  const msg = messageOf(err);
  return msg.includes(`"${server}"`) ? msg : `server "${server}": ${msg}`;
}

export class Gateway {
  readonly handler: (req: IncomingMessage, res: ServerResponse) => void;
  private readonly servers = new Map<string, ManagedServer>();
  private catalog = new Catalog([]);
  private readonly core: McpCore;
  private readonly sessions: SessionStore;
  private readonly log: Logger | undefined;
  private readonly pageSize: number;
  private httpServer: Server | undefined;
  /** Upstream request id → the downstream request it serves (per server). */
  private readonly byUpstreamId = new Map<string, Map<string, InFlight>>();
  /** Requests in flight per server, oldest first (for routing unattributed server messages). */
  private readonly inflightByServer = new Map<string, Set<InFlight>>();
  /** `server\0uri` → subscribed sessions. */
  private readonly subscribers = new Map<string, Set<Session>>();
  private started = false;
  private closed = false;
  /** Per server, the tools array last handed to the pin guard (a new listing is a new array). */
  private readonly pinSeen = new Map<string, readonly Obj[]>();
  /** Exposed name → owner of a tool withheld for schema drift (consulted only when a call misses). */
  private withheld = new Map<string, Route>();
  /** Tool groups (/groups/<name>/mcp); consulted only by sessions bound to a group. */
  private readonly groups: Groups;
  /** tools/call policies and per-session list views; replaced whole by setPolicies. */
  private pipeline: CallPipeline;

  constructor(private readonly opts: GatewayOptions) {
    this.log = opts.logger?.child({ component: 'gateway' });
    this.pageSize = Math.max(1, opts.pageSize ?? 1000);
    this.sessions = new SessionStore(
      opts.sessionIdleMs,
      opts.maxSessions,
      (s) => this.onSessionClosed(s),
      opts.maxSessionsPerClient,
    );
    this.groups = new Groups(opts.groups);
    this.pipeline = this.buildPipeline(opts.policies ?? {});
    for (const spec of opts.servers) this.addManaged(spec);
    const guard = new RequestGuard(opts.allowedHosts, opts.allowedOrigins);
    this.core = {
      sessions: this.sessions,
      guard,
      maxBodyBytes: opts.maxBodyBytes ?? 8 * 1024 * 1024,
      maxBatch: opts.maxBatch ?? 50,
      hasGroup: (name) => this.groups.has(name),
      initialize: (s, p) => this.initialize(s, p),
      handleRequest: (s, m, push) => this.handleRequest(s, m, push),
      handleNotification: (s, m) => this.handleNotification(s, m),
      health: () => ({
        status: 200,
        body: { status: 'ok', stack: opts.stackName, gateway: opts.name, version: opts.version },
      }),
      ready: () => this.readiness(),
    };
    this.handler = createHandler(this.core);
  }

  // ---------------------------------------------------------------- lifecycle

  /** Register every server, a few at a time. Failures are recorded (status, /ready), not thrown. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    const queue = [...this.servers.values()];
    const width = Math.max(1, this.opts.registerConcurrency ?? 8);
    const worker = async () => {
      for (let s = queue.shift(); s; s = queue.shift()) await s.start();
    };
    await Promise.all(Array.from({ length: Math.min(width, queue.length) }, worker));
  }

  async listen(opts: { host?: string; port: number }): Promise<ListenAddress> {
    if (this.httpServer) throw new Error('gateway is already listening');
    const host = opts.host ?? '127.0.0.1';
    const server = createServer({ keepAliveTimeout: 65_000 }, this.handler);
    server.headersTimeout = 15_000;
    server.requestTimeout = 0; // tool calls and SSE streams may run long
    this.httpServer = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const addr = server.address() as AddressInfo;
    const shown = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
    return { host: addr.address, port: addr.port, url: `http://${shown}:${addr.port}/mcp` };
  }

  /** Add a server at run time; resolves once its first registration attempt finished. */
  async addServer(spec: ServerSpec): Promise<ServerStatus> {
    const s = this.addManaged(spec);
    await s.start();
    return s.status();
  }

  /** Stop and forget a server; its entries leave the catalog and clients are told. */
  async removeServer(name: string): Promise<boolean> {
    const s = this.servers.get(name);
    if (!s) return false;
    this.servers.delete(name);
    this.pinSeen.delete(name);
    this.opts.pins?.forgetLive?.(name);
    for (const [key, set] of [...this.subscribers]) {
      if (!key.startsWith(`${name}\0`)) continue;
      for (const sess of set) sess.subscriptions.delete(key);
      this.subscribers.delete(key);
    }
    await s.close();
    this.rebuild();
    return true;
  }

  status(): ServerStatus[] {
    const pins = this.opts.pins;
    return [...this.servers.values()].map((s) => {
      const st = s.status();
      if (pins) st.pins = pins.state(s.name, s.spec.pinSchemas !== false);
      return st;
    });
  }

  /** The pin guard approved or reset something: re-read what it withholds (clients get list_changed). */
  pinsChanged(): void {
    this.rebuild();
  }

  /** The aggregated tool list as clients see it, each entry naming its server and original name. */
  tools(): Array<Obj & { name: string; server: string; originalName: string }> {
    const cat = this.catalog;
    return cat.lists.tools.map((t) => {
      const r = cat.toolRoute.get(t.name as string)!;
      return { ...t, name: t.name as string, server: r.server, originalName: r.name };
    });
  }

  /**
   * Swap an autoscaled server's policy in place (a reload that only touched `autoscale`): its
   * replicas keep running. False when the server is unknown or not autoscaled.
   */
  updateAutoscale(name: string, policy: AutoscalePolicy): boolean {
    return this.servers.get(name)?.updateAutoscale(policy) ?? false;
  }

  /** Restart one server now (drop the connection, reconnect, re-list); resolves when it is back or failed. */
  async restartServer(name: string): Promise<void> {
    const s = this.servers.get(name);
    if (!s) throw new Error(`unknown server "${name}"`);
    await s.restartNow();
  }

  /**
   * Swap the tool groups (a reload of the stack's `groups`). Group sessions see the new definition
   * on their next request and are told their list changed; a session whose group is gone gets a
   * "no longer exists" answer from then on.
   */
  setGroups(groups: GroupMap | undefined): void {
    this.groups.replace(groups ?? {});
    this.pipeline.views.clear();
    this.broadcast(
      JSON.stringify({ jsonrpc: '2.0', method: LIST_CHANGED.tools }),
      (s) => s.group !== undefined,
    );
  }

  /**
   * Swap the call policies (a reload of `clients`, `limits`, ...). Live sessions get the new policy
   * on their next request; rate-limit buckets whose definition is unchanged keep their tokens.
   */
  setPolicies(policies: CallPolicies): void {
    const before = this.pipeline.policies;
    this.pipeline = this.buildPipeline(policies, this.pipeline);
    // Code mode switched on or off: the tool list is a different one.
    const codeModeFlipped = !before.codeMode !== !policies.codeMode;
    if (codeModeFlipped) this.broadcast(JSON.stringify({ jsonrpc: '2.0', method: LIST_CHANGED.tools }));
    if (JSON.stringify(before.clients) !== JSON.stringify(policies.clients)) {
      for (const kind of ['tools', 'prompts', 'resources'] as const) {
        this.broadcast(JSON.stringify({ jsonrpc: '2.0', method: LIST_CHANGED[kind] }));
      }
    }
  }

  /** Rate-limit buckets with their live state (the API's /api/limits, `gridctl limits`). */
  limits(): BucketState[] {
    return this.pipeline.limiter.snapshot();
  }

  /** Run a tools/call through the full pipeline on behalf of `session` (code mode's inner calls). */
  callToolAs(session: Session | undefined, params: Obj, inner: boolean, f?: InFlight): Promise<ToolResult> {
    return this.pipeline.handler(this.callContext(session, params, inner, f));
  }

  /** Live client sessions (for the API and tests). */
  listSessions(): SessionInfo[] {
    const scopes = this.pipeline.scopes;
    return [...this.sessions.all()].map((s) => ({
      id: s.id,
      transport: s.legacy ? 'sse' : 'streamable-http',
      protocolVersion: s.protocolVersion,
      client: s.clientInfo.name,
      accessId: s.accessId,
      scope: scopes.of(s.accessId).describe(),
      ...(s.group !== undefined ? { group: s.group } : {}),
      stream: s.hasStream,
      inflight: s.inflight.size,
      lastSeen: new Date(s.lastSeen).toISOString(),
    }));
  }

  /** Session counts: total, live, by client, evicted, expired, refused (status, API, metrics). */
  sessionStats(): SessionStats {
    return this.sessions.stats();
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  /** Stop listening, end every session and stop every upstream (SIGTERM, then SIGKILL). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.sessions.closeAll();
    const http = this.httpServer;
    const httpClosed = http
      ? new Promise<void>((resolve) => {
          http.close(() => resolve());
          http.closeAllConnections();
        })
      : Promise.resolve();
    await Promise.all([httpClosed, ...[...this.servers.values()].map((s) => s.close())]);
  }

  private addManaged(spec: ServerSpec): ManagedServer {
    validateServerName(spec.name);
    if (this.servers.has(spec.name)) throw new Error(`server "${spec.name}" is already registered`);
    const s = new ManagedServer(spec, {
      init: {
        clientInfo: { name: this.opts.name, version: this.opts.version },
        capabilities: { sampling: {}, elicitation: {}, roots: { listChanged: true } },
        protocolVersion: LATEST_VERSION,
      },
      logger: this.opts.logger,
      autoscale: this.opts.autoscale,
      onChange: (srv) => {
        if (this.servers.get(srv.name) === srv) this.rebuild();
      },
      onConnected: (srv) => this.onServerConnected(srv),
      onNotification: (srv, msg, ctx) => this.onUpstreamNotification(srv, msg, ctx),
      onRequest: (srv, msg, ctx) => this.onUpstreamRequest(srv, msg, ctx),
    });
    this.servers.set(spec.name, s);
    return s;
  }

  private readiness(): { status: number; body: unknown } {
    // A probe needs names and states only: reasons (which can quote commands and their output) stay
    // behind auth in /api/status.
    const pending: string[] = [];
    const failed: { name: string }[] = [];
    for (const s of this.servers.values()) {
      if (!s.registered) pending.push(s.name);
      else if (s.state === 'failed') failed.push({ name: s.name });
    }
    const ready = pending.length === 0;
    const body: Record<string, unknown> = { ready, stack: this.opts.stackName, gateway: this.opts.name };
    if (!ready) {
      body.pending = pending;
      body.message = `waiting for servers to register: ${pending.join(', ')}`;
    }
    if (failed.length > 0) body.failed = failed;
    return { status: ready ? 200 : 503, body };
  }

  // ---------------------------------------------------------------- catalog

  private rebuild(): void {
    const prev = this.catalog;
    const withheld = new Map<string, Route>();
    const next = new Catalog(
      [...this.servers.values()].map((s) => ({
        name: s.name,
        unprefixed: s.spec.unprefixed === true,
        available: s.healthy,
        hasResources: s.capabilities.resources !== undefined,
        tools: this.pinnedTools(s, withheld),
        prompts: s.prompts,
        resources: s.resources,
        templates: s.templates,
      })),
    );
    this.catalog = next;
    this.withheld = withheld;
    for (const s of this.servers.values()) {
      const c = next.collisions.get(s.name) ?? [];
      if (c.length > 0 && c.join() !== s.collisions.join()) {
        this.log?.warn('names already taken by an earlier server; not exposed', { server: s.name, names: c });
      }
      s.collisions = c;
    }
    const sent = new Set<string>();
    for (const kind of Object.keys(LIST_CHANGED) as ListKind[]) {
      const method = LIST_CHANGED[kind];
      if (prev.json[kind] === next.json[kind] || sent.has(method)) continue;
      sent.add(method);
      this.broadcast(JSON.stringify({ jsonrpc: '2.0', method }));
    }
  }

  /**
   * The server's tools minus those the pin guard withholds. A new listing (a new array) is handed to
   * the guard first, so drift is judged before clients can see the changed tools.
   */
  private pinnedTools(s: ManagedServer, withheld: Map<string, Route>): readonly Obj[] {
    const guard = this.opts.pins;
    if (!guard || !s.healthy) return s.tools;
    try {
      if (this.pinSeen.get(s.name) !== s.tools) {
        this.pinSeen.set(s.name, s.tools);
        guard.observe(s.name, s.tools, {
          enabled: s.spec.pinSchemas !== false,
          identity: s.spec.pinIdentity,
        });
      }
      const held = guard.withheld(s.name);
      if (held.size === 0) return s.tools;
      const unprefixed = s.spec.unprefixed === true;
      for (const name of held) withheld.set(exposedName(s.name, name, unprefixed), { server: s.name, name });
      return s.tools.filter((t) => !held.has(t.name as string));
    } catch (err) {
      this.log?.error('schema pinning failed; serving the tools unchecked', {
        server: s.name,
        error: messageOf(err),
      });
      return s.tools;
    }
  }

  private broadcast(json: string, filter?: (s: Session) => boolean): void {
    for (const s of this.sessions.all()) if (!filter || filter(s)) s.push(json);
  }

  private page(
    kind: ListKind,
    id: JsonRpcId,
    cursor: unknown,
    all: readonly Obj[] = this.catalog.lists[kind],
    json: string = this.catalog.json[kind],
  ): string {
    const offset = decodeCursor(kind, cursor);
    if (offset === 0 && all.length <= this.pageSize) {
      return `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"result":{"${kind}":${json}}}`;
    }
    const items = all.slice(offset, offset + this.pageSize);
    const result: Obj = { [kind]: items };
    if (offset + this.pageSize < all.length) result.nextCursor = encodeCursor(kind, offset + this.pageSize);
    return JSON.stringify({ jsonrpc: '2.0', id, result });
  }

  // ---------------------------------------------------------------- downstream

  private initialize(session: Session, params: Record<string, unknown> | undefined): unknown {
    const p = params ?? {};
    const requested = p.protocolVersion;
    session.protocolVersion =
      typeof requested === 'string' && SUPPORTED_VERSIONS.includes(requested) ? requested : LATEST_VERSION;
    if (p.clientInfo && typeof p.clientInfo === 'object')
      session.clientInfo = p.clientInfo as Session['clientInfo'];
    if (p.capabilities && typeof p.capabilities === 'object') {
      session.clientCapabilities = p.capabilities as Record<string, unknown>;
    }
    const result: Obj = {
      protocolVersion: session.protocolVersion,
      capabilities: {
        tools: { listChanged: true },
        prompts: { listChanged: true },
        resources: { subscribe: true, listChanged: true },
        logging: {},
        completions: {},
      },
      serverInfo: { name: this.opts.name, title: this.opts.name, version: this.opts.version },
    };
    if (session.group !== undefined) {
      const name = `${this.opts.name}/${session.group}`;
      result.serverInfo = { name, title: name, version: this.opts.version };
    }
    const instructions = this.instructions(session);
    if (instructions) result.instructions = instructions;
    return result;
  }

  private instructions(session: Session): string {
    const about = this.aboutTools(session);
    if (!this.pipeline.policies.codeMode) return about;
    return about ? `${CODE_MODE_INSTRUCTIONS}\n\n${about}` : CODE_MODE_INSTRUCTIONS;
  }

  private aboutTools(session: Session): string {
    const group = session.group;
    if (group !== undefined) {
      const view = this.groups.view(group, this.catalog);
      const about = this.groups.description(group);
      return `Tool group "${group}" of stack "${this.opts.stackName}": ${view?.tools.length ?? 0} tool(s) from the gateway's servers.${about ? ` ${about}` : ''}`;
    }
    // Only the servers the client may reach: a scoped client is not told what it cannot use.
    const scope = this.pipeline.scopes.of(session.accessId);
    const live = [...this.servers.values()].filter((s) => s.healthy && (scope.all || scope.server(s.name)));
    if (live.length === 0) return '';
    const lines = [
      `This gateway (stack "${this.opts.stackName}") aggregates ${live.length} MCP server(s): ${live
        .map((s) => `${s.name} (${s.tools.length} tools)`)
        .join(', ')}. Tools and prompts are named <server>${SEPARATOR}<name> unless a server is unprefixed.`,
    ];
    for (const s of live) if (s.instructions) lines.push(`\n## ${s.name}\n${s.instructions}`);
    return lines.join('\n');
  }

  private handleNotification(session: Session, msg: JsonRpcNotification): void {
    const p = msg.params;
    switch (msg.method) {
      case 'notifications/cancelled': {
        const f = session.inflight.get(sessionKey(p?.requestId));
        const reason = typeof p?.reason === 'string' ? p.reason : 'cancelled by the client';
        f?.abort.abort(new Error(reason));
        return;
      }
      case 'notifications/roots/list_changed':
        for (const s of this.servers.values()) if (s.healthy) s.notify(msg.method, p).catch(() => {});
        return;
      default:
        return; // initialized, progress for our requests, unknown: nothing to do
    }
  }

  private async handleRequest(
    session: Session,
    msg: JsonRpcRequest,
    push: (json: string) => boolean,
  ): Promise<string> {
    const f: InFlight = { session, id: msg.id, method: msg.method, abort: new AbortController(), push };
    const key = sessionKey(msg.id);
    session.inflight.set(key, f);
    try {
      const out = await this.dispatch(f, msg.params ?? {});
      return typeof out === 'string' ? out : JSON.stringify({ jsonrpc: '2.0', id: msg.id, result: out });
    } catch (err) {
      if (err instanceof RpcError) return errorJson(msg.id, err.code, err.message, err.data);
      this.log?.error('request failed', { method: msg.method, error: messageOf(err) });
      return errorJson(msg.id, ErrorCode.InternalError, `Internal error: ${messageOf(err)}`);
    } finally {
      if (session.inflight.get(key) === f) session.inflight.delete(key);
      this.untrack(f);
    }
  }

  /** Returns a result object, or a complete serialised response (list fast path). */
  private async dispatch(f: InFlight, p: Record<string, unknown>): Promise<unknown> {
    switch (f.method) {
      case 'ping':
        return {};
      case 'tools/list':
        return this.listPage('tools', f, p.cursor);
      case 'prompts/list':
        return this.listPage('prompts', f, p.cursor);
      case 'resources/list':
        return this.listPage('resources', f, p.cursor);
      case 'resources/templates/list':
        return this.listPage('resourceTemplates', f, p.cursor);
      case 'tools/call':
        return this.callTool(f, p);
      case 'prompts/get':
        return this.getPrompt(f, p);
      case 'resources/read':
        return this.readResource(f, p);
      case 'resources/subscribe':
        return this.subscribe(f.session, p, true);
      case 'resources/unsubscribe':
        return this.subscribe(f.session, p, false);
      case 'completion/complete':
        return this.complete(f, p);
      case 'logging/setLevel':
        return this.setLevel(f.session, p);
      default:
        throw new RpcError(ErrorCode.MethodNotFound, `Method not found: ${f.method}`);
    }
  }

  private server(name: string): ManagedServer {
    const s = this.servers.get(name);
    if (!s) throw new RpcError(ErrorCode.InvalidParams, `unknown server "${name}"`);
    return s;
  }

  /** The server that owns `name` when its entries are hidden because it is down. */
  private downOwner(name: string, kind: 'tools' | 'prompts'): ManagedServer | undefined {
    const sep = name.indexOf(SEPARATOR);
    if (sep > 0) {
      const s = this.servers.get(name.slice(0, sep));
      if (s && !s.healthy && !s.spec.unprefixed) return s;
    }
    for (const s of this.servers.values()) {
      if (!s.healthy && s.spec.unprefixed && s[kind].some((t) => t.name === name)) return s;
    }
    return undefined;
  }

  /** One page of what this session may see: its client scope, then its group. */
  private listPage(kind: ListKind, f: InFlight, cursor: unknown): string {
    const session = f.session;
    const view = this.pipeline.views.view(this.catalog, this.groups, session.accessId, session.group);
    if (!view) throw new RpcError(ErrorCode.InvalidRequest, groupGone(session.group as string));
    if (kind === 'tools' && this.pipeline.policies.codeMode) {
      return this.page(kind, f.id, cursor, CODE_MODE_TOOLS, CODE_MODE_TOOLS_JSON);
    }
    return this.page(kind, f.id, cursor, view.lists[kind], view.json[kind]);
  }

  private buildPipeline(policies: CallPolicies, previous?: CallPipeline): CallPipeline {
    return new CallPipeline(
      {
        groups: { view: (g) => this.groups.view(g, this.catalog) },
        router: { route: (name) => this.routeTool(name) },
        terminal: (ctx) => this.terminal(ctx),
        universe: (ctx, views) => views.view(this.catalog, this.groups, ctx.accessId, ctx.group)?.lists.tools,
        callInner: (outer, params, signal) => this.innerCall(outer, params, signal),
      },
      policies,
      previous,
    );
  }

  /**
   * A code-mode call: its own in-flight record, so parallel calls of one script are attributed and
   * cancelled one by one, ended by the script's end or the outer request's cancellation.
   */
  private async innerCall(outer: CallContext, params: Obj, signal: AbortSignal): Promise<ToolResult> {
    const f = outer.inflight;
    if (!f) return this.callToolAs(outer.session, params, true);
    const abort = new AbortController();
    const either = AbortSignal.any([f.abort.signal, signal]);
    either.addEventListener('abort', () => abort.abort(either.reason), { once: true });
    const inner: InFlight = { session: f.session, id: f.id, method: f.method, push: f.push, abort };
    try {
      return await this.callToolAs(outer.session, params, true, inner);
    } finally {
      this.untrack(inner);
    }
  }

  private callContext(session: Session | undefined, params: Obj, inner: boolean, f?: InFlight): CallContext {
    const name = params.name as string;
    return {
      session,
      inflight: f,
      accessId: session ? session.accessId : '',
      group: session?.group,
      requested: name,
      name,
      server: undefined,
      tool: undefined,
      params,
      inner,
    };
  }

  private callTool(f: InFlight, p: Record<string, unknown>): Promise<unknown> {
    if (typeof p.name !== 'string')
      throw new RpcError(ErrorCode.InvalidParams, 'tools/call: params.name must be a string');
    return this.pipeline.handler(this.callContext(f.session, p, false, f));
  }

  /** The owner of an exposed tool name: listed, withheld for drift, or on a server that is down. */
  private routeTool(name: string): { server: string; tool: string } | undefined {
    const r = this.catalog.toolRoute.get(name) ?? this.withheld.get(name);
    if (r) return { server: r.server, tool: r.name };
    const down = this.downOwner(name, 'tools');
    if (!down) return undefined;
    return {
      server: down.name,
      tool: down.spec.unprefixed ? name : name.slice(down.name.length + SEPARATOR.length),
    };
  }

  /** The end of the pipeline: drift and health checks, then the forward with its error shaping. */
  private async terminal(ctx: CallContext): Promise<ToolResult> {
    const name = ctx.name;
    const route = this.catalog.toolRoute.get(name);
    if (!route) {
      const held = this.withheld.get(name);
      if (held) return callError('TOOL_WITHHELD', { tool: name, server: held.server });
      const down = this.downOwner(name, 'tools');
      if (down?.state === 'needs auth')
        return callError('SERVER_NEEDS_AUTH', { server: down.name, tool: name });
      if (down) {
        return callError('SERVER_UNAVAILABLE', {
          reason: `${down.unavailableError().message}; tool "${name}" cannot run now`,
        });
      }
      throw rpcError('UNKNOWN_TOOL', { tool: name });
    }
    const s = this.servers.get(route.server);
    if (s?.state === 'needs auth') return callError('SERVER_NEEDS_AUTH', { server: s.name, tool: name });
    if (!s?.healthy) {
      return callError('SERVER_UNAVAILABLE', {
        reason: (s ?? this.server(route.server)).unavailableError().message,
      });
    }
    const f = ctx.inflight;
    if (!f) throw new RpcError(ErrorCode.InternalError, 'a tool call needs a request to relay for');
    const params = ctx.params.name === route.name ? ctx.params : { ...ctx.params, name: route.name };
    try {
      return (await this.forward(f, s, 'tools/call', params)) as ToolResult;
    } catch (err) {
      // The grant was revoked under a live session (src/oauth/upstream.ts NeedsAuthError).
      if ((err as RpcError).data && (err as { data: { code?: unknown } }).data.code === 'OAUTH_NEEDS_AUTH')
        return callError('SERVER_NEEDS_AUTH', { server: s.name, tool: name });
      if (err instanceof RpcError && !TRANSPORT_CODES.has(err.code)) {
        throw new RpcError(err.code, mentionServer(s.name, err), err.data);
      }
      return callError('UPSTREAM_FAILED', { tool: name, reason: mentionServer(s.name, err) });
    }
  }

  /** Prompts, resources, templates and completions are scoped by their server. */
  private checkScope(session: Session, kind: string, name: string, server: string): void {
    const id = session.accessId;
    const scope = this.pipeline.scopes.of(id);
    if (!scope.all && !scope.server(server)) {
      throw rpcError('SCOPE_DENIED_ENTRY', { kind, name, client: id || 'anonymous' });
    }
  }

  private async getPrompt(f: InFlight, p: Record<string, unknown>): Promise<unknown> {
    const name = p.name;
    if (typeof name !== 'string')
      throw new RpcError(ErrorCode.InvalidParams, 'prompts/get: params.name must be a string');
    const route = this.catalog.promptRoute.get(name);
    if (!route) {
      const down = this.downOwner(name, 'prompts');
      if (down) {
        this.checkScope(f.session, 'prompt', name, down.name);
        throw down.unavailableError();
      }
      throw new RpcError(ErrorCode.InvalidParams, `Unknown prompt: ${name}`);
    }
    this.checkScope(f.session, 'prompt', name, route.server);
    return this.forward(
      f,
      this.server(route.server),
      'prompts/get',
      route.name === name ? p : { ...p, name: route.name },
    );
  }

  private routeUri(
    uri: unknown,
    method: string,
    session: Session,
  ): { s: ManagedServer; uri: string; exposed: string } {
    if (typeof uri !== 'string')
      throw new RpcError(ErrorCode.InvalidParams, `${method}: params.uri must be a string`);
    const route = this.catalog.routeUri(uri);
    if (!route) {
      throw new RpcError(ErrorCode.ResourceNotFound, `Resource not found: no server provides "${uri}"`, {
        uri,
      });
    }
    this.checkScope(session, 'resource', uri, route.server);
    return { s: this.server(route.server), uri: route.name, exposed: uri };
  }

  private async readResource(f: InFlight, p: Record<string, unknown>): Promise<unknown> {
    const { s, uri, exposed } = this.routeUri(p.uri, 'resources/read', f.session);
    const result = (await this.forward(f, s, 'resources/read', uri === exposed ? p : { ...p, uri })) as Obj;
    if (uri !== exposed && Array.isArray(result?.contents)) {
      result.contents = result.contents.map((c: Obj) => (c && c.uri === uri ? { ...c, uri: exposed } : c));
    }
    return result;
  }

  private async subscribe(session: Session, p: Record<string, unknown>, on: boolean): Promise<unknown> {
    const method = on ? 'resources/subscribe' : 'resources/unsubscribe';
    const { s, uri } = this.routeUri(p.uri, method, session);
    const key = `${s.name}\0${uri}`;
    let set = this.subscribers.get(key);
    if (on) {
      if (session.subscriptions.has(key)) return {};
      const first = !set || set.size === 0;
      if (!set) {
        set = new Set();
        this.subscribers.set(key, set);
      }
      set.add(session);
      session.subscriptions.add(key);
      if (first) {
        try {
          await s.request(method, { ...p, uri });
        } catch (err) {
          set.delete(session);
          session.subscriptions.delete(key);
          if (set.size === 0) this.subscribers.delete(key);
          throw err instanceof RpcError
            ? err
            : new RpcError(ErrorCode.InternalError, mentionServer(s.name, err));
        }
      }
      return {};
    }
    session.subscriptions.delete(key);
    if (set?.delete(session) && set.size === 0) {
      this.subscribers.delete(key);
      await s.request(method, { ...p, uri }).catch(() => {});
    }
    return {};
  }

  private async complete(f: InFlight, p: Record<string, unknown>): Promise<unknown> {
    const ref = p.ref as Obj | undefined;
    if (!ref || typeof ref !== 'object')
      throw new RpcError(ErrorCode.InvalidParams, 'completion/complete: params.ref required');
    let server: ManagedServer;
    let newRef: Obj;
    if (ref.type === 'ref/prompt' && typeof ref.name === 'string') {
      const route = this.catalog.promptRoute.get(ref.name);
      if (!route) throw new RpcError(ErrorCode.InvalidParams, `Unknown prompt: ${ref.name}`);
      this.checkScope(f.session, 'prompt', ref.name, route.server);
      server = this.server(route.server);
      newRef = route.name === ref.name ? ref : { ...ref, name: route.name };
    } else if (ref.type === 'ref/resource' && typeof ref.uri === 'string') {
      const { s, uri } = this.routeUri(ref.uri, 'completion/complete', f.session);
      server = s;
      newRef = uri === ref.uri ? ref : { ...ref, uri };
    } else {
      throw new RpcError(
        ErrorCode.InvalidParams,
        'completion/complete: ref must be ref/prompt or ref/resource',
      );
    }
    if (server.healthy && server.capabilities.completions === undefined) {
      return { completion: { values: [], hasMore: false } };
    }
    return this.forward(f, server, 'completion/complete', newRef === ref ? p : { ...p, ref: newRef });
  }

  private async setLevel(session: Session, p: Record<string, unknown>): Promise<unknown> {
    const level = p.level;
    if (typeof level !== 'string' || !LOG_LEVELS.includes(level)) {
      throw new RpcError(
        ErrorCode.InvalidParams,
        `logging/setLevel: level must be one of ${LOG_LEVELS.join(', ')}`,
      );
    }
    session.logLevel = level;
    await Promise.allSettled([...this.servers.values()].map((s) => this.applyLogLevel(s)));
    return {};
  }

  /** Upstreams get the most verbose level any session asked for; sessions filter for themselves. */
  private applyLogLevel(s: ManagedServer): Promise<unknown> {
    let min = -1;
    for (const sess of this.sessions.all()) {
      const i = sess.logLevel === undefined ? -1 : LOG_LEVELS.indexOf(sess.logLevel);
      if (i >= 0 && (min === -1 || i < min)) min = i;
    }
    if (min === -1 || !s.healthy || s.capabilities.logging === undefined) return Promise.resolve();
    return s.request('logging/setLevel', { level: LOG_LEVELS[min] });
  }

  /** Send a request upstream on behalf of `f`: cancellation, progress and attribution wired. */
  private forward(
    f: InFlight,
    s: ManagedServer,
    method: string,
    params: Record<string, unknown>,
  ): Promise<unknown> {
    if (!s.healthy) return Promise.reject(s.unavailableError());
    f.server = s.name;
    let set = this.inflightByServer.get(s.name);
    if (!set) {
      set = new Set();
      this.inflightByServer.set(s.name, set);
    }
    set.add(f);
    const opts: UpstreamRequestOptions = {
      signal: f.abort.signal,
      onRequestId: (id) => {
        let m = this.byUpstreamId.get(s.name);
        if (!m) {
          m = new Map();
          this.byUpstreamId.set(s.name, m);
        }
        m.set(String(id), f);
        (f as InFlight & { upstreamId?: string }).upstreamId = String(id);
      },
    };
    const token = (params._meta as Obj | undefined)?.progressToken;
    if (typeof token === 'string' || typeof token === 'number') {
      opts.onProgress = (pp) => {
        const json = JSON.stringify({
          jsonrpc: '2.0',
          method: 'notifications/progress',
          params: { ...pp, progressToken: token },
        });
        if (!f.push(json)) f.session.push(json);
      };
    }
    return s.request(method, params, opts, f.session); // the session: replica affinity
  }

  private untrack(f: InFlight): void {
    if (!f.server) return;
    this.inflightByServer.get(f.server)?.delete(f);
    const uid = (f as InFlight & { upstreamId?: string }).upstreamId;
    if (uid !== undefined) {
      const m = this.byUpstreamId.get(f.server);
      if (m?.get(uid) === f) m.delete(uid);
    }
  }

  private onSessionClosed(session: Session): void {
    for (const key of session.subscriptions) {
      const set = this.subscribers.get(key);
      if (set?.delete(session) && set.size === 0) {
        this.subscribers.delete(key);
        const [server, uri] = key.split('\0') as [string, string];
        this.servers
          .get(server)
          ?.request('resources/unsubscribe', { uri })
          .catch(() => {});
      }
    }
    session.subscriptions.clear();
  }

  // ---------------------------------------------------------------- upstream

  /** The downstream request an upstream message belongs to: by id when known, else the newest call. */
  private related(s: ManagedServer, ctx: UpstreamMessageContext): InFlight | undefined {
    if (ctx.relatedRequestId !== undefined) {
      const f = this.byUpstreamId.get(s.name)?.get(String(ctx.relatedRequestId));
      if (f) return f;
    }
    const set = this.inflightByServer.get(s.name);
    let last: InFlight | undefined;
    if (set) for (const f of set) if (!f.session.closed) last = f;
    return last;
  }

  private onUpstreamNotification(
    s: ManagedServer,
    msg: JsonRpcNotification,
    ctx: UpstreamMessageContext,
  ): void {
    const p = msg.params;
    switch (msg.method) {
      case 'notifications/resources/updated': {
        const uri = p?.uri;
        if (typeof uri !== 'string') return;
        const set = this.subscribers.get(`${s.name}\0${uri}`);
        if (!set) return;
        const exposed = this.catalog.exposeUri(s.name, uri);
        const json = JSON.stringify(exposed === uri ? msg : { ...msg, params: { ...p, uri: exposed } });
        for (const sess of set) sess.push(json);
        return;
      }
      case 'notifications/message': {
        const json = JSON.stringify(msg);
        const f = this.related(s, ctx);
        if (f) {
          if (f.session.wantsLog(p?.level) && !f.push(json)) f.session.push(json);
          return;
        }
        this.broadcast(json, (sess) => sess.wantsLog(p?.level));
        return;
      }
      case 'notifications/progress':
        return; // progress for our calls arrives through onProgress; anything else has no owner
      default: {
        const f = this.related(s, ctx);
        if (!f) return;
        const json = JSON.stringify(msg);
        if (!f.push(json)) f.session.push(json);
      }
    }
  }

  private onUpstreamRequest(
    s: ManagedServer,
    msg: JsonRpcRequest,
    ctx: UpstreamMessageContext,
  ): Promise<unknown> {
    const cap =
      msg.method === 'sampling/createMessage'
        ? 'sampling'
        : msg.method === 'elicitation/create'
          ? 'elicitation'
          : msg.method === 'roots/list'
            ? 'roots'
            : undefined;
    let f = this.related(s, ctx);
    let session = f?.session;
    if (!session && cap === 'roots') {
      // roots describe the client, not a call: ask the most recently active client that has them.
      for (const sess of this.sessions.all()) {
        if (sess.clientCapabilities.roots !== undefined && (!session || sess.lastSeen >= session.lastSeen))
          session = sess;
      }
      f = undefined;
    }
    if (!session) {
      return Promise.reject(
        new RpcError(
          ErrorCode.InternalError,
          `no client session to handle ${msg.method} for server "${s.name}"`,
        ),
      );
    }
    if (cap && session.clientCapabilities[cap] === undefined) {
      return Promise.reject(
        new RpcError(
          ErrorCode.MethodNotFound,
          `the client (${session.clientInfo.name ?? 'unnamed'}) does not support ${cap}; ${msg.method} from server "${s.name}" cannot be relayed`,
        ),
      );
    }
    return session.request(msg.method, msg.params, s.timeoutMs, f);
  }

  private onServerConnected(s: ManagedServer): void {
    for (const key of this.subscribers.keys()) {
      const [server, uri] = key.split('\0') as [string, string];
      if (server === s.name) s.request('resources/subscribe', { uri }).catch(() => {});
    }
    this.applyLogLevel(s).catch(() => {});
  }
}

function groupGone(group: string): string {
  return `group "${group}" no longer exists (removed from the stack); reconnect to /mcp or to another group`;
}

function sessionKey(id: unknown): string {
  return `${typeof id}:${String(id)}`;
}
