// Spawners make the replicas of a server. A replica is one upstream client: a child process here;
// a container (own name, own host port) or an SSH session in the runtimes that plug in later. The
// replica set and the autoscaler only ever talk to this interface.
import type { UpstreamClient } from '../../upstream/types.js';

export interface SpawnedReplica {
  /** Fresh and unconnected: the replica set connects it (initialize) and closes it. */
  client: UpstreamClient;
  /** What backs the replica, for status (e.g. a container id); processes report `client.pid`. */
  container?: string;
}

export interface Spawner {
  /** `process`, `container`, `ssh`, ... (shown in logs). */
  readonly kind: string;
  /**
   * Make replica `replicaId` (ids are per server, monotonic, reused only when that same replica
   * restarts). Called at registration, on every restart of a replica and by the autoscaler.
   * Throwing (or rejecting) fails that replica's start.
   */
  spawn(replicaId: number): SpawnedReplica | Promise<SpawnedReplica>;
  /**
   * Release what `spawn` allocated besides the client (a container, a port), after the client was
   * closed: on reap, on restart of that replica and on shutdown. Must be idempotent.
   */
  release?(replicaId: number, spawned: SpawnedReplica): Promise<void>;
  /**
   * The autoscaler reaps replica `replicaId` (scale-down, idle-to-zero): called after its drain and
   * before it is closed, so the release that follows frees it for good. Restarts and shutdown do
   * not call it (what they release may be used again).
   */
  retire?(replicaId: number): void;
}

/** Every replica is a fresh client from the server's `createClient` (stdio processes, SSH). */
export function clientSpawner(createClient: () => UpstreamClient, kind = 'process'): Spawner {
  return { kind, spawn: () => ({ client: createClient() }) };
}
