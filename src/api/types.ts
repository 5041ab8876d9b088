// Shapes the API returns; the CLI renders them and the web UI reads them.

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
  state: ServerState;
  reason?: string;
  tools: number;
  restarts: number;
  pid?: number;
  /** round-robin | least-connections | session-affinity (servers that can have several replicas). */
  replicaPolicy?: string;
  /** Every replica; one entry for a single-replica server. */
  replicas?: ReplicaRow[];
  autoscale?: AutoscaleRow;
  /** Schema pinning: `pinned`, `drift (N tools)`, `blocked (N tools)`, `disabled`, `unpinned`. */
  pins?: string;
  nextRetryAt?: string;
}

/** One replica of a server (`gridctl status --replicas`). */
export interface ReplicaRow {
  id: number;
  /** starting | healthy | unhealthy | failed | draining | stopped */
  state: string;
  reason?: string;
  pid?: number;
  container?: string;
  inFlight: number;
  restarts: number;
  nextRetryAt?: string;
  startedAt: string;
}

/** One autoscaler decision. */
export interface AutoscaleDecisionRow {
  at: string;
  /** up | down | noop | up-noop | down-noop */
  direction: string;
  reason: string;
  current: number;
  target: number;
  medianInFlight: number;
  replicas?: number[];
  detail?: string;
}

export interface AutoscaleRow {
  min: number;
  max: number;
  targetInFlight: number;
  warmPool: number;
  idleToZero: boolean;
  scaleUpAfterMs: number;
  scaleDownAfterMs: number;
  tickMs: number;
  current: number;
  target: number;
  medianInFlight: number;
  lastScaleUpAt?: string;
  lastScaleDownAt?: string;
  lastDecision?: AutoscaleDecisionRow;
  /** The latest decisions, oldest first. */
  decisions: AutoscaleDecisionRow[];
}

export interface StatusBody {
  stack: string;
  version: string;
  pid: number;
  started_at: string;
  servers: ServerStatusRow[];
}
