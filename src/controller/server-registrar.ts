// ServerRegistrar: turns each stack server into the gateway's ServerSpec, choosing the upstream
// transport by the server's kind. Kinds this build cannot run yet register as failed with a reason
// rather than failing the whole stack.
import { dirname } from 'node:path';
import { type McpServer, parseDuration, type Stack, serverKind } from '../config/index.js';
import { coded } from '../errors/coded.js';
import type { AutoscalePolicy, ServerSpec } from '../gateway/types.js';
import type { OAuthHub } from '../oauth/hub.js';
import { createUpstream, type UpstreamSpec } from '../upstream/index.js';
import type { OpenApiAuth } from '../upstream/openapi/config.js';
import type { UpstreamClient } from '../upstream/types.js';
import type { ContainerView } from './container-discovery.js';

export interface RegistrarOptions {
  stackFile: string;
  env: NodeJS.ProcessEnv;
  /** Health ping period; tests shorten it. */
  pingIntervalMs?: number;
  /** The stack's containers (found by label where the gateway runs); unset without a runtime. */
  containers?: ContainerView;
  /** The daemon's OAuth clients (servers with `auth: {type: oauth}`). */
  oauth?: OAuthHub;
  /** `apply --no-expand`: OpenAPI spec files are read without `${NAME}` expansion. */
  noExpand?: boolean;
}

export function serverSpecs(stack: Stack, opts: RegistrarOptions): ServerSpec[] {
  return stack['mcp-servers'].map((s) => serverSpec(s, opts));
}

export function serverSpec(server: McpServer, opts: RegistrarOptions): ServerSpec {
  const timeoutMs = parseDuration(server.timeout);
  const upstream = upstreamSpec(server, opts);
  return {
    name: server.name,
    unprefixed: server.unprefixed,
    tools: server.tools,
    protocolGeneration: server.protocol_generation,
    timeoutMs,
    pingTimeoutMs: parseDuration(server.ping_timeout),
    pingIntervalMs: opts.pingIntervalMs,
    ...replicaFields(server),
    ...containerReplicas(server, opts),
    createClient: (): UpstreamClient => {
      if (typeof upstream === 'string') throw coded('SERVER_START_FAILED', upstream);
      if (
        server.protocol_generation === 'stateless' &&
        (upstream.transport === 'sse' || upstream.transport === 'openapi')
      ) {
        throw coded(
          'UPSTREAM_SPEC_INVALID',
          `protocol_generation: stateless needs a stdio or streamable HTTP server; a ${upstream.transport} server speaks the handshake era only (use auto or handshake)`,
        );
      }
      const client = createUpstream(upstream, server.name, { defaultTimeoutMs: timeoutMs });
      return opts.containers?.decorate(server, client) ?? client;
    },
  };
}

/**
 * Replicas and autoscaling, for the kinds whose replicas are fresh clients of the same template
 * (local processes, SSH sessions). Containers get theirs from the container spawner
 * (containerReplicas).
 */
export function replicaFields(
  server: McpServer,
): Pick<ServerSpec, 'replicas' | 'replicaPolicy' | 'autoscale'> {
  const kind = serverKind(server);
  if (kind !== 'local' && kind !== 'ssh') return {};
  const out: Pick<ServerSpec, 'replicas' | 'replicaPolicy' | 'autoscale'> = {
    replicaPolicy: server.replica_policy,
  };
  const policy = autoscalePolicy(server);
  if (policy) out.autoscale = policy;
  else out.replicas = Math.max(1, server.replicas ?? 1);
  return out;
}

/** Container servers: replicas (static or autoscaled) come from the container spawner. */
function containerReplicas(
  server: McpServer,
  opts: RegistrarOptions,
): Pick<ServerSpec, 'replicas' | 'replicaPolicy' | 'autoscale' | 'spawner'> {
  if (serverKind(server) !== 'container' || !opts.containers?.spawnerFor) return {};
  const policy = autoscalePolicy(server);
  return {
    replicaPolicy: server.replica_policy,
    spawner: opts.containers.spawnerFor(server),
    ...(policy ? { autoscale: policy } : { replicas: Math.max(1, server.replicas ?? 1) }),
  };
}

/** The `autoscale` block in milliseconds. */
export function autoscalePolicy(server: McpServer): AutoscalePolicy | undefined {
  const a = server.autoscale;
  if (!a) return undefined;
  const p: AutoscalePolicy = {
    min: a.min,
    max: a.max,
    targetInFlight: a.target_in_flight,
    scaleUpAfterMs: parseDuration(a.scale_up_after),
    scaleDownAfterMs: parseDuration(a.scale_down_after),
    warmPool: a.warm_pool,
    idleToZero: a.idle_to_zero,
  };
  if (a.tick !== undefined) p.tickMs = parseDuration(a.tick);
  if (a.drain_timeout !== undefined) p.drainTimeoutMs = parseDuration(a.drain_timeout);
  return p;
}

/** The upstream transport for a server, or why it cannot run here yet. */
export function upstreamSpec(server: McpServer, opts: RegistrarOptions): UpstreamSpec | string {
  const kind = serverKind(server);
  switch (kind) {
    case 'local':
      return {
        transport: 'stdio',
        command: server.command ?? [],
        env: server.env,
        passEnv: server.pass_env,
        cwd: dirname(opts.stackFile),
      };
    case 'external': {
      if (server.auth?.type === 'oauth') {
        const auth = opts.oauth?.forServer(server);
        if (!auth) return 'OAuth needs the daemon (gridctl apply or serve)';
        return { transport: 'http', url: server.url!, auth };
      }
      return {
        transport: server.transport === 'sse' ? 'sse' : 'http',
        url: server.url!,
        headers: authHeaders(server),
      };
    }
    case 'ssh':
      return {
        transport: 'ssh',
        ssh: server.ssh!,
        command: server.command ?? [],
        env: server.env,
        passEnv: server.pass_env,
      };
    case 'openapi': {
      const { spec, baseUrl, auth, operations, tls } = server.openapi!;
      // The loader has checked that auth carries the fields its type needs.
      return {
        transport: 'openapi',
        openapi: { spec, baseUrl, auth: auth as OpenApiAuth | undefined, operations, tls },
        stackDir: dirname(opts.stackFile),
        env: opts.env,
        noExpand: opts.noExpand,
      };
    }
    case 'container':
      return (
        opts.containers?.upstreamSpec(server) ?? 'container servers need a container runtime; none was found'
      );
  }
}

function authHeaders(server: McpServer): Record<string, string> | undefined {
  const auth = server.auth;
  if (!auth) return undefined;
  if (auth.type === 'bearer' && auth.token) return { Authorization: `Bearer ${auth.token}` };
  if (auth.type === 'header' && auth.header && auth.value !== undefined) return { [auth.header]: auth.value };
  return undefined;
}

/** The kind and transport shown in status tables. */
export function describeServer(server: McpServer): { kind: string; transport: string } {
  const kind = serverKind(server);
  const transport =
    kind === 'local' || kind === 'ssh'
      ? 'stdio'
      : kind === 'openapi'
        ? 'openapi'
        : server.transport === '' || server.transport === undefined
          ? 'http'
          : server.transport;
  return { kind, transport };
}
