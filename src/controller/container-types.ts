// The shapes apply's container plan and the replica spawner share, in a module of their own so
// that workloads.ts (which builds the spawner) and container-spawner.ts need not import each other.
import type { ContainerSpec } from '../runtime/types.js';

/** One container apply wants: what it is for, its spec and how long it may take to be ready. */
export interface Desired {
  what: string; // `server "x"` / `resource "db"` for messages
  workload: string;
  isResource: boolean;
  replica?: number;
  transport: 'http' | 'sse' | 'stdio' | 'resource';
  readyTimeoutMs: number;
  spec: ContainerSpec;
}

/** A server container that runs (found by label or started by apply or a spawn). */
export interface ServerContainer {
  server: string;
  replica?: number;
  id: string;
  name: string;
  transport: 'http' | 'sse' | 'stdio';
  hostPort?: number;
}
