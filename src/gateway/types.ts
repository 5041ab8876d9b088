import type { Logger } from '../logging/logger.js';
import type { UpstreamClient, UpstreamTransportKind } from '../upstream/types.js';
import type { GroupMap } from './catalogue/groups.js';
import type { CallPolicies } from './pipeline/pipeline.js';
import type { BackoffOptions } from './servers/backoff.js';
import type { Spawner } from './servers/spawner.js';

/** How a call picks one replica of a server (see docs/scaling.md). */
export type ReplicaPolicy = 'round-robin' | 'least-connections' | 'session-affinity';

/** The `autoscale` block in milliseconds; validation (min ≤ max, ...) happens when the stack loads. */
export interface AutoscalePolicy {
  min: number;
  max: number;
  targetInFlight: number;
  /** Sustained load (window median ≥ target) needed before scaling up; also the scale-up cooldown. */
  scaleUpAfterMs: number;
  /** Sustained calm needed before scaling down (and before idle-to-zero). */
  scaleDownAfterMs: number;
  warmPool: number;
  idleToZero: boolean;
  /** Decision period; else GatewayOptions.autoscale.tickMs, else 10 s. */
  tickMs?: number;
  /** Longest wait for a replica chosen for removal to finish its calls; else 30 s. */
  drainTimeoutMs?: number;
}

/** One upstream server as the gateway sees it. */
export interface ServerSpec {
  /** Letters, digits, `.`, `_`, `-`; must not contain `__` (the prefix separator). */
  name: string;
  /** Expose tools and prompts under their own names instead of `<server>__<name>`. */
  unprefixed?: boolean;
  /** Whitelist of upstream tool names; empty or unset = all. */
  tools?: string[];
  /** Pin this server's tool definitions (when the gateway has a pin guard). Default true. */
  pinSchemas?: boolean;
  /** What the server is (hash of command / image / url): a different one is pinned afresh. */
  pinIdentity?: string;
  /** Per-request timeout toward this server, reset by progress. Default 60 000. */
  timeoutMs?: number;
  /** Health ping period. Default 30 000. */
  pingIntervalMs?: number;
  /** Health ping timeout. Default 5 000. */
  pingTimeoutMs?: number;
  /** Restart backoff: 1 s doubling to 30 s with ±25 % jitter unless overridden. */
  restartBackoff?: BackoffOptions;
  /**
   * Protocol era toward this server: `handshake` (default), `stateless` (2026-07-28) or `auto`
   * (probe with server/discover, cache the verdict, probe again when a connection on it fails).
   */
  protocolGeneration?: 'auto' | 'handshake' | 'stateless';
  /** Makes a fresh, unconnected client; called at registration and on every restart. */
  createClient: () => UpstreamClient;
  /** Static replica count, 1..32 (default 1). Ignored when `autoscale` is set. */
  replicas?: number;
  /** Default round-robin. */
  replicaPolicy?: ReplicaPolicy;
  /** The replica count follows the load between min and max. */
  autoscale?: AutoscalePolicy;
  /** Makes each replica's client; default: `createClient` for every replica (processes). */
  spawner?: Spawner;
}

/** `needs auth`: the server wants a person to sign in (OAuth); not retried until `auth login`. */
export type ReplicaState =
  | 'starting'
  | 'healthy'
  | 'unhealthy'
  | 'failed'
  | 'needs auth'
  | 'draining'
  | 'stopped';

export interface ReplicaStatus {
  id: number;
  state: ReplicaState;
  reason?: string;
  pid?: number;
  container?: string;
  inFlight: number;
  restarts: number;
  /** ISO time of the next reconnect attempt while unhealthy. */
  nextRetryAt?: string;
  startedAt: string;
  /** The last lines its process wrote to stderr before it failed (bounded), while not healthy. */
  stderr?: string[];
}

export type AutoscaleDirection = 'up' | 'down' | 'noop' | 'up-noop' | 'down-noop';

export interface AutoscaleDecision {
  at: string;
  direction: AutoscaleDirection;
  /** load | warm_pool | idle_to_zero | cooldown | insufficient_signal | at_floor | at_max | no_candidate | cold_start | registration | spawn_failed | drain_timeout | steady */
  reason: string;
  current: number;
  target: number;
  medianInFlight: number;
  /** Replica ids spawned or chosen for removal. */
  replicas?: number[];
  detail?: string;
}

export interface AutoscaleStatus {
  min: number;
  max: number;
  targetInFlight: number;
  warmPool: number;
  idleToZero: boolean;
  scaleUpAfterMs: number;
  scaleDownAfterMs: number;
  tickMs: number;
  /** Healthy replicas now. */
  current: number;
  target: number;
  medianInFlight: number;
  lastScaleUpAt?: string;
  lastScaleDownAt?: string;
  lastDecision?: AutoscaleDecision;
  /** The latest decisions, oldest first. */
  decisions: AutoscaleDecision[];
}

/**
 * `degraded`: some replicas are down but at least one serves. `idle`: an autoscaled server scaled to
 * zero; its tools stay listed and the next call starts a replica.
 */
export type ServerState =
  | 'starting'
  | 'healthy'
  | 'degraded'
  | 'idle'
  | 'unhealthy'
  | 'failed'
  | 'needs auth'
  | 'stopped';

