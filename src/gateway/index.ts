// Public surface of the gateway: one MCP endpoint in front of many upstream servers.

export type { GroupMap, GroupOverride, GroupSpec } from './catalogue/groups.js';
export { unwrapUri, WRAP_PREFIX, wrapUri } from './catalogue/uri.js';
export { LATEST_VERSION, SUPPORTED_VERSIONS } from './downstream/http.js';
export { Gateway, type ListenAddress, type SessionInfo, validateServerName } from './gateway.js';
export { type BackoffOptions, backoffDelay } from './servers/backoff.js';
export { clientSpawner, type SpawnedReplica, type Spawner } from './servers/spawner.js';
export type {
  AutoscaleDecision,
  AutoscalePolicy,
  AutoscaleStatus,
  GatewayOptions,
  ReplicaPolicy,
  ReplicaState,
  ReplicaStatus,
  ServerSpec,
  ServerState,
  ServerStatus,
  ToolPinGuard,
} from './types.js';
