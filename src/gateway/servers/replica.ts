// One replica of a server: one upstream client made by the server's spawner, over its whole life —
// connect (initialize), health pings, restart with jittered backoff after a failed ping or an
// unexpected close, drain before removal. Each connection has a generation number so events from a
// dead connection are ignored. What is shared by all replicas of a server (lists, catalog, the
// gateway's hooks) lives in the owner (ManagedServer).

import { internal } from '../../errors/coded.js';
import type { Logger } from '../../logging/logger.js';
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
} from '../../upstream/types.js';
import type { ReplicaState, ReplicaStatus, ServerSpec } from '../types.js';
import { backoffDelay } from './backoff.js';
import type { SpawnedReplica, Spawner } from './spawner.js';

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** What a replica needs from the server it belongs to. */
export interface ReplicaOwner {
  readonly spec: ServerSpec;
  readonly spawner: Spawner;
  readonly init: UpstreamInitOptions;
  /** More than one replica possible: log lines and messages say "replica". */
  readonly multi: boolean;
  /** A connection attempt failed (the era verdict it used may be stale; the error may carry a new one). */
  connectFailed?(err: unknown): void;
  /** Initialized: list through this replica if the server needs lists; throwing fails the replica. */
  ready(r: Replica, init: UpstreamInitResult, client: UpstreamClient): Promise<void>;
  /** The replica's state changed (healthy, unhealthy, failed, restarting, ...). */
  changed(r: Replica): void;
  /** A (re)connection succeeded and the replica is in rotation. */
  connected(r: Replica): void;
  upstreamNotification(r: Replica, msg: JsonRpcNotification, ctx: UpstreamMessageContext): void;
  upstreamRequest(r: Replica, msg: JsonRpcRequest, ctx: UpstreamMessageContext): Promise<unknown>;
}

export class Replica {
  state: ReplicaState = 'starting';
  reason: string | undefined;
  lastError: string | undefined;
  /** When lastError was set (to report the server's most recent error). */
  lastErrorAt = 0;
  /** The last stderr lines of the connection that failed (cleared once a connection comes up). */
  stderr: string[] | undefined;
  restarts = 0;
  /** Calls dispatched to this replica and not answered yet. */
  inFlight = 0;
  client: UpstreamClient | undefined;
  /** When the next reconnect attempt runs (ms epoch), while one is scheduled. */
  nextRetryAt: number | undefined;
  readonly startedAt = Date.now();
  /** Multi-replica servers: replica-qualified upstream ids of the calls in flight, oldest first. */
  readonly ids = new Set<string>();
  /** Restart with backoff when the first start fails (static replicas); autoscaled spawns are dropped. */
  retryFirstStart = true;
  private spawned: SpawnedReplica | undefined;
  private gen = 0;
  private attempt = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private pingTimer: NodeJS.Timeout | undefined;
  private pinging = false;
  private stopped = false;
  private onIdle: (() => void) | undefined;
  private readonly log: Logger | undefined;
  private readonly what: string;

  constructor(
    readonly id: number,
    private readonly owner: ReplicaOwner,
    logger: Logger | undefined,
  ) {
    this.log = owner.multi ? logger?.child({ replica_id: id }) : logger;
    this.what = owner.multi ? 'replica' : 'server';
  }

  /** Settles one dispatched call; bound once so the hot path allocates nothing for it. */
  readonly done = (): void => {
    if (--this.inFlight === 0 && this.onIdle) this.onIdle();
  };

  get healthy(): boolean {
    return this.state === 'healthy';
  }

  get pid(): number | undefined {
    return this.client?.pid;
  }

  status(): ReplicaStatus {
    const s: ReplicaStatus = {
      id: this.id,
      state: this.state,
      inFlight: this.inFlight,
      restarts: this.restarts,
      startedAt: new Date(this.startedAt).toISOString(),
    };
    if (this.reason !== undefined) s.reason = this.reason;
    const pid = this.client?.pid;
    if (pid !== undefined) s.pid = pid;
    if (this.spawned?.container !== undefined) s.container = this.spawned.container;
    if (this.stderr?.length) s.stderr = this.stderr;
    if (this.nextRetryAt !== undefined) s.nextRetryAt = new Date(this.nextRetryAt).toISOString();
    return s;
  }

