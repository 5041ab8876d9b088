// One upstream server as the gateway sees it: one replica (the common case) or a replica set,
// static (`replicas: N`) or autoscaled. The server's lists (tools, prompts, resources, templates)
// are fetched once, through the first replica that comes up while none other is healthy, and
// again on a list_changed from any replica. Each call picks a replica (ReplicaSet.pick); which one
// answered is invisible to clients. Server-to-client messages keep pointing at the session whose
// call reached that replica: upstream request ids are qualified with the replica id.
import type { Logger } from '../../logging/logger.js';
import { type ReplicaPickEvent, replicaPickChannel } from '../../observability/channels.js';
import {
  ErrorCode,
  type JsonRpcNotification,
  type JsonRpcRequest,
  RpcError,
} from '../../protocol/jsonrpc.js';
import type {
  UpstreamClient,
  UpstreamInitOptions,
  UpstreamInitResult,
  UpstreamMessageContext,
  UpstreamRequestOptions,
  UpstreamTransportKind,
} from '../../upstream/types.js';
import type { Obj } from '../catalogue/catalog.js';
import { type HeldPoolOptions, HeldSessionPool } from '../era/held-sessions.js';
import { mcpHeaderProblem, TOOL_HEADER_INVALID } from '../era/x-mcp-header.js';
import type { AutoscalePolicy, ServerSpec, ServerState, ServerStatus } from '../types.js';
import { Autoscaler, type AutoscalerDefaults } from './autoscaler.js';
import { messageOf, Replica, type ReplicaOwner } from './replica.js';
import { ReplicaSet } from './replica-set.js';
import { clientSpawner, type Spawner } from './spawner.js';

export { messageOf };

export interface ServerHooks {
  init: UpstreamInitOptions;
  logger?: Logger;
  /** Autoscaler defaults (tick, drain timeout) from the gateway's options. */
  autoscale?: AutoscalerDefaults;
  /** Bounds of the per-principal upstream sessions held for stateless clients. */
  heldSessions?: HeldPoolOptions;
  /** State or lists changed: rebuild the catalog (and tell clients what changed). */
  onChange(server: ManagedServer): void;
  /** The lists one principal's held session shows changed (or its session closed): its catalogue. */
  onHeldLists?(server: ManagedServer, principal: string): void;
  /** A (re)connection succeeded: restore subscriptions and log level. */
  onConnected(server: ManagedServer): void;
  onNotification(server: ManagedServer, msg: JsonRpcNotification, ctx: UpstreamMessageContext): void;
  onRequest(server: ManagedServer, msg: JsonRpcRequest, ctx: UpstreamMessageContext): Promise<unknown>;
}

const LIST_METHODS = {
  tools: ['tools/list', 'tools'],
  prompts: ['prompts/list', 'prompts'],
  resources: ['resources/list', 'resources'],
  templates: ['resources/templates/list', 'resourceTemplates'],
} as const;
type Kind = keyof typeof LIST_METHODS;

const MAX_PAGES = 1000;

export class ManagedServer implements ReplicaOwner {
  state: ServerState = 'starting';
  reason: string | undefined;
  lastError: string | undefined;
  registered = false;
  transport: UpstreamTransportKind | undefined;
  capabilities: Record<string, unknown> = {};
  serverInfo: { name: string; version: string } | undefined;
  /** The protocol version the last connection negotiated (initialize) or chose (server/discover). */
  protocolVersion: string | undefined;
  instructions: string | undefined;
  tools: Obj[] = [];
  prompts: Obj[] = [];
  resources: Obj[] = [];
  templates: Obj[] = [];
  collisions: string[] = [];
  readonly timeoutMs: number;
  readonly spawner: Spawner;
  private readonly baseInit: UpstreamInitOptions;
  /**
   * Lists a principal's held session announced as changed, fetched from that session: the
   * server's lists differ per session, and that principal sees its own (until the session closes).
   */
  private readonly heldLists = new Map<string, Partial<Record<Kind, Obj[]>>>();
  /** Caching hints of the last listing per kind (stateless servers give them; others: none). */
  readonly hints: Partial<Record<Kind, CacheHint>> = {};
  /** `auto`: the era the last successful connection found (undefined: probe). */
  private verdict: 'handshake' | 'stateless' | undefined;
  /** More than one replica is possible (static replicas > 1, or autoscale). */
  readonly multi: boolean;
  readonly set: ReplicaSet;
  private readonly autoscaler: Autoscaler | undefined;
  /** The single replica of a one-replica server (the fast path). */
  private readonly only: Replica | undefined;
  private readonly whitelist: Set<string> | undefined;
  private available = false;
  /** Lists were fetched at least once. */
  private listed = false;
  /** The replica the lists came from. */
  private lister: Replica | undefined;
  private listing: Promise<void> | undefined;
  /** Restarts of replicas that were reaped (so the server's count never goes down). */
  private retiredRestarts = 0;
  /** Calls dispatched since the autoscaler last sampled. */
  private dispatched = 0;
  /** Calls waiting for a replica (cold start). */
  private waiting = 0;
  private stopped = false;
  private readonly waiters = new Set<() => void>();
  private readonly relisting = new Map<Kind, Promise<void>>();
  private readonly dirty = new Set<Kind>();
  private readonly log: Logger | undefined;
  /** Upstream sessions held per principal for stateless clients (era/held-sessions.ts). */
  private held: HeldSessionPool | undefined;

