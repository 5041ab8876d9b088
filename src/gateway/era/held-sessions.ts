// Held upstream sessions: a 2026-07-28 client calling a handshake-era server gets its calls carried
// on an upstream session of its own, one per (server, principal). The server's mid-call questions
// (sampling, elicitation, roots) then arrive on a session that only that principal's calls use, so
// they can never be routed to another client's held call, and whatever per-session state the
// server keeps (roots, elicitation context, counters) is that principal's alone.
//
// Bounded per server; reused across the principal's calls; closed when idle; an entry that cannot
// be had (pool full of busy sessions, a kind we do not multiply) means the shared connection.
// On by default (`gateway.held_sessions`). A list_changed on a held session is fetched from that
// session for its principal alone (a server whose lists differ per session), until it closes.
import type { JsonRpcNotification, JsonRpcRequest } from '../../protocol/jsonrpc.js';
import { ErrorCode, RpcError } from '../../protocol/jsonrpc.js';
import type {
  UpstreamClient,
  UpstreamInitOptions,
  UpstreamMessageContext,
  UpstreamRequestOptions,
} from '../../upstream/types.js';
import type { SpawnedReplica, Spawner } from '../servers/spawner.js';

type Obj = Record<string, unknown>;

export interface HeldPoolHost {
  readonly name: string;
  readonly spawner: Spawner;
  /** What a connection is opened with (the pool always speaks the handshake era). */
  readonly init: UpstreamInitOptions;
  readonly timeoutMs: number;
  /** The server asks the client something; ctx names the held call (qualified id). */
  onRequest(msg: JsonRpcRequest, ctx: UpstreamMessageContext): Promise<unknown>;
  onNotification(msg: JsonRpcNotification, ctx: UpstreamMessageContext): void;
  /** A list changed on a held session: fetched again from that session, for its principal. */
  onListChanged(kind: 'tools' | 'prompts' | 'resources', principal: string, client: UpstreamClient): void;
  /** A principal's held session closed: whatever it showed of its own is gone with it. */
  onClosed(principal: string): void;
}

export interface HeldPoolOptions {
  /** Sessions per server at most (default 8). */
  max?: number;
  /** A session with no call open is closed after this long (default 60 s). */
  idleMs?: number;
}

/** One entry as status and tests see it. */
export interface HeldSessionInfo {
  id: number;
  principal: string;
  active: number;
  calls: number;
  lastUsed: string;
}

interface Entry {
  id: number;
  principal: string;
  ready: Promise<UpstreamClient>;
  spawned?: SpawnedReplica;
  active: number;
  calls: number;
  /** Qualified upstream ids of the calls open on it, oldest first. */
  readonly ids: Set<string>;
  lastUsed: number;
  idle?: NodeJS.Timeout;
  closed: boolean;
}

/** Spawn ids for pooled sessions, far from replica ids (which count from 1). */
const ID_BASE = 1_000_000;

export class HeldSessionPool {
  private readonly entries = new Map<string, Entry>();
  private next = ID_BASE;
  private readonly max: number;
  private readonly idleMs: number;
  /** Sessions opened since start (tests: reuse is "no new session"). */
  opened = 0;

  constructor(
    private readonly host: HeldPoolHost,
    opts: HeldPoolOptions = {},
  ) {
    this.max = Math.max(1, opts.max ?? 8);
    this.idleMs = opts.idleMs ?? 60_000;
  }

  /**
   * Send `method` on the principal's held session; undefined when none can be had (the caller
   * uses the shared connection then).
   */
  request(
    principal: string,
    method: string,
    params: Obj | undefined,
    opts: UpstreamRequestOptions,
  ): Promise<unknown> | undefined {
    const e = this.entries.get(principal) ?? this.open(principal);
    if (!e) return undefined;
    if (e.idle) clearTimeout(e.idle);
    e.idle = undefined;
    e.active++;
    e.calls++;
    e.lastUsed = Date.now();
    let qid: string | undefined;
    const report = opts.onRequestId;
    const run = e.ready.then((client) =>
      client.request(method, params, {
        timeoutMs: this.host.timeoutMs,
        ...opts,
        onRequestId: (id) => {
          qid = `held${e.id}:${id}`;
          e.ids.add(qid);
          report?.(qid);
        },
      }),
    );
    const settle = () => {
      if (qid !== undefined) e.ids.delete(qid);
      e.active--;
      e.lastUsed = Date.now();
      if (e.active === 0 && !e.closed) {
        e.idle = setTimeout(() => this.drop(e), this.idleMs);
        e.idle.unref();
      }
    };
    run.then(settle, settle);
    return run;
  }