export interface ServerStatus {
  name: string;
  state: ServerState;
  /** Why the server is unhealthy or failed. */
  reason?: string;
  /** The last stderr lines of the replica that failed most recently (see ReplicaStatus.stderr). */
  stderr?: string[];
  transport?: UpstreamTransportKind;
  pid?: number;
  /** Tools after the whitelist (what the server contributes when healthy). */
  tools: number;
  prompts: number;
  resources: number;
  restarts: number;
  lastError?: string;
  /** Whether the first registration attempt finished (successfully or not). */
  registered: boolean;
  /** Exposed names this server could not claim because an earlier server owns them. */
  collisions?: string[];
  /** Schema pinning: `pinned`, `drift (N tools)`, `blocked (N tools)`, `disabled`, `unpinned`. */
  pins?: string;
  serverInfo?: { name: string; version: string };
  /** The protocol era the server speaks, once connected: `handshake` or `stateless`. */
  era?: 'handshake' | 'stateless';
  /** The protocol version that era's connection speaks (e.g. 2025-11-25, 2026-07-28). */
  protocolVersion?: string;
  replicaPolicy?: ReplicaPolicy;
  /** Every replica (one entry for a single-replica server). */
  replicas: ReplicaStatus[];
  autoscale?: AutoscaleStatus;
}

export interface GatewayOptions {
  /** serverInfo.name answered to clients. */
  name: string;
  version: string;
  /** Named in /health and /ready so a different process on the port is not mistaken for ours. */
  stackName: string;
  servers: ServerSpec[];
  logger?: Logger;
  /** Sessions idle (no stream, no request in flight) longer than this are closed; 0 = never. Default 30 min. */
  sessionIdleMs?: number;
  /** How long a modern client has to answer an input_required round before the held call ends (default 5 min). */
  inputRequiredTtlMs?: number;
  /**
   * Upstream sessions held per (handshake-era server, principal) for stateless clients (on by
   * default; `false` turns them off): at most `max` per server (default 8), each closed after
   * `idleMs` without a call (default 60 s). Stack file: `gateway.held_sessions`.
   */
  heldSessions?: { max?: number; idleMs?: number } | false;
  /** Sessions at most; past it the least recently used idle one is evicted. Default 1000. */
  maxSessions?: number;
  /** Sessions per client access id at most, evicted the same way within that client. Default: maxSessions. */
  maxSessionsPerClient?: number;
  /** Extra Host header values accepted besides loopback (exact `host` or `host:port`). */
  allowedHosts?: string[];
  /** Browser origins accepted besides loopback; `*` accepts any. */
  allowedOrigins?: string[];
  /** Largest accepted request body. Default 8 MiB. */
  maxBodyBytes?: number;
  /** Items per page in downstream list results. Default 1000. */
  pageSize?: number;
  /** Servers registered at once by start(). Default 8. */
  registerConcurrency?: number;
  /** Most messages in one JSON-RPC batch (2025-03-26 and older sessions). Default 50. */
  maxBatch?: number;
  /** Autoscaler defaults for servers whose policy does not set them (tests shorten them). */
  autoscale?: { tickMs?: number; drainTimeoutMs?: number; decisionsKept?: number };
  /** Tool-definition pinning (src/security/pins); none = no pinning. */
  pins?: ToolPinGuard;
  /** Tool groups served at /groups/<name>/mcp (the stack's `groups`); swap with setGroups. */
  groups?: GroupMap;
  /** tools/call policies (client scope, rate limits, ...); swap with setPolicies. */
  policies?: CallPolicies;
  /** Skills served as prompts and resources (src/skills); filtered by `policies.skills`. */
  skills?: SkillSource;
}

/** One skill the registry serves. */
export interface SourceSkill {
  name: string;
  description: string;
  body: string;
  /** For the MCP skills extension: the front matter as written and every file (SKILL.md first). */
  manifest?: {
    frontmatter: Record<string, unknown>;
    files: readonly { path: string; digest: string; size: number }[];
  };
}

/** What the gateway needs of the skills registry. */
export interface SkillSource {
  /** Active, valid skills; a new array whenever they change. */
  served(): readonly SourceSkill[];
  /** A file of a served skill by its manifest path; undefined for anything not in the manifest. */
  readFile?(name: string, path: string): Buffer | undefined;
  /** Called when what is served changes; returns an unsubscribe function. */
  onChange(listener: () => void): () => void;
  /** A client read the skill (usage counts). */
  used?(name: string): void;
  /**
   * What is pinned of every valid skill, whatever its state (so activating or disabling one is not
   * drift): `{name, description, frontMatter, body, files}`. A new array whenever it changes.
   */
  pinDefinitions?(): readonly Record<string, unknown>[];
}

/**
 * Tool-definition pinning. The gateway reports each listing of a server's tools and obeys the
 * answer; it asks once per catalog rebuild, never per call.
 */
export interface ToolPinGuard {
  /** A server's freshly listed tools (after the whitelist, original names). */
  observe(
    server: string,
    tools: readonly Record<string, unknown>[],
    spec: { enabled: boolean; identity?: string },
  ): void;
  /** Original names of the server's tools to withhold from clients (drift in block mode). */
  withheld(server: string): ReadonlySet<string>;
  /** `pinned`, `drift (N tools)`, `blocked (N tools)`, `disabled` or `unpinned`. */
  state(server: string, enabled: boolean): string;
  /** The server left the gateway (its pins stay). */
  forgetLive?(server: string): void;
  /** Whether anything is pinned or live for the server. */
  has?(server: string): boolean;
}
