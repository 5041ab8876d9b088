// The shapes apply's container plan and the replica spawner share, in a module of their own so
// that workloads.ts (which builds the spawner) and container-spawner.ts need not import each other.
import type { ContainerSpec, WorkloadRuntime } from '../runtime/types.js';

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

export interface WorkloadReporter {
  step(text: string): void;
  done(text: string): void;
  note(text: string): void;
}

export interface UpOptions {
  runtime: WorkloadRuntime;
  /** Absolute path of the stack file: relative sources and volumes resolve against its folder. */
  stackFile: string;
  /** gridctl home (git clones go to <home>/cache/repos). */
  home: string;
  basePort: number;
  noCache: boolean;
  report: WorkloadReporter;
  env: NodeJS.ProcessEnv;
  /**
   * The daemon's reload: an autoscaled server's containers are its autoscaler's, so one it reaped
   * is not started again (the server's spawner starts replicas as it needs them).
   */
  reload?: boolean;
}

export class WorkloadError extends Error {}