  constructor(
    readonly spec: ServerSpec,
    private readonly hooks: ServerHooks,
  ) {
    this.timeoutMs = spec.timeoutMs ?? 60_000;
    this.whitelist = spec.tools && spec.tools.length > 0 ? new Set(spec.tools) : undefined;
    this.log = hooks.logger?.child({ server: spec.name });
    this.baseInit = hooks.init;
    this.spawner = spec.spawner ?? clientSpawner(spec.createClient);
    const count = spec.autoscale ? 0 : Math.min(32, Math.max(1, spec.replicas ?? 1));
    this.multi = spec.autoscale !== undefined || count > 1;
    this.set = new ReplicaSet(spec.replicaPolicy ?? 'round-robin');
    for (let i = 0; i < count; i++) this.set.add(new Replica(this.set.newId(), this, this.log));
    this.only = this.multi ? undefined : this.set.members[0];
    if (spec.autoscale) {
      const self = this;
      const host = {
        name: spec.name,
        set: this.set,
        spawn: () => this.spawnReplica(),
        reap: (r: Replica, ms: number) => this.reap(r, ms),
        waiting: () => this.waiting,
        takeCalls: () => {
          const n = this.dispatched;
          this.dispatched = 0;
          return n;
        },
        get listed() {
          return self.listed;
        },
      };
      this.autoscaler = new Autoscaler(spec.autoscale, host, hooks.autoscale ?? {}, this.log);
    }
  }

  get name(): string {
    return this.spec.name;
  }

  /** Can take calls: a replica is healthy, or an autoscaled server will start one for the call. */
  get healthy(): boolean {
    return this.available;
  }

  status(): ServerStatus {
    let restarts = this.retiredRestarts;
    for (const r of this.set.members) restarts += r.restarts;
    const s: ServerStatus = {
      name: this.name,
      state: this.state,
      tools: this.tools.length,
      prompts: this.prompts.length,
      resources: this.resources.length,
      restarts,
      registered: this.registered,
      replicas: this.set.members.map((r) => r.status()),
    };
    if (this.reason !== undefined) s.reason = this.reason;
    const stderr = this.failedTail();
    if (stderr) s.stderr = stderr;
    if (this.transport !== undefined) s.transport = this.transport;
    const pid = this.primary()?.pid ?? this.set.members.find((r) => r.pid !== undefined)?.pid;
    if (pid !== undefined) s.pid = pid;
    if (this.lastError !== undefined) s.lastError = this.lastError;
    if (this.collisions.length > 0) s.collisions = [...this.collisions];
    if (this.serverInfo) s.serverInfo = this.serverInfo;
    if (this.verdict) s.era = this.verdict;
    if (this.protocolVersion) s.protocolVersion = this.protocolVersion;
    if (this.multi) s.replicaPolicy = this.set.policy;
    if (this.autoscaler) s.autoscale = this.autoscaler.status();
    return s;
  }

  /** The stderr tail of the replica (not serving) whose error is the newest. */
  private failedTail(): string[] | undefined {
    let newest: Replica | undefined;
    for (const r of this.set.members) {
      if (r.stderr && r.state !== 'healthy' && (!newest || r.lastErrorAt >= newest.lastErrorAt)) newest = r;
    }
    return newest?.stderr;
  }

