// Shapes the API returns; the CLI renders them and the web UI reads them.
import type { AutoscaleStatus, ReplicaStatus } from '../gateway/types.js';

export type ServerState =
  | 'starting'
  | 'healthy'
  | 'unhealthy'
  | 'degraded'
  | 'idle'
  | 'failed'
  | 'needs auth'
  | 'stopped';

export interface ServerStatusRow {
  name: string;
  /** local | external | container | ssh | openapi */
  kind: string;
  /** stdio | http | sse | openapi */
  transport: string;
  /** The protocol era the server speaks once connected: handshake (2025) or stateless (2026-07-28). */
  era?: 'handshake' | 'stateless';
  /** The protocol version negotiated (handshake) or chosen per request (stateless). */
  protocolVersion?: string;
  state: ServerState;
  reason?: string;
  /** The last lines the server wrote to stderr before it failed (gateway ServerStatus.stderr). */
  stderr?: string[];
  tools: number;
  restarts: number;
  pid?: number;
  /** round-robin | least-connections | session-affinity (servers that can have several replicas). */
  replicaPolicy?: string;
  /** Every replica (the gateway's own status shape); one entry for a single-replica server. */
  replicas?: ReplicaStatus[];
  autoscale?: AutoscaleStatus;
  /** Schema pinning: `pinned`, `drift (N tools)`, `blocked (N tools)`, `disabled`, `unpinned`. */
  pins?: string;
  nextRetryAt?: string;
}

export interface StatusBody {
  stack: string;
  version: string;
  pid: number;
  started_at: string;
  servers: ServerStatusRow[];
}
