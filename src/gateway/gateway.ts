// The gateway: many upstream servers behind one MCP endpoint. Owns the servers (registration,
// health, restart), the aggregated catalog, client sessions, and the relays in both directions.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { callError, rpcError } from '../errors/catalogue.js';
import { coded, internal } from '../errors/coded.js';
import type { Logger } from '../logging/logger.js';
import { callChannel, requestChannel, traced } from '../observability/channels.js';
import { traceparentOf } from '../observability/trace-context.js';
import {
  ErrorCode,
  type JsonRpcId,
  type JsonRpcNotification,
  type JsonRpcRequest,
  RpcError,
} from '../protocol/jsonrpc.js';
import { skillAllowed } from '../skills/policy.js';
import {
  EXTENSION_ID,
  extensionEntry,
  extensionUri,
  LEGACY_URI_PREFIX,
  manifestResourceEntry,
  parseExtensionUri,
  SKILL_MIME,
  SKILL_URI_PREFIX,
  skillPromptEntry,
  skillPromptResult,
  skillResourceEntry,
} from '../skills/render.js';
import {
  Catalog,
  type CatalogSource,
  decodeCursor,
  exposedName,
  type ListKind,
  type Obj,
  type Route,
  SEPARATOR,
  SKILLS_SOURCE,
} from './catalogue/catalog.js';
import { type GroupMap, Groups } from './catalogue/groups.js';
import { ListPages } from './catalogue/list-pages.js';
import {
  createHandler,
  errorJson,
  LATEST_VERSION,
  type McpCore,
  SUPPORTED_VERSIONS,
} from './downstream/http.js';
import { RequestGuard } from './downstream/origin.js';
import {
  type InFlight,
  LOG_LEVELS,
  openSse,
  type Session,
  type SessionStats,
  SessionStore,
} from './downstream/session.js';
import type { HeldSessionInfo } from './era/held-sessions.js';
import { HeldCall, MRTR_METHODS, paramsDigest, StateSigner } from './era/mrtr.js';
import { CACHEABLE, META, MODERN_VERSIONS, ModernCode, type ModernMeta } from './era/stateless.js';
import {
  createsTask,
  declaresTasks,
  TASK_ID_METHODS,
  TASKS_EXTENSION,
  TaskIds,
  tasksNotDeclared,
  taskTtlMs,
  unknownTask,
  wrapTaskIds,
} from './era/tasks.js';
import {
  CODE_MODE_INSTRUCTIONS,
  CODE_MODE_TOOLS,
  CODE_MODE_TOOLS_JSON,
} from './pipeline/code-mode/code-mode.js';
import { CallPipeline, type CallPolicies } from './pipeline/pipeline.js';
import type { BucketState } from './pipeline/rate-limit/rate-limit.js';
import type { ScopeSummary } from './pipeline/scope/scope.js';
import type { CallContext, ToolResult } from './pipeline/types.js';
import { Relay } from './relay/relay.js';
import { type CacheHint, ManagedServer, messageOf, minHint } from './servers/managed-server.js';
import type { AutoscalePolicy, GatewayOptions, ServerSpec, ServerStatus, SourceSkill } from './types.js';

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

/** How long a stateless client stays listed after its last request; how many are listed at most. */
const STATELESS_SEEN_MS = 10 * 60_000;
const STATELESS_SEEN_MAX = 256;
const SERVER_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export function validateServerName(name: string): void {
  if (!SERVER_NAME.test(name) || name.includes(SEPARATOR) || name.endsWith('_')) {
    throw coded(
      'SERVER_NAME_INVALID',
      `invalid server name "${name}": use letters, digits, ".", "_" or "-", without "${SEPARATOR}" and not ending in "_"`,
    );
  }
}

export interface SessionInfo {
  id: string;
  transport: 'streamable-http' | 'sse';
  /** `handshake`: a 2025-era session (initialize, Mcp-Session-Id); `stateless`: a 2026-07-28 client. */
  era: 'handshake' | 'stateless';
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
  /** Serialised list pages per (catalogue generation, client view): a warm listing is a Map hit. */
  private readonly pages: ListPages;
  private httpServer: Server | undefined;
  /** `server\0uri` → subscribed sessions. */
  private readonly subscribers = new Map<string, Set<Session>>();
  /** In-flight registry and upstream→client routing (relay/relay.ts). */
  private readonly relay: Relay;
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
  /** The skills served now (after the stack's policy), by name. */
  private skills = new Map<string, SourceSkill>();
  private readonly unwatchSkills: (() => void) | undefined;
  /** Stateless clients seen lately (listStatelessClients), least recently seen first. */
  private readonly statelessSeen = new Map<
    string,
    {
      id: string;
      client: string | undefined;
      accessId: string;
      protocolVersion: string;
      group: string | undefined;
      lastSeen: number;
      inflight: number;
      listening: number;
    }
  >();
  /** Modern-era calls held open between input_required rounds, by held-call id. */
  private readonly held = new Map<string, { call: HeldCall; f: InFlight }>();
  private readonly signer = new StateSigner();
  /** The taskIds clients see: owner, the owner's taskId and the principal, signed (era/tasks.ts). */
  private readonly taskIds = new TaskIds();
  /** Open subscriptions/listen streams (modern clients), each a stand-in session with a stream. */
  private readonly listeners = new Set<Session>();
  /** Catalogues of principals whose held sessions show lists of their own (dropped on rebuild). */
  private readonly principalCatalogs = new Map<string, Catalog>();
  /** Principals with such lists: the one check a stateless call pays. */
  private readonly ownLists = new Set<string>();