  /** First registration. Never rejects: failures are recorded and retried with backoff. */
  async start(): Promise<void> {
    try {
      if (this.autoscaler) await this.autoscaler.start();
      else await Promise.all(this.set.members.map((r) => r.start()));
    } finally {
      this.registered = true;
      this.refresh(true);
    }
  }

  /** Unavailable → an error naming the server and why, for fast failure. */
  unavailableError(): RpcError {
    const why = this.reason ? `: ${this.reason}` : '';
    const what = this.state === 'starting' ? 'is still starting' : `is unavailable (${this.state}${why})`;
    return new RpcError(ErrorCode.ConnectionClosed, `server "${this.name}" ${what}`, { server: this.name });
  }

  /**
   * Send a request to one replica. `affinity` identifies the client session (session-affinity).
   * `logging/setLevel` goes to every healthy replica; subscriptions to the replica the lists came
   * from (so resources/updated arrive once).
   */
  request(
    method: string,
    params: Record<string, unknown> | undefined,
    opts: UpstreamRequestOptions = {},
    affinity?: object,
  ): Promise<unknown> {
    const one = this.only;
    if (one) {
      const c = one.client;
      if (!c || one.state !== 'healthy') return Promise.reject(this.unavailableError());
      one.inFlight++;
      const p = c.request(method, params, { timeoutMs: this.timeoutMs, ...opts });
      p.then(one.done, one.done);
      return p;
    }
    if (method === 'logging/setLevel') {
      return Promise.all(
        this.set
          .healthy()
          .map((r) => r.client?.request(method, params, { timeoutMs: this.timeoutMs, ...opts })),
      ).then(() => ({}));
    }
    const subscription = method === 'resources/subscribe' || method === 'resources/unsubscribe';
    const r = subscription ? this.primary() : this.set.pick(affinity);
    if (r) return this.dispatch(r, method, params, opts);
    return this.acquire(affinity).then((got) => this.dispatch(got, method, params, opts));
  }

  /**
   * A stateless client's call to this (handshake-era) server, on the upstream session held for
   * its principal; the shared connection when the server is not one we pool (stateless era, a
   * container or OpenAPI server) or the pool is full of busy sessions.
   */
  requestHeld(
    principal: string,
    method: string,
    params: Record<string, unknown> | undefined,
    opts: UpstreamRequestOptions,
    affinity?: object,
  ): Promise<unknown> {
    // Opt-in (GatewayOptions.heldSessions): a server whose lists differ per session would show
    // each principal's changes only on its own held session (docs/gateway.md).
    const poolable =
      this.hooks.heldSessions !== undefined &&
      !this.stopped &&
      this.healthy &&
      this.verdict === 'handshake' &&
      this.spawner.kind !== 'container' &&
      (this.transport === 'stdio' || this.transport === 'http' || this.transport === 'sse');
    if (poolable) {
      this.held ??= new HeldSessionPool(
        {
          name: this.name,
          spawner: this.spawner,
          init: this.baseInit,
          timeoutMs: this.timeoutMs,
          onRequest: (msg, ctx) => this.hooks.onRequest(this, msg, ctx),
          onNotification: (msg, ctx) => this.hooks.onNotification(this, msg, ctx),
          onListChanged: (kind, who, client) => void this.relistHeld(who, kind, client),
          onClosed: (who) => {
            if (this.heldLists.delete(who)) this.hooks.onHeldLists?.(this, who);
          },
        },
        this.hooks.heldSessions,
      );
      const p = this.held.request(principal, method, params, opts);
      if (p) return p;
    }
    return this.request(method, params, opts, affinity);
  }

  /** The held sessions of this server (status, tests). */
  get heldSessions(): HeldSessionPool | undefined {
    return this.held;
  }

  notify(method: string, params?: Record<string, unknown>): Promise<void> {
    const live = this.set.healthy();
    if (live.length === 0) return Promise.reject(this.unavailableError());
    return Promise.all(live.map((r) => r.client?.notify(method, params))).then(() => undefined);
  }

