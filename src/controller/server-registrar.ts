// ServerRegistrar: turns each stack server into the gateway's ServerSpec, choosing the upstream
// transport by the server's kind. Kinds this build cannot run yet register as failed with a reason
// rather than failing the whole stack.
import { dirname } from 'node:path';
import { type McpServer, parseDuration, type Stack, serverKind } from '../config/index.js';
import type { ServerSpec } from '../gateway/types.js';
import { createUpstream, type UpstreamSpec } from '../upstream/index.js';
import type { UpstreamClient } from '../upstream/types.js';
import type { ContainerView } from './workloads.js';

export interface RegistrarOptions {
  stackFile: string;
  env: NodeJS.ProcessEnv;
  /** Health ping period; tests shorten it. */
  pingIntervalMs?: number;
  /** The stack's containers (found by label where the gateway runs); unset without a runtime. */
  containers?: ContainerView;
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
    timeoutMs,
    pingTimeoutMs: parseDuration(server.ping_timeout),
    pingIntervalMs: opts.pingIntervalMs,
    createClient: (): UpstreamClient => {
      if (typeof upstream === 'string') throw new Error(upstream);
      const client = createUpstream(upstream, server.name, { defaultTimeoutMs: timeoutMs });
      return opts.containers?.decorate(server, client) ?? client;
    },
  };
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
        cwd: dirname(opts.stackFile),
      };
    case 'external':
      return {
        transport: server.transport === 'sse' ? 'sse' : 'http',
        url: server.url!,
        headers: authHeaders(server),
      };
    case 'container':
      return opts.containers?.upstreamSpec(server) ?? 'container servers need a container runtime; none was found';
    default:
      return `${kind} servers are not supported by this version of gridctl yet`;
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
