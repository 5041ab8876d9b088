// The container spawner: replicas of a container server (static `replicas` and `autoscale`). A
// replica first takes a container `up` started at apply (matched by replica id, else any unclaimed
// one: a cold start after idle-to-zero); past those it starts a new container
// `gridctl-<stack>-<server>-replica-<id>` with the same spec, a fresh loopback host port (HTTP) and
// the stack's labels, so `destroy` finds it even if the daemon died. A container it started is
// removed again on any failure before the client is returned, and on release (reap, restart).
import type { McpServer } from '../config/index.js';
import { coded } from '../errors/coded.js';
import type { SpawnedReplica, Spawner } from '../gateway/spawner.js';
import type { WorkloadRuntime } from '../runtime/index.js';
import type { UpstreamClient } from '../upstream/types.js';
import { HostPortAllocator } from './port-allocator.js';
// Types only: workloads.ts builds the spawner and hands it its spec and readiness functions, so
// the two modules do not import each other at run time.
import type { Desired, ServerContainer } from './workloads.js';

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

  constructor(private readonly o: ContainerSpawnerOptions) {}

  async spawn(replicaId: number): Promise<SpawnedReplica> {
    const reuse = this.unclaimed(replicaId);
    if (reuse) {
      this.claimed.set(replicaId, reuse);
      try {
        if (reuse.transport !== 'stdio') {
          const c = await this.o.runtime.inspectContainer(reuse.id);
          if (!c)
            throw coded('CONTAINER_GONE', `container ${reuse.name} is gone; run \`gridctl apply\` again`);
          if (c.state !== 'running') await this.o.runtime.startContainer(reuse.id);
        }
        return { client: this.o.clientFor(reuse), container: reuse.id.slice(0, 12) };
      } catch (err) {
        this.claimed.delete(replicaId);
        throw err;
      }
    }
    return this.start(replicaId);
  }

  async release(replicaId: number): Promise<void> {
    if (this.claimed.delete(replicaId)) return; // apply's container: `destroy` removes it
    const mine = this.owned.get(replicaId);
    if (!mine) return;
    this.owned.delete(replicaId);
    await this.remove(mine.id);
    if (mine.hostPort) this.o.ports.free(mine.hostPort);
  }

  private unclaimed(replicaId: number): ServerContainer | undefined {
    const free = this.o.existing.filter((c) => ![...this.claimed.values()].includes(c));
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