  private dispatch(
    r: Replica,
    method: string,
    params: Record<string, unknown> | undefined,
    opts: UpstreamRequestOptions,
  ): Promise<unknown> {
    const c = r.client;
    if (!c) return Promise.reject(this.unavailableError());
    this.dispatched++;
    r.inFlight++;
    opts.onReplica?.(r.id);
    if (replicaPickChannel.hasSubscribers) {
      const pick: ReplicaPickEvent = { server: this.name, replica: r.id, policy: this.set.policy, method };
      replicaPickChannel.publish(pick);
    }
    let qid: string | undefined;
    const report = opts.onRequestId;
    const p = c.request(method, params, {
      timeoutMs: this.timeoutMs,
      ...opts,
      onRequestId: (id) => {
        qid = `${r.id}:${id}`;
        r.ids.add(qid);
        report?.(qid);
      },
    });
    const settle = () => {
      if (qid !== undefined) r.ids.delete(qid);
      r.done();
    };
    p.then(settle, settle);
    return p;
  }

  /** No healthy replica: cold-start one (autoscaled) or wait for one starting, within the timeout. */
  private async acquire(affinity: object | undefined): Promise<Replica> {
    const deadline = Date.now() + this.timeoutMs;
    // A waiting call is load: the autoscaler must not reap the replica started for it.
    this.waiting++;
    this.dispatched++;
    try {
      for (;;) {
        const r = this.set.pick(affinity);
        if (r) return r;
        if (this.stopped) throw this.unavailableError();
        const empty = !this.set.members.some((m) => m.state !== 'draining');
        if (this.autoscaler && empty) {
          const ok = await this.withDeadline(this.autoscaler.coldStart(), deadline);
          if (ok === false) throw this.unavailableError();
          if (ok === undefined) throw this.timeoutError();
          continue;
        }
        if (this.set.startingCount() === 0) throw this.unavailableError();
        if ((await this.withDeadline(this.nextChange(), deadline)) === undefined) throw this.timeoutError();
      }
    } finally {
      this.waiting--;
    }
  }

  private timeoutError(): RpcError {
    return new RpcError(
      ErrorCode.RequestTimeout,
      `server "${this.name}": no replica came up within ${this.timeoutMs} ms`,
      { server: this.name },
    );
  }

  private withDeadline<T>(p: Promise<T>, deadline: number): Promise<T | undefined> {
    return new Promise<T | undefined>((resolve, reject) => {
      const t = setTimeout(() => resolve(undefined), Math.max(0, deadline - Date.now()));
      p.then(
        (v) => {
          clearTimeout(t);
          resolve(v);
        },
        (e: unknown) => {
          clearTimeout(t);
          reject(e);
        },
      );
    });
  }

  private nextChange(): Promise<true> {
    return new Promise((resolve) => this.waiters.add(() => resolve(true)));
  }

  /** The replica the lists came from if it serves, else the lowest-id healthy one. */
  private primary(): Replica | undefined {
    const l = this.lister;
    if (l && l.state === 'healthy') return l;
    return this.set.members.find((r) => r.state === 'healthy');
  }

  // ------------------------------------------------------------------ replica owner

  /** What a replica connects with: `auto` reuses the cached era verdict instead of probing again. */
  get init(): UpstreamInitOptions {
    const wanted = this.spec.protocolGeneration ?? 'handshake';
    const generation = wanted === 'auto' && this.verdict ? this.verdict : wanted;
    return { ...this.baseInit, generation, probeTimeoutMs: Math.min(this.timeoutMs, 5000) };
  }

  /**
   * A connection attempt failed: a cached era verdict may be what is stale, so probe next time;
   * unless the probe itself ended the connection (a server quitting on it is handshake-era).
   */
  connectFailed(err: unknown): void {
    const hint = (err as { eraHint?: unknown } | undefined)?.eraHint;
    this.verdict = hint === 'handshake' ? 'handshake' : undefined;
  }

  async ready(r: Replica, init: UpstreamInitResult, client: UpstreamClient): Promise<void> {
    this.transport = client.kind;
    const era = init.era ?? 'handshake';
    if (this.verdict !== era && this.spec.protocolGeneration === 'auto') {
      this.log?.info('protocol era', { era, probed: this.verdict === undefined });
    }
    this.verdict = era;
    this.protocolVersion = init.protocolVersion;
    while (this.listing) await this.listing.catch(() => {});
    // Lists are per server: fetched when this is the only replica in rotation.
    if (this.set.members.some((m) => m !== r && m.state === 'healthy')) return;
    const run = this.adopt(r, init, client);
    this.listing = run;
    try {
      await run;
    } finally {
      if (this.listing === run) this.listing = undefined;
    }
  }