  list(): HeldSessionInfo[] {
    return [...this.entries.values()].map((e) => ({
      id: e.id,
      principal: e.principal,
      active: e.active,
      calls: e.calls,
      lastUsed: new Date(e.lastUsed).toISOString(),
    }));
  }

  async close(): Promise<void> {
    await Promise.all([...this.entries.values()].map((e) => this.drop(e)));
  }

  private open(principal: string): Entry | undefined {
    if (this.entries.size >= this.max) {
      // Full: the least recently used idle session makes room; with none idle, no pooling.
      let victim: Entry | undefined;
      for (const e of this.entries.values()) {
        if (e.active === 0 && (!victim || e.lastUsed < victim.lastUsed)) victim = e;
      }
      if (!victim) return undefined;
      void this.drop(victim);
    }
    const e: Entry = {
      id: this.next++,
      principal,
      ready: Promise.resolve(undefined as unknown as UpstreamClient),
      active: 0,
      calls: 0,
      ids: new Set(),
      lastUsed: Date.now(),
      closed: false,
    };
    e.ready = this.connect(e);
    // A session that failed to open is forgotten, so the next call tries again.
    e.ready.catch(() => {
      void this.drop(e);
    });
    this.entries.set(principal, e);
    this.opened++;
    return e;
  }

  private async connect(e: Entry): Promise<UpstreamClient> {
    const spawned = await this.host.spawner.spawn(e.id);
    e.spawned = spawned;
    if (e.closed) {
      await this.release(e);
      throw new RpcError(ErrorCode.ConnectionClosed, 'held session closed');
    }
    const ctxOf = (ctx: UpstreamMessageContext): UpstreamMessageContext => {
      if (ctx.relatedRequestId !== undefined)
        return { relatedRequestId: `held${e.id}:${ctx.relatedRequestId}` };
      let newest: string | undefined;
      for (const id of e.ids) newest = id;
      return newest === undefined ? ctx : { relatedRequestId: newest };
    };
    await spawned.client.connect(
      {
        onRequest: (msg, ctx) => {
          if (msg.method === 'ping') return Promise.resolve({});
          // Only this principal's calls use the session: with none open there is no one to ask.
          if (e.ids.size === 0) {
            return Promise.reject(
              new RpcError(ErrorCode.InternalError, `no call in progress to handle ${msg.method}`),
            );
          }
          return this.host.onRequest(msg, ctxOf(ctx));
        },
        onNotification: (msg, ctx) => {
          // A list changed on this session: its principal's lists are fetched from it. Resource
          // updates come from the shared connection's subscriptions.
          const listed = /^notifications\/(tools|prompts|resources)\/list_changed$/.exec(msg.method);
          if (listed)
            return this.host.onListChanged(
              listed[1] as 'tools' | 'prompts' | 'resources',
              e.principal,
              spawned.client,
            );
          if (msg.method.endsWith('/list_changed') || msg.method === 'notifications/resources/updated')
            return;
          this.host.onNotification(msg, ctxOf(ctx));
        },
        onClose: () => {
          if (!e.closed) void this.drop(e);
        },
      },
      { ...this.host.init, generation: 'handshake' },
    );
    return spawned.client;
  }

  private async drop(e: Entry): Promise<void> {
    if (e.closed) return;
    e.closed = true;
    if (e.idle) clearTimeout(e.idle);
    if (this.entries.get(e.principal) === e) {
      this.entries.delete(e.principal);
      this.host.onClosed(e.principal);
    }
    await this.release(e);
  }

  private async release(e: Entry): Promise<void> {
    const s = e.spawned;
    e.spawned = undefined;
    if (!s) return;
    await s.client.close().catch(() => {});
    await this.host.spawner.release?.(e.id, s).catch(() => {});
  }
}