  /** First start. Resolves whether the replica came up; a failure is recorded (and retried if allowed). */
  async start(): Promise<boolean> {
    try {
      await this.connect();
      return true;
    } catch (err) {
      if (this.stopped) return false;
      if (needsAuth(err)) this.fail('needs auth', messageOf(err), false);
      else this.fail('failed', `registration failed: ${messageOf(err)}`, this.retryFirstStart);
      return false;
    }
  }

  private async connect(): Promise<void> {
    const gen = ++this.gen;
    const spawned = await this.owner.spawner.spawn(this.id);
    if (gen !== this.gen || this.stopped) {
      await this.release(spawned);
      throw internal('superseded');
    }
    this.spawned = spawned;
    const client = spawned.client;
    this.client = client;
    const init = await client
      .connect(
        {
          onNotification: (msg, ctx) => {
            if (gen === this.gen) this.owner.upstreamNotification(this, msg, ctx);
          },
          onRequest: (msg, ctx) => {
            if (gen !== this.gen)
              return Promise.reject(new RpcError(ErrorCode.ConnectionClosed, 'stale connection'));
            if (msg.method === 'ping') return Promise.resolve({});
            return this.owner.upstreamRequest(this, msg, ctx);
          },
          onClose: (error) => {
            if (gen !== this.gen || this.stopped) return;
            this.down(`connection closed${error ? `: ${error.message}` : ''}`);
          },
          onLog: (line) => this.log?.debug(line),
        },
        this.owner.init,
      )
      .catch((err: unknown) => {
        this.owner.connectFailed?.(err);
        throw err;
      });
    if (gen !== this.gen || this.stopped) {
      await this.release(spawned);
      throw internal('superseded');
    }
    await this.owner.ready(this, init, client);
    if (gen !== this.gen || this.stopped) throw internal('superseded');
    this.state = 'healthy';
    this.reason = undefined;
    this.stderr = undefined;
    this.attempt = 0;
    this.nextRetryAt = undefined;
    this.startPing();
    this.owner.connected(this);
  }

  private async release(spawned: SpawnedReplica): Promise<void> {
    await spawned.client.close().catch(() => {});
    await this.owner.spawner.release?.(this.id, spawned).catch(() => {});
  }

  /** Close the current connection (if any) without waiting. */
  private drop(): Promise<void> {
    const s = this.spawned;
    this.spawned = undefined;
    this.client = undefined;
    return s ? this.release(s) : Promise.resolve();
  }

  private startPing(): void {
    this.stopPing();
    const every = this.owner.spec.pingIntervalMs ?? 30_000;
    this.pingTimer = setInterval(() => void this.ping(), every);
    this.pingTimer.unref();
  }

  private stopPing(): void {
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.pingTimer = undefined;
  }

  private async ping(): Promise<void> {
    const client = this.client;
    if (this.pinging || !client || (this.state !== 'healthy' && this.state !== 'draining')) return;
    this.pinging = true;
    const gen = this.gen;
    try {
      await client.request('ping', undefined, { timeoutMs: this.owner.spec.pingTimeoutMs ?? 5000 });
    } catch (err) {
      // A server that answers "method not found" is alive.
      if (!(err instanceof RpcError && err.code === ErrorCode.MethodNotFound) && gen === this.gen) {
        this.down(`health ping failed: ${messageOf(err)}`);
      }
    } finally {
      this.pinging = false;
    }
  }

  /** Mark unhealthy, drop the connection, tell the owner, schedule a restart. */
  down(reason: string): void {
    if (this.stopped || this.state === 'unhealthy' || this.state === 'needs auth') return;
    if (this.state === 'draining') {
      // Being removed anyway: no restart. Its calls fail, which ends the drain.
      this.gen++;
      this.stopPing();
      this.recordError(reason);
      void this.drop();
      return;
    }
    this.log?.warn(`${this.what} unhealthy`, { reason });
    this.fail('unhealthy', reason, true);
  }