  private async adopt(r: Replica, init: UpstreamInitResult, client: UpstreamClient): Promise<void> {
    const caps = (init.capabilities ?? {}) as Record<string, unknown>;
    await Promise.all(
      (Object.keys(LIST_METHODS) as Kind[]).map((k) => this.list(k, k === 'tools', client, caps)),
    );
    this.capabilities = caps;
    this.serverInfo = {
      name: String(init.serverInfo?.name ?? ''),
      version: String(init.serverInfo?.version ?? ''),
    };
    this.instructions = typeof init.instructions === 'string' ? init.instructions : undefined;
    this.lister = r;
    this.listed = true;
  }

  connected(r: Replica): void {
    if (this.multi)
      this.log?.info('replica ready', { replica_id: r.id, pid: r.pid, tools: this.tools.length });
    else this.log?.info('server ready', { tools: this.tools.length, transport: this.transport });
    this.refresh(true);
    this.hooks.onConnected(this);
  }

  changed(_r: Replica): void {
    this.refresh(false);
  }

  upstreamNotification(r: Replica, msg: JsonRpcNotification, ctx: UpstreamMessageContext): void {
    switch (msg.method) {
      case 'notifications/tools/list_changed':
        void this.relist('tools', r);
        return;
      case 'notifications/prompts/list_changed':
        void this.relist('prompts', r);
        return;
      case 'notifications/resources/list_changed':
        void this.relist('resources', r).then(() => this.relist('templates', r));
        return;
      default:
        this.hooks.onNotification(this, msg, this.contextOf(r, ctx));
    }
  }

  upstreamRequest(r: Replica, msg: JsonRpcRequest, ctx: UpstreamMessageContext): Promise<unknown> {
    return this.hooks.onRequest(this, msg, this.contextOf(r, ctx));
  }

  /** Replica-qualified ids (as reported through onRequestId); else the replica's newest call. */
  private contextOf(r: Replica, ctx: UpstreamMessageContext): UpstreamMessageContext {
    if (!this.multi) return ctx;
    if (ctx.relatedRequestId !== undefined) return { relatedRequestId: `${r.id}:${ctx.relatedRequestId}` };
    let newest: string | undefined;
    for (const id of r.ids) newest = id;
    return newest === undefined ? ctx : { relatedRequestId: newest };
  }

  // ------------------------------------------------------------------ lists

  private hasCapability(caps: Record<string, unknown>, kind: Kind): boolean {
    const cap = kind === 'templates' ? 'resources' : kind;
    return caps[cap] !== undefined && caps[cap] !== null;
  }

  /** Fetch one list, following nextCursor. Optional lists fail soft (empty + a warning). */
  private async list(
    kind: Kind,
    required: boolean,
    client: UpstreamClient | undefined,
    caps: Record<string, unknown> = this.capabilities,
  ): Promise<void> {
    if (!client || !this.hasCapability(caps, kind)) {
      this[kind] = [];
      return;
    }
    let got: { items: Obj[]; hint: CacheHint | undefined };
    try {
      got = await this.fetchList(kind, client);
    } catch (err) {
      if (required) throw err;
      this.log?.warn(`${LIST_METHODS[kind][0]} failed; treating as empty`, { error: messageOf(err) });
      this[kind] = [];
      return;
    }
    this.hints[kind] = got.hint;
    this[kind] = got.items;
  }