  constructor(private readonly opts: GatewayOptions) {
    this.log = opts.logger?.child({ component: 'gateway' });
    this.pageSize = Math.max(1, opts.pageSize ?? 1000);
    this.pages = new ListPages(this.pageSize);
    this.sessions = new SessionStore(
      opts.sessionIdleMs,
      opts.maxSessions,
      (s) => this.relay.sessionClosed(s),
      opts.maxSessionsPerClient,
    );
    this.groups = new Groups(opts.groups);
    this.relay = new Relay({
      source: this,
      servers: this.servers,
      sessions: this.sessions,
      subscribers: this.subscribers,
      exposeUri: (server, uri) => this.catalog.exposeUri(server, uri),
      broadcast: (json, filter) => this.broadcast(json, filter),
      log: this.log,
    });
    this.pipeline = this.buildPipeline(opts.policies ?? {});
    for (const spec of opts.servers) this.addManaged(spec);
    // Skills are local: in the catalog from the start, and again whenever the registry changes.
    this.unwatchSkills = opts.skills?.onChange(() => this.rebuild());
    if (opts.skills) this.rebuild();
    const guard = new RequestGuard(opts.allowedHosts, opts.allowedOrigins);
    this.core = {
      sessions: this.sessions,
      guard,
      maxBodyBytes: opts.maxBodyBytes ?? 8 * 1024 * 1024,
      maxBatch: opts.maxBatch ?? 50,
      hasGroup: (name) => this.groups.has(name),
      initialize: (s, p) => this.initialize(s, p),
      handleRequest: (s, m, push, tp) => this.handleRequest(s, m, push, tp),
      handleNotification: (s, m) => this.handleNotification(s, m),
      allVersions: [...MODERN_VERSIONS, ...SUPPORTED_VERSIONS],
      toolDefinition: (name, group) => this.toolDefinition(name, group),
      handleStateless: (s, m, meta, push) => this.handleStateless(s, m, meta, push),
      noteStateless: (s, listen) => this.noteStateless(s, listen),
      listen: (s, m, res) => this.serveListen(s, m, res),
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
    if (this.httpServer) throw internal('gateway is already listening');
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
    if (!s) throw coded('SERVER_UNKNOWN', `unknown server "${name}"`);
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
    if (JSON.stringify(before.skills) !== JSON.stringify(policies.skills)) this.rebuild();
    if (JSON.stringify(before.clients) !== JSON.stringify(policies.clients)) {
      for (const kind of ['tools', 'prompts', 'resources'] as const) {
        this.broadcast(JSON.stringify({ jsonrpc: '2.0', method: LIST_CHANGED[kind] }));
      }
    }
  }

  /** Whether code mode is on (gateway.code_mode or `apply --code-mode`). */
  codeModeOn(): boolean {
    return this.pipeline.policies.codeMode !== undefined;
  }

  /** Names of the skills served now (active, valid, allowed by the stack's `skills:` policy). */
  servedSkills(): string[] {
    return [...this.skills.keys()];
  }

  /** Rate-limit buckets with their live state (the API's /api/limits, `gridctl limits`). */
  limits(): BucketState[] {
    return this.pipeline.limiter.snapshot();
  }

  /** Run a tools/call through the full pipeline on behalf of `session` (code mode's inner calls). */
  callToolAs(session: Session | undefined, params: Obj, inner: boolean, f?: InFlight): Promise<ToolResult> {
    return this.runCall(this.callContext(session, params, inner, f));
  }

  /** A tools/call through the pipeline, observable on the call channel. */
  private runCall(ctx: CallContext): Promise<ToolResult> {
    return traced(
      callChannel,
      () => ({ source: this, ctx, startedAt: performance.now() }),
      () => this.pipeline.handler(ctx),
    );
  }

  /** Live client sessions (for the API and tests). */
  listSessions(): SessionInfo[] {
    const scopes = this.pipeline.scopes;
    return [...this.sessions.all()].map((s) => ({
      id: s.id,
      transport: s.legacy ? 'sse' : 'streamable-http',
      era: 'handshake' as const,
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

  /**
   * Stateless (2026-07-28) clients seen lately: they have no session, so each (client id, client
   * name, version) that sent a request in the last STATELESS_SEEN_MS is listed as one, with the
   * requests it has open now.
   */
  listStatelessClients(now = Date.now()): SessionInfo[] {
    const scopes = this.pipeline.scopes;
    const out: SessionInfo[] = [];
    for (const [key, c] of this.statelessSeen) {
      if (c.inflight === 0 && now - c.lastSeen > STATELESS_SEEN_MS) {
        this.statelessSeen.delete(key);
        continue;
      }
      out.push({
        id: c.id,
        transport: 'streamable-http',
        era: 'stateless',
        protocolVersion: c.protocolVersion,
        client: c.client,
        accessId: c.accessId,
        scope: scopes.of(c.accessId).describe(),
        ...(c.group !== undefined ? { group: c.group } : {}),
        stream: c.listening > 0,
        inflight: c.inflight,
        lastSeen: new Date(c.lastSeen).toISOString(),
      });
    }
    return out;
  }

  /** Count one stateless request of this client until the returned call. */
  private noteStateless(s: Session, listen = false): () => void {
    const key = [s.accessId, s.clientInfo.name ?? '', s.protocolVersion, s.group ?? ''].join('\0');
    let c = this.statelessSeen.get(key);
    if (!c) {
      c = {
        id: `stateless-${createHash('sha256').update(key).digest('hex').slice(0, 24)}`,
        client: s.clientInfo.name,
        accessId: s.accessId,
        protocolVersion: s.protocolVersion,
        group: s.group,
        lastSeen: 0,
        inflight: 0,
        listening: 0,
      };
      // Bounded: the oldest entry makes room (insertion order is recency: see below).
      if (this.statelessSeen.size >= STATELESS_SEEN_MAX) {
        const oldest = this.statelessSeen.keys().next().value;
        if (oldest !== undefined) this.statelessSeen.delete(oldest);
      }
    } else this.statelessSeen.delete(key);
    this.statelessSeen.set(key, c);
    const entry = c;
    entry.lastSeen = Date.now();
    entry.inflight++;
    if (listen) entry.listening++;
    let once = false;
    return () => {
      if (once) return;
      once = true;
      entry.inflight--;
      if (listen) entry.listening--;
      entry.lastSeen = Date.now();
    };
  }

  /** The upstream sessions held per principal for stateless clients on one server (tests, status). */
  heldSessions(server: string): HeldSessionInfo[] {
    return this.servers.get(server)?.heldSessions?.list() ?? [];
  }

  /** Session counts: total, live, by client, evicted, expired, refused (status, API, metrics). */
  sessionStats(): SessionStats {
    return this.sessions.stats();
  }

  /** List pages serialised so far: a listing of an unchanged catalogue adds none (tests, bench). */
  get listPagesSerialised(): number {
    return this.pages.built;
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  /** Stop listening, end every session and stop every upstream (SIGTERM, then SIGKILL). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.unwatchSkills?.();
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
    if (this.servers.has(spec.name)) throw internal(`server "${spec.name}" is already registered`);
    const s = new ManagedServer(spec, {
      init: {
        clientInfo: { name: this.opts.name, version: this.opts.version },
        capabilities: { sampling: {}, elicitation: {}, roots: { listChanged: true } },
        protocolVersion: LATEST_VERSION,
      },
      logger: this.opts.logger,
      autoscale: this.opts.autoscale,
      ...(this.opts.heldSessions !== false ? { heldSessions: this.opts.heldSessions ?? {} } : {}),
      onChange: (srv) => {
        if (this.servers.get(srv.name) === srv) this.rebuild();
      },
      onConnected: (srv) => this.onServerConnected(srv),
      onHeldLists: (srv, principal) => {
        if (this.servers.get(srv.name) === srv) this.heldListsChanged(principal);
      },
      onNotification: (srv, msg, ctx) => this.relay.onUpstreamNotification(srv, msg, ctx),
      onRequest: (srv, msg, ctx) => this.relay.onUpstreamRequest(srv, msg, ctx),
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

  /**
   * What the catalogue is built from: every server's lists, or, for `principal`, the lists its
   * held sessions show where they differ (a server whose lists change per session).
   */
  private sources(withheld: Map<string, Route>, principal?: string) {
    return [...this.servers.values()].map((s) => {
      const own = principal === undefined ? undefined : s.heldListsOf(principal);
      return {
        name: s.name,
        unprefixed: s.spec.unprefixed === true,
        available: s.healthy,
        hasResources: s.capabilities.resources !== undefined,
        tools: this.pinnedTools(s, withheld, own?.tools),
        prompts: own?.prompts ?? s.prompts,
        resources: own?.resources ?? s.resources,
        templates: own?.templates ?? s.templates,
      };
    });
  }

  /**
   * The catalogue a session lists and is routed by: the shared one, or its principal's own when
   * one of its held sessions changed a list (stateless clients only: they are the ones held).
   */
  private catalogFor(session: Session | undefined): Catalog {
    if (!session?.stateless) return this.catalog;
    const principal = session.accessId;
    if (!this.ownLists.has(principal)) return this.catalog;
    const hit = this.principalCatalogs.get(principal);
    if (hit) return hit;
    const cat = this.buildCatalog(this.sources(new Map(), principal), this.skills);
    this.principalCatalogs.set(principal, cat);
    return cat;
  }

  /** A held session's lists changed for `principal`: its listen streams hear what differs. */
  private heldListsChanged(principal: string): void {
    const probe = { stateless: true, accessId: principal } as Session;
    const before = this.catalogFor(probe);
    this.principalCatalogs.delete(principal);
    this.ownLists.delete(principal);
    for (const s of this.servers.values()) if (s.heldListsOf(principal)) this.ownLists.add(principal);
    const after = this.catalogFor(probe);
    for (const kind of Object.keys(LIST_CHANGED) as ListKind[]) {
      if (before.json[kind] === after.json[kind]) continue;
      const json = JSON.stringify({ jsonrpc: '2.0', method: LIST_CHANGED[kind] });
      for (const l of this.listeners) {
        if (l.accessId === principal && l.listen?.methods.has(LIST_CHANGED[kind])) l.push(json);
      }
    }
  }

  /** The catalogue of `sources`, with the served skills after the servers. */
  private buildCatalog(sources: CatalogSource[], skills: Map<string, SourceSkill>): Catalog {
    // After the servers: adding a skill never takes a name an unprefixed server already serves.
    if (skills.size > 0) {
      const list = [...skills.values()];
      sources.push({
        name: SKILLS_SOURCE,
        unprefixed: true,
        available: true,
        // Their URIs are listed exactly; no fallback routing of other URIs to the registry.
        hasResources: false,
        tools: [],
        prompts: list.map(skillPromptEntry),
        // The reference's skills://registry/<name>, then the skills extension's skill://<name>/SKILL.md.
        resources: [
          ...list.map(skillResourceEntry),
          ...list.filter((s) => s.manifest).map(manifestResourceEntry),
        ],
        templates: [],
      });
    }
    return new Catalog(sources);
  }

  private rebuild(): void {
    const prev = this.catalog;
    const withheld = new Map<string, Route>();
    const skills = this.allowedSkills();
    const sources = this.sources(withheld);
    const next = this.buildCatalog(sources, skills);
    this.principalCatalogs.clear();
    this.ownLists.clear();
    for (const s of this.servers.values()) for (const p of s.heldListPrincipals) this.ownLists.add(p);
    this.catalog = next;
    this.withheld = withheld;
    const skillCollisions = next.collisions.get(SKILLS_SOURCE) ?? [];
    if (skillCollisions.length > 0) {
      this.log?.warn('skills not served: an unprefixed server already has prompts of these names', {
        names: skillCollisions,
      });
    }
    this.notifySkillEdits(this.skills, skills);
    this.skills = skills;
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

  /** The registry's skills that the stack's `skills:` policy lets through. */
  private allowedSkills(): Map<string, SourceSkill> {
    const out = new Map<string, SourceSkill>();
    const policy = this.pipeline.policies.skills;
    const held = this.withheldSkills();
    for (const s of this.opts.skills?.served() ?? []) {
      if (!out.has(s.name) && !held.has(s.name) && skillAllowed(policy, s.name)) out.set(s.name, s);
    }
    return out;
  }

  /**
   * Skill pins: the registry's skills go to the pin guard like a server's tools (under the name
   * SKILLS_SOURCE), so a skill whose text changed is drift, withheld in block mode until approved.
   */
  private withheldSkills(): ReadonlySet<string> {
    const guard = this.opts.pins;
    const defs = this.opts.skills?.pinDefinitions?.();
    if (!guard || !defs) return new Set();
    // No skills and none ever pinned: nothing to pin, and no empty entry in every stack's pins.
    if (defs.length === 0 && guard.has?.(SKILLS_SOURCE) === false) return new Set();
    try {
      if (this.pinSeen.get(SKILLS_SOURCE) !== defs) {
        this.pinSeen.set(SKILLS_SOURCE, defs);
        guard.observe(SKILLS_SOURCE, defs, { enabled: true, identity: 'skills-registry' });
      }
      return guard.withheld(SKILLS_SOURCE);
    } catch (err) {
      this.log?.error('skill pinning failed; serving the skills unchecked', { error: messageOf(err) });
      return new Set();
    }
  }

  /** Sessions subscribed to a skill whose text changed are told (resources/updated). */
  private notifySkillEdits(
    before: ReadonlyMap<string, { body: string }>,
    after: ReadonlyMap<string, { body: string }>,
  ): void {
    for (const [name, s] of after) {
      const old = before.get(name);
      if (!old || old.body === s.body) continue;
      for (const uri of [`${SKILL_URI_PREFIX}${name}`, `${LEGACY_URI_PREFIX}${name}`]) {
        const set = this.subscribers.get(`${SKILLS_SOURCE}\0${uri}`);
        if (!set) continue;
        const json = JSON.stringify({
          jsonrpc: '2.0',
          method: 'notifications/resources/updated',
          params: { uri },
        });
        for (const sess of set) sess.push(json);
      }
    }
  }

  /**
   * The skill a URI names, and the file for skill:// URIs: a listed skills:// URI, the legacy
   * prompt://<name>, or skill://<name>/<file> of a served skill (the skills extension).
   */
  private skillOf(uri: unknown): string | undefined {
    return this.skillRef(uri)?.name;
  }

  private skillRef(uri: unknown): { name: string; path?: string } | undefined {
    if (typeof uri !== 'string') return undefined;
    const listed = this.catalog.uriRoute.get(uri);
    if (listed && listed.server !== SKILLS_SOURCE) return undefined;
    if (uri.startsWith(SKILL_URI_PREFIX)) {
      const name = uri.slice(SKILL_URI_PREFIX.length);
      return this.skills.has(name) ? { name } : undefined;
    }
    if (uri.startsWith(LEGACY_URI_PREFIX)) {
      const name = uri.slice(LEGACY_URI_PREFIX.length);
      return this.skills.has(name) ? { name } : undefined;
    }
    const ext = parseExtensionUri(uri);
    if (ext && this.skills.get(ext.name)?.manifest?.files.some((f) => f.path === ext.path)) return ext;
    return undefined;
  }

  /** skills/list (the MCP skills extension): every served skill the session may see, paged. */
  private listSkills(f: InFlight, cursor: unknown): unknown {
    const scope = this.pipeline.scopes.of(f.session.accessId);
    const all = scope.server(SKILLS_SOURCE) ? [...this.skills.values()].filter((s) => s.manifest) : [];
    const offset = decodeSkillCursor(cursor);
    const page = all.slice(offset, offset + this.pageSize);
    const result: Obj = { skills: page.map(extensionEntry) };
    if (offset + this.pageSize < all.length) result.nextCursor = encodeSkillCursor(offset + this.pageSize);
    return result;
  }

  /** skills/get: one skill's entry by its SKILL.md URI; -32602 for anything this gateway does not serve. */
  private getSkill(f: InFlight, p: Record<string, unknown>): unknown {
    const uri = p.uri;
    if (typeof uri !== 'string')
      throw new RpcError(ErrorCode.InvalidParams, 'skills/get: params.uri must be a string');
    const ref = parseExtensionUri(uri);
    const skill = ref?.path === 'SKILL.md' ? this.skills.get(ref.name) : undefined;
    if (!skill?.manifest || extensionUri(skill.name) !== uri)
      throw new RpcError(ErrorCode.InvalidParams, `skills/get: no skill is served at ${uri}`, { uri });
    this.checkScope(f.session, 'skill', uri, SKILLS_SOURCE);
    return { skill: extensionEntry(skill) };
  }

  /**
   * The server's tools minus those the pin guard withholds. A new listing (a new array) is handed to
   * the guard first, so drift is judged before clients can see the changed tools.
   */
  private pinnedTools(
    s: ManagedServer,
    withheld: Map<string, Route>,
    tools: readonly Obj[] = s.tools,
  ): readonly Obj[] {
    // A held session's own list is checked against the same pins: a per-session list is no way round them.
    const guard = this.opts.pins;
    if (!guard || !s.healthy) return tools;
    try {
      if (this.pinSeen.get(s.name) !== tools) {
        this.pinSeen.set(s.name, tools);
        guard.observe(s.name, tools, {
          enabled: s.spec.pinSchemas !== false,
          identity: s.spec.pinIdentity,
        });
      }
      const held = guard.withheld(s.name);
      if (held.size === 0) return tools;
      const unprefixed = s.spec.unprefixed === true;
      for (const name of held) withheld.set(exposedName(s.name, name, unprefixed), { server: s.name, name });
      return tools.filter((t) => !held.has(t.name as string));
    } catch (err) {
      this.log?.error('schema pinning failed; serving the tools unchecked', {
        server: s.name,
        error: messageOf(err),
      });
      return tools;
    }
  }

  private broadcast(json: string, filter?: (s: Session) => boolean): void {
    for (const s of this.sessions.all()) if (!filter || filter(s)) s.push(json);
    if (this.listeners.size === 0) return;
    const method = (JSON.parse(json) as { method?: string }).method ?? '';
    for (const l of this.listeners) if (l.listen?.methods.has(method) && (!filter || filter(l))) l.push(json);
  }

  /**
   * subscriptions/listen: acknowledge the subset we honour (every list kind; resource URIs the
   * client may read and some server owns, subscribed upstream with reference counts), then keep
   * the stream open with keep-alives; every message carries the subscription id. Closing the
   * stream ends the subscription and drops its upstream subscriptions.
   */
  private async serveListen(session: Session, msg: JsonRpcRequest, res: ServerResponse): Promise<void> {
    const asked = (msg.params?.notifications ?? {}) as Obj;
    const kinds: Array<[string, string]> = [
      ['toolsListChanged', LIST_CHANGED.tools],
      ['promptsListChanged', LIST_CHANGED.prompts],
      ['resourcesListChanged', LIST_CHANGED.resources],
    ];
    const ack: Obj = {};
    const methods = new Set<string>();
    for (const [field, method] of kinds) {
      if (asked[field] !== true) continue;
      ack[field] = true;
      methods.add(method);
    }
    const subscriptionId = msg.id;
    const tag = (json: string) => {
      const m = JSON.parse(json) as Obj;
      const params = (m.params ?? {}) as Obj;
      const meta = (params._meta ?? {}) as Obj;
      return JSON.stringify({
        ...m,
        params: { ...params, _meta: { ...meta, [META.subscriptionId]: subscriptionId } },
      });
    };
    const uris = Array.isArray(asked.resourceSubscriptions)
      ? asked.resourceSubscriptions.filter((u): u is string => typeof u === 'string')
      : [];
    const accepted: string[] = [];
    for (const uri of uris) {
      // Subscribing needs the stand-in to be known as a subscriber: its stream comes next.
      if (
        await this.subscribe(session, { uri }, true).then(
          () => true,
          () => false,
        )
      )
        accepted.push(uri);
    }
    if (accepted.length > 0) {
      ack.resourceSubscriptions = accepted;
      methods.add('notifications/resources/updated');
    }
    session.listen = { methods, tag };
    const end = () => {
      if (!this.listeners.delete(session)) return;
      this.relay.sessionClosed(session);
      session.close();
    };
    res.on('close', end);
    if (res.destroyed) return end();
    openSse(res);
    session.attachStream(res, 15_000);
    session.push(
      JSON.stringify({
        jsonrpc: '2.0',
        method: 'notifications/subscriptions/acknowledged',
        params: { notifications: ack },
      }),
    );
    this.listeners.add(session);
  }

  private page(
    kind: ListKind,
    id: JsonRpcId,
    cursor: unknown,
    view: object = this.catalog,
    all: readonly Obj[] = this.catalog.lists[kind],
    json: string = this.catalog.json[kind],
  ): string {
    const offset = decodeCursor(kind, cursor);
    const result = this.pages.result(view, kind, offset, all, json);
    return `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"result":${result}}`;
  }

  // ---------------------------------------------------------------- downstream

  private initialize(session: Session, params: Record<string, unknown> | undefined): unknown {
    const p = params ?? {};
    const requested = p.protocolVersion;
    session.protocolVersion =
      typeof requested === 'string' && SUPPORTED_VERSIONS.includes(requested) ? requested : LATEST_VERSION;
    if (typeof requested === 'string' && MODERN_VERSIONS.includes(requested)) {
      // The handshake's own negotiation: the newest handshake version is the counter-offer. The
      // modern era is served per request (with `_meta`), never inside an initialize session.
      this.log?.info(
        'initialize asked for a stateless-era version; answered with the newest handshake version',
        {
          requested,
          answered: session.protocolVersion,
          client: (p.clientInfo as { name?: unknown } | undefined)?.name,
        },
      );
    }
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
    // The MCP skills extension (SEP-2640): skills/list, skills/get and skill:// resources.
    if (this.opts.skills) (result.capabilities as Obj).extensions = { [EXTENSION_ID]: {} };
    // Tasks (2025-11-25, experimental): routed to their owner, so offered when any server has them.
    const v1Tasks = this.taskServers('tasks').length > 0;
    if (v1Tasks)
      (result.capabilities as Obj).tasks = { list: {}, cancel: {}, requests: { tools: { call: {} } } };
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
    traceparent?: string,
  ): Promise<string> {
    const f: InFlight = { session, id: msg.id, method: msg.method, abort: new AbortController(), push };
    const key = sessionKey(msg.id);
    session.inflight.set(key, f);
    const params = msg.params ?? {};
    try {
      const out = await traced(
        requestChannel,
        () => ({
          source: this,
          f,
          params,
          traceparent: traceparentOf(params, traceparent),
          startedAt: performance.now(),
        }),
        () => this.dispatch(f, params),
      );
      return typeof out === 'string' ? out : JSON.stringify({ jsonrpc: '2.0', id: msg.id, result: out });
    } catch (err) {
      if (err instanceof RpcError) return errorJson(msg.id, err.code, err.message, err.data);
      this.log?.error('request failed', { method: msg.method, error: messageOf(err) });
      return errorJson(msg.id, ErrorCode.InternalError, `Internal error: ${messageOf(err)}`);
    } finally {
      if (session.inflight.get(key) === f) session.inflight.delete(key);
      this.relay.untrack(f);
    }
  }

  // ---------------------------------------------------------------- modern era (2026-07-28)

  /** A listed tool as this caller's view has it (scope and group applied), by exposed name. */
  private toolDefinition(name: string, group: string | undefined): unknown {
    const tools =
      group === undefined ? this.catalog.lists.tools : this.groups.view(group, this.catalog)?.tools;
    return tools?.find((t) => t.name === name);
  }

  /** What server/discover and every result's `_meta` say about the gateway. */
  private serverInfo(session: Session): Obj {
    const name = session.group === undefined ? this.opts.name : `${this.opts.name}/${session.group}`;
    return { name, title: name, version: this.opts.version };
  }

  /**
   * Caching hints for a cacheable result. The gateway's lists are aggregated from upstreams that
   * give no TTL (handshake-era servers), so they are immediately stale (0): clients refetch, and
   * list changes never wait out a TTL. A `clients:` block makes lists differ per caller: private.
   */
  private cacheHints(method: string, result?: Obj): CacheHint {
    const kind: ListKind | undefined =
      method === 'tools/list'
        ? 'tools'
        : method === 'prompts/list'
          ? 'prompts'
          : method === 'resources/list'
            ? 'resources'
            : method === 'resources/templates/list'
              ? 'resourceTemplates'
              : undefined;
    let hint: CacheHint | undefined;
    if (method === 'resources/read') {
      // The answering server's own hint, when it gave one.
      const ttl = result?.ttlMs;
      if (typeof ttl === 'number' && ttl >= 0)
        hint = { ttlMs: ttl, cacheScope: result?.cacheScope === 'public' ? 'public' : 'private' };
    } else {
      const kinds: ListKind[] = kind ? [kind] : ['tools', 'prompts', 'resources', 'resourceTemplates'];
      let first = true;
      for (const s of this.servers.values()) {
        if (!s.healthy) continue;
        for (const k of kinds) {
          const h = s.hints[k === 'resourceTemplates' ? 'templates' : k];
          hint = first ? h : minHint(hint, h);
          first = false;
        }
      }
    }
    const h = hint ?? { ttlMs: 0, cacheScope: 'public' as const };
    return {
      ttlMs: h.ttlMs,
      cacheScope: h.cacheScope === 'public' && this.pipeline.scopes.open ? 'public' : 'private',
    };
  }

  private discover(session: Session): Obj {
    const result: Obj = {
      supportedVersions: [...MODERN_VERSIONS, ...SUPPORTED_VERSIONS],
      capabilities: {
        tools: { listChanged: true },
        prompts: { listChanged: true },
        resources: { subscribe: true, listChanged: true },
        completions: {},
        logging: {},
      },
    };
    const extensions: Obj = {};
    if (this.opts.skills) extensions[EXTENSION_ID] = {};
    if (this.taskServers('extension').length > 0) extensions[TASKS_EXTENSION] = {};
    if (Object.keys(extensions).length > 0) (result.capabilities as Obj).extensions = extensions;
    const instructions = this.instructions(session);
    if (instructions) result.instructions = instructions;
    return result;
  }

  /**
   * One modern-era request: the same dispatch (and call pipeline) as a session's, results shaped
   * for 2026-07-28. A handshake-era upstream asking the client something mid-call turns the answer
   * into an input_required round; the retry carrying our requestState resumes the held call.
   */
  private async handleStateless(
    session: Session,
    msg: JsonRpcRequest,
    _meta: ModernMeta,
    push: (json: string) => boolean,
  ): Promise<{ status: number; json: string }> {
    const params = msg.params ?? {};
    const key = sessionKey(msg.id);
    const serverInfo = this.serverInfo(session);
    const metaOut = (r: Obj): Obj => {
      const m = r._meta && typeof r._meta === 'object' ? (r._meta as Obj) : {};
      return { ...m, [META.serverInfo]: serverInfo };
    };
    try {
      if (msg.method === 'server/discover') {
        const r = this.discover(session);
        const result = { ...r, resultType: 'complete', ...this.cacheHints(msg.method), _meta: metaOut({}) };
        return { status: 200, json: JSON.stringify({ jsonrpc: '2.0', id: msg.id, result }) };
      }
      const resumed = this.resume(session, msg, params);
      if (resumed && 'relay' in resumed) {
        return this.handleStateless(session, { ...msg, params: resumed.relay }, _meta, push);
      }
      const call = resumed?.call ?? new HeldCall();
      call.push = push;
      let f = resumed?.f;
      if (!f) {
        const held = call;
        const mrtr = MRTR_METHODS.has(msg.method);
        const fresh: InFlight = {
          session,
          id: msg.id,
          method: msg.method,
          abort: new AbortController(),
          push: (j) => held.push(j),
          ...(mrtr ? { ask: (m: string, p: Obj | undefined) => held.ask(m, p) } : {}),
          fail: (err) => {
            held.settle({ kind: 'error', error: err });
            fresh.abort.abort(new Error(err.message));
          },
        };
        f = fresh;
        this.dispatch(fresh, params)
          .then(
            (value) => held.settle({ kind: 'done', value }),
            (error) => held.settle({ kind: 'error', error }),
          )
          .finally(() => this.relay.untrack(fresh));
      }
      // This request's stream now carries the call: its close cancels it (and upstream).
      session.inflight.set(key, f);
      const round = await call.round(f.abort.signal);
      if (round.kind === 'input') {
        const requestState = this.hold(call, f, session.accessId, msg.method, params);
        const result = {
          resultType: 'input_required',
          inputRequests: round.inputRequests,
          requestState,
          _meta: metaOut({}),
        };
        return { status: 200, json: JSON.stringify({ jsonrpc: '2.0', id: msg.id, result }) };
      }
      if (round.kind === 'error') throw round.error;
      const out = round.value;
      const extra: Obj = {
        resultType: 'complete',
        ...(CACHEABLE.has(msg.method)
          ? this.cacheHints(msg.method, typeof out === 'string' ? undefined : (out as Obj))
          : {}),
      };
      if (typeof out === 'string') {
        // The list fast path: `{..."result":{...}}` gains the modern fields before its last `}}`.
        const add = JSON.stringify({ ...extra, _meta: metaOut({}) });
        return { status: 200, json: `${out.slice(0, -2)},${add.slice(1, -1)}}}` };
      }
      const r = (out ?? {}) as Obj;
      if (r.resultType === 'input_required') {
        // A modern server's own round: its state travels inside ours (signed, bound like ours).
        const upstream = typeof r.requestState === 'string' ? r.requestState : undefined;
        const requestState = this.signer.sign({
          h: '',
          s: f.server,
          ...(upstream !== undefined ? { u: upstream } : {}),
          p: session.accessId,
          m: msg.method,
          d: paramsDigest(params),
          e: Date.now() + (this.opts.inputRequiredTtlMs ?? 5 * 60_000),
        });
        const result = { ...r, requestState, _meta: metaOut(r) };
        return { status: 200, json: JSON.stringify({ jsonrpc: '2.0', id: msg.id, result }) };
      }
      const result = {
        ...r,
        ...extra,
        ...(typeof r.resultType === 'string' ? { resultType: r.resultType } : {}),
        _meta: metaOut(r),
      };
      return { status: 200, json: JSON.stringify({ jsonrpc: '2.0', id: msg.id, result }) };
    } catch (err) {
      if (err instanceof RpcError) {
        // -32002 (resource not found) is retired in 2026-07-28: -32602 replaces it.
        const code = err.code === ErrorCode.ResourceNotFound ? ErrorCode.InvalidParams : err.code;
        let data = err.data;
        if (
          msg.method === 'resources/read' &&
          code === ErrorCode.InvalidParams &&
          typeof params.uri === 'string'
        ) {
          // Which resource was not found, as 2026-07-28 asks (data.uri), whoever answered.
          const d = data && typeof data === 'object' ? (data as Obj) : {};
          if (d.uri === undefined) data = { ...d, uri: params.uri };
        }
        const status =
          code === ModernCode.MissingRequiredClientCapability ||
          code === ModernCode.UnsupportedProtocolVersion ||
          code === ModernCode.HeaderMismatch
            ? 400
            : code === ErrorCode.MethodNotFound
              ? 404
              : 200;
        return { status, json: errorJson(msg.id, code, err.message, data) };
      }
      this.log?.error('request failed', { method: msg.method, error: messageOf(err) });
      return {
        status: 200,
        json: errorJson(msg.id, ErrorCode.InternalError, `Internal error: ${messageOf(err)}`),
      };
    } finally {
      session.inflight.delete(key);
    }
  }

  /** A retry carrying our requestState: the held call it names, with the client's answers given. */
  private resume(
    session: Session,
    msg: JsonRpcRequest,
    params: Obj,
  ): { call: HeldCall; f: InFlight } | { relay: Obj } | undefined {
    const state = params.requestState;
    if (!MRTR_METHODS.has(msg.method) || typeof state !== 'string') return undefined;
    const p = this.signer.verify(state, session.accessId, msg.method, paramsDigest(params));
    if (p === undefined) return undefined;
    if (p.h === '') {
      // A relayed round: the server gets its own state back, exactly, with the client's answers.
      const { requestState: _ours, ...rest } = params;
      return { relay: p.u === undefined ? rest : { ...rest, requestState: p.u } };
    }
    const id = p.h;
    const h = this.held.get(id);
    if (!h) {
      throw rpcError('REQUEST_STATE_INVALID', {
        why: 'names a call that has ended (answered already, or its time ran out)',
      });
    }
    this.held.delete(id);
    clearTimeout(h.call.timer);
    h.call.answer(params.inputResponses);
    return h;
  }

  /** Keep a call open for the client's next round; the state it gets back names it. */
  private hold(call: HeldCall, f: InFlight, principal: string, method: string, params: Obj): string {
    const ttl = this.opts.inputRequiredTtlMs ?? 5 * 60_000;
    this.held.set(call.id, { call, f });
    call.timer = setTimeout(() => {
      if (this.held.get(call.id)?.call !== call) return;
      this.held.delete(call.id);
      // Cancel upstream first, so the server sees its call cancelled before its question fail.
      f.abort.abort(new Error('input_required state expired'));
      call.abandon(`the client did not answer within ${ttl} ms`);
    }, ttl);
    call.timer.unref();
    return this.signer.sign({
      h: call.id,
      p: principal,
      m: method,
      d: paramsDigest(params),
      e: Date.now() + ttl,
    });
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
      case 'tasks/get':
      case 'tasks/update':
      case 'tasks/cancel':
      case 'tasks/result':
        return this.taskRequest(f, p);
      case 'tasks/list':
        return this.listTasks(f);
      case 'skills/list':
        if (this.opts.skills) return this.listSkills(f, p.cursor);
        throw new RpcError(ErrorCode.MethodNotFound, `Method not found: ${f.method}`);
      case 'skills/get':
        if (this.opts.skills) return this.getSkill(f, p);
        throw new RpcError(ErrorCode.MethodNotFound, `Method not found: ${f.method}`);
      default:
        throw new RpcError(ErrorCode.MethodNotFound, `Method not found: ${f.method}`);
    }
  }

  /** Healthy servers with tasks: the 2026 extension, or the 2025-11-25 `tasks` capability. */
  private taskServers(kind: 'extension' | 'tasks'): ManagedServer[] {
    return [...this.servers.values()].filter((s) => {
      if (!s.healthy) return false;
      if (kind === 'tasks') return s.capabilities.tasks !== undefined;
      const ext = s.capabilities.extensions as Obj | undefined;
      return ext?.[TASKS_EXTENSION] !== undefined;
    });
  }

  /** tasks/get, tasks/update, tasks/cancel (and 2025's tasks/result): to the task's owner. */
  private async taskRequest(f: InFlight, p: Obj): Promise<unknown> {
    const session = f.session;
    if (session.stateless && !declaresTasks(session.clientCapabilities)) throw tasksNotDeclared(f.method);
    if (!TASK_ID_METHODS.has(f.method))
      throw new RpcError(ErrorCode.MethodNotFound, `Method not found: ${f.method}`);
    const ref = this.taskIds.unwrap(p.taskId, session.accessId);
    const s = ref && this.servers.get(ref.server);
    if (!ref || !s) throw unknownTask(p.taskId);
    const r = (await this.relay.forward(f, s, f.method, { ...p, taskId: ref.taskId })) as Obj;
    return wrapTaskIds(r ?? {}, (id) => this.taskIds.wrap(s.name, id, session.accessId));
  }

  /**
   * 2025-11-25 tasks/list: every task server's tasks (all their pages) that were created for this
   * client, with our taskIds. The upstream session is shared, so its list names everyone's tasks.
   */
  private async listTasks(f: InFlight): Promise<unknown> {
    const tasks: unknown[] = [];
    const who = f.session.accessId;
    for (const s of this.taskServers('tasks')) {
      let cursor: unknown;
      for (let page = 0; page < 20; page++) {
        const r = (await this.relay.forward(
          f,
          s,
          'tasks/list',
          cursor === undefined ? {} : { cursor },
        )) as Obj;
        const mine = Array.isArray(r?.tasks)
          ? (r.tasks as Obj[]).filter(
              (t) => typeof t?.taskId === 'string' && this.taskIds.ownedBy(s.name, t.taskId, who),
            )
          : [];
        const wrapped = wrapTaskIds({ tasks: mine }, (id) => this.taskIds.wrap(s.name, id, who));
        if (Array.isArray(wrapped.tasks)) tasks.push(...wrapped.tasks);
        cursor = r?.nextCursor;
        if (typeof cursor !== 'string') break;
      }
    }
    return { tasks };
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
    const view = this.pipeline.views.view(
      this.catalogFor(session),
      this.groups,
      session.accessId,
      session.group,
    );
    if (!view) throw new RpcError(ErrorCode.InvalidRequest, groupGone(session.group as string));
    if (kind === 'tools' && this.pipeline.policies.codeMode) {
      return this.page(kind, f.id, cursor, CODE_MODE_TOOLS, CODE_MODE_TOOLS, CODE_MODE_TOOLS_JSON);
    }
    return this.page(kind, f.id, cursor, view, view.lists[kind], view.json[kind]);
  }

  private buildPipeline(policies: CallPolicies, previous?: CallPipeline): CallPipeline {
    return new CallPipeline(
      {
        groups: { view: (g) => this.groups.view(g, this.catalog) },
        router: { route: (name, ctx) => this.routeTool(name, ctx?.session) },
        terminal: (ctx) => this.terminal(ctx),
        universe: (ctx, views) =>
          views.view(this.catalogFor(ctx.session), this.groups, ctx.accessId, ctx.group)?.lists.tools,
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
    const inner: InFlight = {
      session: f.session,
      id: f.id,
      method: f.method,
      push: f.push,
      abort,
      parent: f,
    };
    try {
      return await this.callToolAs(outer.session, params, true, inner);
    } finally {
      this.relay.untrack(inner);
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
    return this.runCall(this.callContext(f.session, p, false, f));
  }

  /** The owner of an exposed tool name: listed, withheld for drift, or on a server that is down. */
  private routeTool(name: string, session?: Session): { server: string; tool: string } | undefined {
    const r = this.catalogFor(session).toolRoute.get(name) ?? this.withheld.get(name);
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
    const route = this.catalogFor(ctx.session).toolRoute.get(name);
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
      const r = await this.relay.forward(f, s, 'tools/call', params);
      // A task-augmented call: the client gets our taskId, which routes tasks/* back to `s`.
      if (createsTask(r)) {
        const ttl = taskTtlMs(r);
        return wrapTaskIds(r, (id) => this.taskIds.issue(s.name, id, ctx.accessId, ttl)) as ToolResult;
      }
      return r as ToolResult;
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
    const route = this.catalogFor(f.session).promptRoute.get(name);
    if (!route) {
      const down = this.downOwner(name, 'prompts');
      if (down) {
        this.checkScope(f.session, 'prompt', name, down.name);
        throw down.unavailableError();
      }
      throw new RpcError(ErrorCode.InvalidParams, `Unknown prompt: ${name}`);
    }
    this.checkScope(f.session, 'prompt', name, route.server);
    if (route.server === SKILLS_SOURCE) return this.skillPrompt(route.name, p.arguments);
    return this.relay.forward(
      f,
      this.server(route.server),
      'prompts/get',
      route.name === name ? p : { ...p, name: route.name },
    );
  }

  private skillPrompt(name: string, raw: unknown): unknown {
    const skill = this.skills.get(name);
    if (!skill) throw new RpcError(ErrorCode.InvalidParams, `Unknown prompt: ${name}`);
    const args: Record<string, string> = {};
    if (raw !== undefined && raw !== null) {
      if (typeof raw !== 'object' || Array.isArray(raw))
        throw new RpcError(ErrorCode.InvalidParams, 'prompts/get: params.arguments must be an object');
      for (const [k, v] of Object.entries(raw)) {
        if (typeof v !== 'string')
          throw new RpcError(ErrorCode.InvalidParams, `prompts/get: argument "${k}" must be a string`);
        args[k] = v;
      }
    }
    this.opts.skills?.used?.(name);
    return skillPromptResult(skill, args);
  }

  private routeUri(
    uri: unknown,
    method: string,
    session: Session,
  ): { s: ManagedServer; uri: string; exposed: string } {
    if (typeof uri !== 'string')
      throw new RpcError(ErrorCode.InvalidParams, `${method}: params.uri must be a string`);
    const route = this.catalogFor(session).routeUri(uri);
    if (!route) {
      throw new RpcError(ErrorCode.ResourceNotFound, `Resource not found: no server provides "${uri}"`, {
        uri,
      });
    }
    if (route.server === SKILLS_SOURCE) {
      const name = uri.startsWith(SKILL_URI_PREFIX) ? uri.slice(SKILL_URI_PREFIX.length) : uri;
      throw new RpcError(ErrorCode.ResourceNotFound, `Resource not found: no skill "${name}" is served`, {
        uri,
      });
    }
    this.checkScope(session, 'resource', uri, route.server);
    return { s: this.server(route.server), uri: route.name, exposed: uri };
  }

  private async readResource(f: InFlight, p: Record<string, unknown>): Promise<unknown> {
    const ref = this.skillRef(p.uri);
    if (ref !== undefined) {
      this.checkScope(f.session, 'resource', p.uri as string, SKILLS_SOURCE);
      const s = this.skills.get(ref.name)!;
      if (ref.path === undefined) {
        this.opts.skills?.used?.(ref.name);
        return { contents: [{ uri: p.uri, mimeType: SKILL_MIME, text: s.body }] };
      }
      // The skills extension serves files byte for byte (digests in skills/list cover them).
      const bytes = this.opts.skills?.readFile?.(ref.name, ref.path);
      if (!bytes)
        throw new RpcError(ErrorCode.ResourceNotFound, `Resource not found: ${p.uri as string}`, {
          uri: p.uri,
        });
      if (ref.path === 'SKILL.md') this.opts.skills?.used?.(ref.name);
      return { contents: [fileContent(p.uri as string, ref.path, bytes)] };
    }
    const { s, uri, exposed } = this.routeUri(p.uri, 'resources/read', f.session);
    const result = (await this.relay.forward(
      f,
      s,
      'resources/read',
      uri === exposed ? p : { ...p, uri },
    )) as Obj;
    if (uri !== exposed && Array.isArray(result?.contents)) {
      result.contents = result.contents.map((c: Obj) => (c && c.uri === uri ? { ...c, uri: exposed } : c));
    }
    return result;
  }

  private async subscribe(session: Session, p: Record<string, unknown>, on: boolean): Promise<unknown> {
    const method = on ? 'resources/subscribe' : 'resources/unsubscribe';
    if (this.skillOf(p.uri) !== undefined) {
      // Local: the registry's watcher is the upstream; rebuild() sends the updates.
      this.checkScope(session, 'resource', p.uri as string, SKILLS_SOURCE);
      const key = `${SKILLS_SOURCE}\0${p.uri as string}`;
      const set = this.subscribers.get(key) ?? new Set<Session>();
      this.subscribers.set(key, set);
      if (on) {
        set.add(session);
        session.subscriptions.add(key);
      } else {
        set.delete(session);
        session.subscriptions.delete(key);
        if (set.size === 0) this.subscribers.delete(key);
      }
      return {};
    }
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
      const route = this.catalogFor(f.session).promptRoute.get(ref.name);
      if (!route) throw new RpcError(ErrorCode.InvalidParams, `Unknown prompt: ${ref.name}`);
      this.checkScope(f.session, 'prompt', ref.name, route.server);
      // A skill's only argument is free text: nothing to complete.
      if (route.server === SKILLS_SOURCE) return { completion: { values: [], hasMore: false } };
      server = this.server(route.server);
      newRef = route.name === ref.name ? ref : { ...ref, name: route.name };
    } else if (ref.type === 'ref/resource' && typeof ref.uri === 'string') {
      if (this.skillOf(ref.uri) !== undefined) return { completion: { values: [], hasMore: false } };
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
    return this.relay.forward(f, server, 'completion/complete', newRef === ref ? p : { ...p, ref: newRef });
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

  private onServerConnected(s: ManagedServer): void {
    for (const key of this.subscribers.keys()) {
      const [server, uri] = key.split('\0') as [string, string];
      if (server === s.name) s.request('resources/subscribe', { uri }).catch(() => {});
    }
    this.applyLogLevel(s).catch(() => {});
  }
}

/** A skill file as resources/read content: text when it is UTF-8, else a base64 blob. */
function fileContent(uri: string, path: string, bytes: Buffer): Obj {
  const text = bytes.toString('utf8');
  const mimeType = /\.md$/i.test(path) ? SKILL_MIME : undefined;
  if (!text.includes('\uFFFD') && !text.includes('\0'))
    return { uri, mimeType: mimeType ?? 'text/plain', text };
  return { uri, mimeType: mimeType ?? 'application/octet-stream', blob: bytes.toString('base64') };
}

const encodeSkillCursor = (offset: number) =>
  Buffer.from(JSON.stringify({ k: 'skills', o: offset })).toString('base64url');

function decodeSkillCursor(cursor: unknown): number {
  if (cursor === undefined || cursor === null) return 0;
  try {
    const v = JSON.parse(Buffer.from(String(cursor), 'base64url').toString('utf8')) as {
      k?: unknown;
      o?: unknown;
    };
    if (v.k === 'skills' && typeof v.o === 'number' && Number.isInteger(v.o) && v.o >= 0) return v.o;
  } catch {
    // fall through
  }
  throw new RpcError(ErrorCode.InvalidParams, 'invalid cursor for skills/list');
}

function groupGone(group: string): string {
  return `group "${group}" no longer exists (removed from the stack); reconnect to /mcp or to another group`;
}

function sessionKey(id: unknown): string {
  return `${typeof id}:${String(id)}`;
}