  private recordError(reason: string): void {
    this.lastError = reason;
    this.lastErrorAt = Date.now();
  }

  private fail(state: 'unhealthy' | 'failed' | 'needs auth', reason: string, retry: boolean): void {
    this.gen++;
    this.state = state;
    this.reason = reason;
    // What the process said before it failed: "exited with code 3" alone rarely says why. Without
    // a client this is a second report of the same failure (closed, then initialize rejected).
    if (this.client) {
      const tail = this.client.stderrTail?.();
      this.stderr = tail?.length ? tail : undefined;
    }
    this.recordError(reason);
    this.stopPing();
    void this.drop();
    if (retry) this.scheduleRestart();
    else if (state === 'needs auth' && this.retryTimer) {
      // The closing connection may have scheduled one already: a sign-in, not a retry, brings it back.
      clearTimeout(this.retryTimer);
      this.retryTimer = undefined;
      this.nextRetryAt = undefined;
    }
    this.owner.changed(this);
  }

  private scheduleRestart(): void {
    if (this.stopped || this.retryTimer) return;
    const delay = backoffDelay(this.attempt++, this.owner.spec.restartBackoff);
    this.nextRetryAt = Date.now() + delay;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.nextRetryAt = undefined;
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
      this.log?.info(`${this.what} restarted`, { restarts: this.restarts });
    } catch (err) {
      if (this.stopped) return;
      // Waiting for a sign-in: retrying cannot help; `auth login` restarts it when done.
      if (needsAuth(err)) return this.fail('needs auth', messageOf(err), false);
      const what = previous === 'failed' ? 'registration failed' : 'restart failed';
      this.fail(previous, `${what} (attempt ${this.restarts}): ${messageOf(err)}`, true);
    }
  }

  /** Operator-requested restart: reconnect at once, whatever the backoff says. */
  async restartNow(): Promise<void> {
    if (this.stopped) return;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.nextRetryAt = undefined;
    this.gen++;
    this.stopPing();
    await this.drop();
    this.state = 'starting';
    this.reason = 'restart requested';
    this.attempt = 0;
    this.owner.changed(this);
    await this.restart();
  }

  /**
   * Take the replica out of rotation and wait (at most `timeoutMs`) for its calls to finish.
   * Resolves true when it is idle (the caller then closes it), false on timeout (put back).
   */
  drain(timeoutMs: number): Promise<boolean> {
    if (this.state !== 'healthy') return Promise.resolve(this.state !== 'stopped');
    this.state = 'draining';
    this.owner.changed(this);
    if (this.inFlight === 0) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        this.onIdle = undefined;
        resolve(false);
      }, timeoutMs);
      timer.unref();
      this.onIdle = () => {
        this.onIdle = undefined;
        clearTimeout(timer);
        resolve(true);
      };
    });
  }

  /** A drain that timed out: back into rotation if the connection is still up. */
  undrain(): void {
    if (this.state !== 'draining' || this.stopped) return;
    if (this.client) {
      this.state = 'healthy';
      this.owner.changed(this);
    } else {
      this.state = 'unhealthy';
      this.reason = this.lastError ?? 'connection lost while draining';
      this.scheduleRestart();
      this.owner.changed(this);
    }
  }

  async close(): Promise<void> {
    this.stopped = true;
    this.gen++;
    this.stopPing();
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.nextRetryAt = undefined;
    this.state = 'stopped';
    this.onIdle = undefined;
    await this.drop();
  }
}

/** The upstream's OAuth client said a person must sign in (src/oauth/upstream.ts NeedsAuthError). */
function needsAuth(err: unknown): boolean {
  const data = (err as { data?: { code?: unknown } }).data;
  return data?.code === 'OAUTH_NEEDS_AUTH';
}
