// Public surface of the gateway: one MCP endpoint in front of many upstream servers.
export { type BackoffOptions, backoffDelay } from './backoff.js';
export { Gateway, type ListenAddress, type SessionInfo, validateServerName } from './gateway.js';
export type { GroupMap, GroupOverride, GroupSpec } from './groups.js';
export { LATEST_VERSION, SUPPORTED_VERSIONS } from './http.js';
export { clientSpawner, type SpawnedReplica, type Spawner } from './spawner.js';
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
export { unwrapUri, WRAP_PREFIX, wrapUri } from './uri.js';