  /** One list from `client`, every page, through the whitelist and the x-mcp-header check. */
  private async fetchList(
    kind: Kind,
    client: UpstreamClient,
  ): Promise<{ items: Obj[]; hint: CacheHint | undefined }> {
    const [method, key] = LIST_METHODS[kind];
    let items: Obj[] = [];
    const seen = new Set<string>();
    let cursor: string | undefined;
    let hint: CacheHint | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const res = (await client.request(method, cursor === undefined ? undefined : { cursor }, {
        timeoutMs: this.timeoutMs,
      })) as Obj | undefined;
      hint = page === 0 ? hintOf(res) : minHint(hint, hintOf(res));
      const got = res?.[key];
      if (Array.isArray(got)) for (const it of got) if (it && typeof it === 'object') items.push(it as Obj);
      const next = res?.nextCursor;
      if (typeof next !== 'string' || next === '' || seen.has(next)) break;
      seen.add(next);
      cursor = next;
    }
    if (kind === 'tools') {
      if (this.whitelist)
        items = items.filter((t) => typeof t.name === 'string' && this.whitelist!.has(t.name));
      items = items.filter((t) => this.headersValid(t));
    }
    return { items, hint };
  }

  /** A held session's list changed: fetch it from that session, for its principal alone. */
  private async relistHeld(
    principal: string,
    kind: 'tools' | 'prompts' | 'resources',
    client: UpstreamClient,
  ) {
    const kinds: Kind[] = kind === 'resources' ? ['resources', 'templates'] : [kind];
    const own = this.heldLists.get(principal) ?? {};
    try {
      for (const k of kinds) {
        if (this.hasCapability(this.capabilities, k)) own[k] = (await this.fetchList(k, client)).items;
      }
    } catch (err) {
      this.log?.warn(
        `${LIST_METHODS[kind][0]} on a held session failed; its principal keeps the lists it had`,
        {
          error: messageOf(err),
        },
      );
      return;
    }
    this.heldLists.set(principal, own);
    this.hooks.onHeldLists?.(this, principal);
  }

  /** The lists `principal`'s held session shows where they differ from the shared connection's. */
  heldListsOf(principal: string): Readonly<Partial<Record<Kind, Obj[]>>> | undefined {
    return this.heldLists.get(principal);
  }

  /** Principals whose held sessions show lists of their own. */
  get heldListPrincipals(): Iterable<string> {
    return this.heldLists.keys();
  }

  /** Tools already warned about as dropped for their x-mcp-header annotations (tool + reason). */
  private readonly headerWarned = new Set<string>();

  /** A tool whose x-mcp-header annotations break the 2026-07-28 rules is left out, with a warning. */
  private headersValid(tool: Obj): boolean {
    const reason = mcpHeaderProblem(tool.inputSchema);
    if (reason === undefined) return true;
    const name = String(tool.name);
    // Once per tool and reason: every re-list (list_changed, reconnect) meets the same tool again.
    const key = `${name}\n${reason}`;
    if (this.headerWarned.has(key)) return false;
    this.headerWarned.add(key);
    this.log?.warn(`tool "${name}" of server "${this.name}" not exposed: ${reason}`, {
      code: TOOL_HEADER_INVALID,
      tool: name,
      reason,
    });
    return false;
  }

  /** Re-list after a list_changed; coalesces bursts into at most one extra pass. */
  relist(kind: Kind, via?: Replica): Promise<void> {
    const running = this.relisting.get(kind);
    if (running) {
      this.dirty.add(kind);
      return running;
    }
    const run = (async () => {
      try {
        do {
          this.dirty.delete(kind);
          const r = via && via.state === 'healthy' ? via : this.primary();
          await this.list(kind, false, r?.client);
        } while (this.dirty.has(kind));
      } finally {
        this.relisting.delete(kind);
      }
      if (this.available) this.hooks.onChange(this);
    })();
    this.relisting.set(kind, run);
    return run;
  }

  // ------------------------------------------------------------------ state

  /** Recompute the server's state from its replicas; tell the gateway when it changed. */
  private refresh(force: boolean): void {
    const before = `${this.state}|${this.reason}|${this.available}`;
    this.compute();
    for (const w of this.waiters) w();
    this.waiters.clear();
    if (force || before !== `${this.state}|${this.reason}|${this.available}`) this.hooks.onChange(this);
  }

  private compute(): void {
    let newest = 0;
    for (const r of this.set.members) {
      if (r.lastError !== undefined && r.lastErrorAt >= newest) {
        newest = r.lastErrorAt;
        this.lastError = r.lastError;
      }
    }
    if (this.stopped) {
      this.state = 'stopped';
      this.available = false;
      return;
    }
    const one = this.only;
    if (one) {
      this.state = one.state === 'draining' ? 'healthy' : one.state;
      this.reason = one.reason;
      this.available = one.state === 'healthy';
      return;
    }
    const members = this.set.members.filter((r) => r.state !== 'draining' && r.state !== 'stopped');
    const healthy = members.filter((r) => r.state === 'healthy').length;
    const starting = members.filter((r) => r.state === 'starting').length;
    const total = members.length;
    this.reason = undefined;
    if (healthy > 0) {
      this.available = true;
      if (healthy === total) this.state = 'healthy';
      else {
        this.state = 'degraded';
        this.reason = `${healthy}/${total} replicas healthy; ${this.downSummary()}`;
      }
      return;
    }
    if (this.autoscaler && this.listed && (total === 0 || starting > 0)) {
      // Scaled to zero (or a cold start under way): the next call waits for a replica.
      this.available = true;
      this.state = total === 0 ? 'idle' : 'starting';
      if (total === 0) this.reason = 'scaled to zero; the next call starts a replica';
      return;
    }
    this.available = false;
    if (!this.registered || (starting > 0 && !this.listed)) {
      this.state = 'starting';
      return;
    }
    if (total === 0) {
      this.state = 'failed';
      this.reason = `no replica could be started${this.lastError ? `: ${this.lastError}` : ''}`;
      return;
    }
    this.state = members.every((r) => r.state === 'needs auth')
      ? 'needs auth'
      : members.every((r) => r.state === 'failed' || r.state === 'needs auth')
        ? 'failed'
        : 'unhealthy';
    this.reason = `no healthy replicas: ${this.downSummary()}`;
  }

  private downSummary(): string {
    const now = Date.now();
    return this.set.members
      .filter((r) => r.state !== 'healthy' && r.state !== 'draining' && r.state !== 'stopped')
      .map((r) => {
        const retry =
          r.nextRetryAt !== undefined
            ? `, retry in ${Math.max(0, Math.round((r.nextRetryAt - now) / 100) / 10)}s`
            : '';
        return `#${r.id} ${r.state}${r.reason ? ` (${r.reason}${retry})` : retry ? ` (${retry.slice(2)})` : ''}`;
      })
      .join('; ');
  }

  // ------------------------------------------------------------------ autoscaler host

  private async spawnReplica(): Promise<Replica | undefined> {
    if (this.stopped) return undefined;
    const r = new Replica(this.set.newId(), this, this.log);
    r.retryFirstStart = false;
    this.set.add(r);
    this.refresh(false);
    const ok = await r.start();
    if (ok) return r;
    this.set.remove(r);
    this.retiredRestarts += r.restarts;
    await r.close();
    this.refresh(false);
    return undefined;
  }

  private async reap(r: Replica, drainTimeoutMs: number): Promise<boolean> {
    const drained = await r.drain(drainTimeoutMs);
    if (!drained) {
      r.undrain();
      return false;
    }
    this.set.remove(r);
    this.retiredRestarts += r.restarts;
    if (this.lister === r) this.lister = undefined;
    this.spawner.retire?.(r.id);
    await r.close();
    this.log?.info('replica reaped', { replica_id: r.id });
    this.refresh(false);
    return true;
  }

  /** Reload that only touched `autoscale`: swap the policy in place. False when not autoscaled. */
  updateAutoscale(policy: AutoscalePolicy): boolean {
    if (!this.autoscaler) return false;
    this.autoscaler.update(policy);
    return true;
  }

  /** The autoscaler, for tests that drive ticks by hand. */
  get scaler(): Autoscaler | undefined {
    return this.autoscaler;
  }

  // ------------------------------------------------------------------ operator

  /** Operator-requested restart: every replica reconnects at once, whatever the backoff says. */
  async restartNow(): Promise<void> {
    if (this.stopped) return;
    await Promise.all(this.set.members.map((r) => r.restartNow()));
    this.refresh(true);
  }

  async close(): Promise<void> {
    this.stopped = true;
    this.autoscaler?.stop();
    await this.held?.close();
    await Promise.all(this.set.members.map((r) => r.close()));
    this.compute();
    for (const w of this.waiters) w();
    this.waiters.clear();
  }
}

/** A cacheable result's hints (2026-07-28): freshness in ms and who may share it. */
export interface CacheHint {
  ttlMs: number;
  cacheScope: 'public' | 'private';
}

function hintOf(r: Obj | undefined): CacheHint | undefined {
  const ttl = r?.ttlMs;
  if (typeof ttl !== 'number' || !Number.isFinite(ttl)) return undefined;
  return { ttlMs: Math.max(0, ttl), cacheScope: r?.cacheScope === 'public' ? 'public' : 'private' };
}

/** Several contributors: the shortest freshness, public only if every one is; none without hints. */
export function minHint(a: CacheHint | undefined, b: CacheHint | undefined): CacheHint | undefined {
  if (!a || !b) return undefined;
  return {
    ttlMs: Math.min(a.ttlMs, b.ttlMs),
    cacheScope: a.cacheScope === 'public' && b.cacheScope === 'public' ? 'public' : 'private',
  };
}
