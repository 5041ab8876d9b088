// One upstream server over its whole life: registration, listing (following nextCursor), health
// pings, and restart with backoff after a failed ping or an unexpected close. Each connection has
// a generation number so events from a dead connection are ignored.
import type { Logger } from '../logging/logger.js';
import { ErrorCode, type JsonRpcNotification, type JsonRpcRequest, RpcError } from '../protocol/jsonrpc.js';
import type {
  UpstreamClient,
  UpstreamInitOptions,
  UpstreamMessageContext,
  UpstreamRequestOptions,
  UpstreamTransportKind,
} from '../upstream/types.js';
import { backoffDelay } from './backoff.js';
import type { Obj } from './catalog.js';
import type { ServerSpec, ServerState, ServerStatus } from './types.js';

export interface ServerHooks {
  init: UpstreamInitOptions;
  logger?: Logger;
  /** State or lists changed: rebuild the catalog (and tell clients what changed). */
  onChange(server: ManagedServer): void;
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

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export class ManagedServer {
  state: ServerState = 'starting';
  reason: string | undefined;
  lastError: string | undefined;
  restarts = 0;
  registered = false;
  transport: UpstreamTransportKind | undefined;
  client: UpstreamClient | undefined;
  capabilities: Record<string, unknown> = {};
  serverInfo: { name: string; version: string } | undefined;
  instructions: string | undefined;
  tools: Obj[] = [];
  prompts: Obj[] = [];
  resources: Obj[] = [];
  templates: Obj[] = [];
  collisions: string[] = [];
  readonly timeoutMs: number;
  private readonly whitelist: Set<string> | undefined;
  private gen = 0;
  private attempt = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private pingTimer: NodeJS.Timeout | undefined;
  private pinging = false;
  private stopped = false;
  private readonly relisting = new Map<Kind, Promise<void>>();
  private readonly dirty = new Set<Kind>();
  private readonly log: Logger | undefined;

  constructor(
    readonly spec: ServerSpec,
    private readonly hooks: ServerHooks,
  ) {
    this.timeoutMs = spec.timeoutMs ?? 60_000;
    this.whitelist = spec.tools && spec.tools.length > 0 ? new Set(spec.tools) : undefined;
    this.log = hooks.logger?.child({ server: spec.name });
  }

  get name(): string {
    return this.spec.name;
  }

  get healthy(): boolean {
    return this.state === 'healthy';
  }

  status(): ServerStatus {
    const s: ServerStatus = {
      name: this.name,
      state: this.state,
      tools: this.tools.length,
      prompts: this.prompts.length,
      resources: this.resources.length,
      restarts: this.restarts,
      registered: this.registered,
    };
    if (this.reason !== undefined) s.reason = this.reason;
    if (this.transport !== undefined) s.transport = this.transport;
    const pid = this.client?.pid;
    if (pid !== undefined) s.pid = pid;
    if (this.lastError !== undefined) s.lastError = this.lastError;
    if (this.collisions.length > 0) s.collisions = [...this.collisions];
    if (this.serverInfo) s.serverInfo = this.serverInfo;
    return s;
  }

  /** First registration. Never rejects: a failure is recorded and retried with backoff. */
  async start(): Promise<void> {
    try {
      await this.connect();
    } catch (err) {
      this.fail('failed', `registration failed: ${messageOf(err)}`);
    } finally {
      this.registered = true;
      this.hooks.onChange(this);
    }
  }

  /** Unavailable → an error naming the server and why, for fast failure. */
  unavailableError(): RpcError {
    const why = this.reason ? `: ${this.reason}` : '';
    const what = this.state === 'starting' ? 'is still starting' : `is unavailable (${this.state}${why})`;
    return new RpcError(ErrorCode.ConnectionClosed, `server "${this.name}" ${what}`, { server: this.name });
  }

  request(method: string, params: Record<string, unknown> | undefined, opts: UpstreamRequestOptions = {}) {
    const c = this.client;
    if (!c || this.state !== 'healthy') return Promise.reject(this.unavailableError());
    return c.request(method, params, { timeoutMs: this.timeoutMs, ...opts });
  }

  notify(method: string, params?: Record<string, unknown>): Promise<void> {
    const c = this.client;
    if (!c || this.state !== 'healthy') return Promise.reject(this.unavailableError());
    return c.notify(method, params);
  }

  private async connect(): Promise<void> {
    const gen = ++this.gen;
    const client = this.spec.createClient();
    this.client = client;
    this.transport = client.kind;
    const init = await client.connect(
      {
        onNotification: (msg, ctx) => {
          if (gen === this.gen) this.onNotification(msg, ctx);
        },
        onRequest: (msg, ctx) => {
          if (gen !== this.gen)
            return Promise.reject(new RpcError(ErrorCode.ConnectionClosed, 'stale connection'));
          if (msg.method === 'ping') return Promise.resolve({});
          return this.hooks.onRequest(this, msg, ctx);
        },
        onClose: (error) => {
          if (gen !== this.gen || this.stopped) return;
          this.down(`connection closed${error ? `: ${error.message}` : ''}`);
        },
        onLog: (line) => this.log?.debug(line),
      },
      this.hooks.init,
    );
    if (gen !== this.gen || this.stopped) {
      await client.close();
      throw new Error('superseded');
    }
    this.capabilities = (init.capabilities ?? {}) as Record<string, unknown>;
    this.serverInfo = {
      name: String(init.serverInfo?.name ?? ''),
      version: String(init.serverInfo?.version ?? ''),
    };
    this.instructions = typeof init.instructions === 'string' ? init.instructions : undefined;
    await Promise.all((Object.keys(LIST_METHODS) as Kind[]).map((k) => this.list(k, k === 'tools')));
    if (gen !== this.gen || this.stopped) throw new Error('superseded');
    this.state = 'healthy';
    this.reason = undefined;
    this.attempt = 0;
    this.startPing();
    this.log?.info('server ready', { tools: this.tools.length, transport: this.transport });
    this.hooks.onConnected(this);
  }

  private hasCapability(kind: Kind): boolean {
    const cap = kind === 'templates' ? 'resources' : kind;
    return this.capabilities[cap] !== undefined && this.capabilities[cap] !== null;
  }

  /** Fetch one list, following nextCursor. Optional lists fail soft (empty + a warning). */
  private async list(kind: Kind, required: boolean): Promise<void> {
    const client = this.client;
    if (!client || !this.hasCapability(kind)) {
      this[kind] = [];
      return;
    }
    const [method, key] = LIST_METHODS[kind];
    const items: Obj[] = [];
    const seen = new Set<string>();
    let cursor: string | undefined;
    try {
      for (let page = 0; page < MAX_PAGES; page++) {
        const res = (await client.request(method, cursor === undefined ? undefined : { cursor }, {
          timeoutMs: this.timeoutMs,
        })) as Obj | undefined;
        const got = res?.[key];
        if (Array.isArray(got)) for (const it of got) if (it && typeof it === 'object') items.push(it as Obj);
        const next = res?.nextCursor;
        if (typeof next !== 'string' || next === '' || seen.has(next)) break;
        seen.add(next);
        cursor = next;
      }
    } catch (err) {
      if (required) throw err;
      this.log?.warn(`${method} failed; treating as empty`, { error: messageOf(err) });
      this[kind] = [];
      return;
    }
    this[kind] =
      kind === 'tools' && this.whitelist
        ? items.filter((t) => typeof t.name === 'string' && this.whitelist!.has(t.name))
        : items;
  }

  /** Re-list after a list_changed; coalesces bursts into at most one extra pass. */
  relist(kind: Kind): Promise<void> {
    const running = this.relisting.get(kind);
    if (running) {
      this.dirty.add(kind);
      return running;
    }
    const run = (async () => {
      try {
        do {
          this.dirty.delete(kind);
          await this.list(kind, false);
        } while (this.dirty.has(kind));
      } finally {
        this.relisting.delete(kind);
      }
      if (this.state === 'healthy') this.hooks.onChange(this);
    })();
    this.relisting.set(kind, run);
    return run;
  }

  private onNotification(msg: JsonRpcNotification, ctx: UpstreamMessageContext): void {
    switch (msg.method) {
      case 'notifications/tools/list_changed':
        void this.relist('tools');
        return;
      case 'notifications/prompts/list_changed':
        void this.relist('prompts');
        return;
      case 'notifications/resources/list_changed':
        void this.relist('resources').then(() => this.relist('templates'));
        return;
      default:
        this.hooks.onNotification(this, msg, ctx);
    }
  }

  private startPing(): void {
    this.stopPing();
    const every = this.spec.pingIntervalMs ?? 30_000;
    this.pingTimer = setInterval(() => void this.ping(), every);
    this.pingTimer.unref();
  }

  private stopPing(): void {
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.pingTimer = undefined;
  }

  private async ping(): Promise<void> {
    const client = this.client;
    if (this.pinging || !client || this.state !== 'healthy') return;
    this.pinging = true;
    const gen = this.gen;
    try {
      await client.request('ping', undefined, { timeoutMs: this.spec.pingTimeoutMs ?? 5000 });
    } catch (err) {
      // A server that answers "method not found" is alive.
      if (!(err instanceof RpcError && err.code === ErrorCode.MethodNotFound) && gen === this.gen) {
        this.down(`health ping failed: ${messageOf(err)}`);
      }
    } finally {
      this.pinging = false;
    }
  }

  /** Mark unhealthy, drop the connection, tell clients, schedule a restart. */
  private down(reason: string): void {
    if (this.stopped || this.state === 'unhealthy') return;
    this.log?.warn('server unhealthy', { reason });
    this.fail('unhealthy', reason);
    this.hooks.onChange(this);
  }

  private fail(state: 'unhealthy' | 'failed', reason: string): void {
    this.gen++;
    this.state = state;
    this.reason = reason;
    this.lastError = reason;
    this.stopPing();
    const c = this.client;
    this.client = undefined;
    if (c) void c.close().catch(() => {});
    this.scheduleRestart();
  }

  private scheduleRestart(): void {
    if (this.stopped || this.retryTimer) return;
    const delay = backoffDelay(this.attempt++, this.spec.restartBackoff);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.restart();
    }, delay);
    this.retryTimer.unref();
  }

  private async restart(): Promise<void> {
    if (this.stopped) return;
    this.restarts++;
    const previous = this.state === 'failed' ? 'failed' : 'unhealthy';
    try {
      await this.connect();
      this.log?.info('server restarted', { restarts: this.restarts });
      this.hooks.onChange(this);
    } catch (err) {
      if (this.stopped) return;
      const what = previous === 'failed' ? 'registration failed' : 'restart failed';
      this.fail(previous, `${what} (attempt ${this.restarts}): ${messageOf(err)}`);
    }
  }

  /** Operator-requested restart: reconnect at once, whatever the backoff says. */
  async restartNow(): Promise<void> {
    if (this.stopped) return;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.gen++;
    this.stopPing();
    const c = this.client;
    this.client = undefined;
    if (c) await c.close().catch(() => {});
    this.state = 'starting';
    this.reason = 'restart requested';
    this.attempt = 0;
    this.hooks.onChange(this);
    await this.restart();
  }

  async close(): Promise<void> {
    this.stopped = true;
    this.gen++;
    this.stopPing();
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.state = 'stopped';
    const c = this.client;
    this.client = undefined;
    if (c) await c.close().catch(() => {});
  }
}
