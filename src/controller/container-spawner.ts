// The container spawner: replicas of a container server (static `replicas` and `autoscale`). A
// replica first takes a container `up` started at apply (matched by replica id, else any unclaimed
// one still there); past those it starts a new container
// `gridctl-<stack>-<server>-replica-<id>` with the same spec, a fresh loopback host port (HTTP) and
// the stack's labels, so `destroy` finds it even if the daemon died. A container it started is
// removed again on any failure before the client is returned, and on release (reap, restart,
// shutdown). One `apply` made is removed only when its replica is reaped: a restart reattaches to
// it, and after a shutdown the next `apply` reuses it.
import type { McpServer } from '../config/index.js';
import type { SpawnedReplica, Spawner } from '../gateway/servers/spawner.js';
import type { WorkloadRuntime } from '../runtime/index.js';
import type { UpstreamClient } from '../upstream/types.js';
// Types only: workloads.ts builds the spawner and hands it its spec and readiness functions, so
// the two modules do not import each other at run time.
import type { Desired, ServerContainer } from './container-types.js';
import { HostPortAllocator } from './port-allocator.js';

export interface ContainerSpawnerOptions {
  runtime: WorkloadRuntime;
  server: McpServer;
  /** The server's containers `up` started (discovered by label). */
  existing: ServerContainer[];
  ports: HostPortAllocator;
  /** The server's transport (stdio containers get no host port). */
  transport: ServerContainer['transport'];
  /** The container `apply` would make for this replica (the same spec builder). */
  plan(replica: number, hostPort: number | undefined): Desired;
  /** The same readiness wait as apply's. */
  waitReady(d: Desired, id: string): Promise<void>;
  clientFor(c: ServerContainer): UpstreamClient;
}

/** Ports already published by the stack's containers are reserved; new ones start above them. */
export function hostPortsOf(servers: Map<string, ServerContainer[]>, base = 9000): HostPortAllocator {
  const used = [...servers.values()].flat().flatMap((c) => (c.hostPort ? [c.hostPort] : []));
  const ports = new HostPortAllocator(Math.max(base, ...used.map((p) => p + 1)));
  for (const p of used) ports.reserve(p);
  return ports;
}

export class ContainerSpawner implements Spawner {
  readonly kind = 'container';
  /** Apply-made containers in use, by replica id. */
  private readonly claimed = new Map<number, ServerContainer>();
  /** Containers this spawner started, by replica id. */
  private readonly owned = new Map<number, { id: string; hostPort?: number }>();
  /** Apply's containers not removed yet (a reaped one leaves the pool). */
  private readonly pool: ServerContainer[];
  /** Replicas being reaped (retire), whose release removes the container whoever made it. */
  private readonly retiring = new Set<number>();

  constructor(private readonly o: ContainerSpawnerOptions) {
    this.pool = [...o.existing];
  }

  async spawn(replicaId: number): Promise<SpawnedReplica> {
    for (let reuse = this.unclaimed(replicaId); reuse; reuse = this.unclaimed(replicaId)) {
      this.claimed.set(replicaId, reuse);
      try {
        const c = await this.o.runtime.inspectContainer(reuse.id);
        if (!c) {
          // Removed since discovery (reaped; or, on a reload, released by the server this one
          // replaces): not an error, the replica gets a container of its own.
          this.claimed.delete(replicaId);
          this.pool.splice(this.pool.indexOf(reuse), 1);
          continue;
        }
        if (reuse.transport !== 'stdio' && c.state !== 'running')
          await this.o.runtime.startContainer(reuse.id);
        return { client: this.o.clientFor(reuse), container: reuse.id.slice(0, 12) };
      } catch (err) {
        this.claimed.delete(replicaId);
        throw err;
      }
    }
    return this.start(replicaId);
  }

  retire(replicaId: number): void {
    this.retiring.add(replicaId);
  }

  async release(replicaId: number): Promise<void> {
    const reaped = this.retiring.delete(replicaId);
    const applied = this.claimed.get(replicaId);
    if (applied) {
      this.claimed.delete(replicaId);
      // Restart or shutdown: apply's container stays (reattached, or reused by the next apply).
      if (!reaped) return;
      // Reaped: nothing claims it again, so scale-down and idle-to-zero leave no container behind;
      // a later spawn starts a fresh one.
      this.pool.splice(this.pool.indexOf(applied), 1);
      await this.remove(applied.id);
      if (applied.hostPort) this.o.ports.free(applied.hostPort);
      return;
    }
    const mine = this.owned.get(replicaId);
    if (!mine) return;
    this.owned.delete(replicaId);
    await this.remove(mine.id);
    if (mine.hostPort) this.o.ports.free(mine.hostPort);
  }

  private unclaimed(replicaId: number): ServerContainer | undefined {
    const free = this.pool.filter((c) => ![...this.claimed.values()].includes(c));
    return free.find((c) => (c.replica ?? 0) === replicaId) ?? free[0];
  }

  private async start(replicaId: number): Promise<SpawnedReplica> {
    const { runtime: rt, server, transport } = this.o;
    const hostPort = transport !== 'stdio' && server.port ? await this.o.ports.allocate() : undefined;
    const d = this.o.plan(replicaId, hostPort);
    let id: string | undefined;
    try {
      // A stale one of the same name (a daemon killed mid-spawn) would block the create.
      const stale = await rt.inspectContainer(d.spec.name);
      if (stale) await this.remove(stale.id);
      id = await rt.createContainer(d.spec);
      this.owned.set(replicaId, { id, hostPort });
      if (transport !== 'stdio') {
        await rt.startContainer(id);
        await this.o.waitReady(d, id);
      }
      const c: ServerContainer = {
        server: server.name,
        replica: replicaId,
        id,
        name: d.spec.name,
        transport,
        hostPort,
      };
      return { client: this.o.clientFor(c), container: id.slice(0, 12) };
    } catch (err) {
      this.owned.delete(replicaId);
      if (id) await this.remove(id);
      if (hostPort) this.o.ports.free(hostPort);
      throw err;
    }
  }

  private async remove(id: string): Promise<void> {
    await this.o.runtime.stopContainer(id, 5).catch(() => {});
    await this.o.runtime.removeContainer(id).catch(() => {});
  }
}
