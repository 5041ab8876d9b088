import { type McpServer, parseDuration, type Stack } from '../config/index.js';
import { coded } from '../errors/coded.js';
import type { Spawner } from '../gateway/servers/spawner.js';
import { LABEL, stackLabels, type WorkloadRuntime } from '../runtime/index.js';
import { LineSplitter } from '../upstream/framing.js';
import {
  type ContainerLogSource,
  type ContainerStdioHandle,
  createUpstream,
  type UpstreamClient,
  type UpstreamSpec,
  WithContainerLogs,
} from '../upstream/index.js';
import { replicaDesired, transportOf } from './container-plan.js';
import { waitReady } from './container-readiness.js';
import { ContainerSpawner, hostPortsOf } from './container-spawner.js';
import type { ServerContainer } from './container-types.js';

/** What the registrar needs to connect the gateway to the stack's container servers. */
export interface ContainerView {
  runtime: WorkloadRuntime;
  servers: Map<string, ServerContainer[]>;
  /** The upstream of a container server (replica 0 until replica sets exist), or why there is none. */
  upstreamSpec(server: McpServer): UpstreamSpec | string;
  /** Adds the container's log lines to an http/sse upstream. */
  decorate(server: McpServer, client: UpstreamClient): UpstreamClient;
  /** Replicas of a container server (static or autoscaled); unset when discovered without the stack. */
  spawnerFor?(server: McpServer): Spawner;
}

/** Finds the stack's server containers by label (what `up` started) for the gateway process. */
export async function discover(
  stackName: string,
  rt: WorkloadRuntime,
  stack?: Stack,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ContainerView> {
  const servers = new Map<string, ServerContainer[]>();
  for (const c of await rt.listContainers({ ...stackLabels(stackName) })) {
    const server = c.labels[LABEL.server];
    if (!server) continue;
    const transport = (c.labels[LABEL.transport] ?? 'http') as ServerContainer['transport'];
    const cport = c.labels[LABEL.containerPort];
    let hostPort = cport ? c.hostPorts[`${cport}/tcp`] : undefined;
    if (transport !== 'stdio' && cport && hostPort === undefined) {
      // Stopped containers list no ports; the inspect data keeps the binding.
      hostPort = (await rt.inspectContainer(c.id))?.hostPorts[`${cport}/tcp`];
    }
    const replica = c.labels[LABEL.replica] === undefined ? undefined : Number(c.labels[LABEL.replica]);
    const list = servers.get(server) ?? [];
    list.push({ server, replica, id: c.id, name: c.name, transport, hostPort });
    servers.set(server, list);
  }
  for (const list of servers.values()) list.sort((a, b) => (a.replica ?? 0) - (b.replica ?? 0));
  const ports = stack ? hostPortsOf(servers) : undefined;
  return {
    runtime: rt,
    servers,
    ...(stack && ports
      ? {
          spawnerFor: (server: McpServer) =>
            new ContainerSpawner({
              runtime: rt,
              server,
              existing: servers.get(server.name) ?? [],
              ports,
              transport: transportOf(server),
              plan: (replica, hostPort) => replicaDesired(stack, server, rt, { replica, hostPort, env }),
              waitReady: (d, id) => waitReady(rt, d, id),
              clientFor: (c) => containerClient(rt, server, c),
            }),
        }
      : {}),
    upstreamSpec(server) {
      const c = servers.get(server.name)?.[0];
      if (!c) return `no container of server "${server.name}" is running; run \`gridctl apply\` again`;
      return containerUpstream(rt, c);
    },
    decorate(server, client) {
      const c = servers.get(server.name)?.[0];
      return c ? withLogs(rt, c, client) : client;
    },
  };
}

/** How the gateway reaches one server container: stdio attach, or HTTP/SSE on its host port. */
export function containerUpstream(rt: WorkloadRuntime, c: ServerContainer): UpstreamSpec | string {
  if (c.transport === 'stdio') return { transport: 'container-stdio', container: stdioHandle(rt, c.id) };
  if (!c.hostPort) return `container ${c.name} publishes no port`;
  return { transport: c.transport, url: `http://127.0.0.1:${c.hostPort}/mcp` };
}

/** An HTTP/SSE container's log lines go with its client (as apply's containers do). */
export function withLogs(rt: WorkloadRuntime, c: ServerContainer, client: UpstreamClient): UpstreamClient {
  return c.transport === 'stdio' ? client : new WithContainerLogs(client, logSource(rt, c.id));
}

/** The upstream client of one replica container the spawner hands to the gateway. */
export function containerClient(rt: WorkloadRuntime, server: McpServer, c: ServerContainer): UpstreamClient {
  const spec = containerUpstream(rt, c);
  if (typeof spec === 'string') throw coded('SERVER_START_FAILED', spec);
  return withLogs(
    rt,
    c,
    createUpstream(spec, server.name, { defaultTimeoutMs: parseDuration(server.timeout) }),
  );
}

export function stdioHandle(rt: WorkloadRuntime, id: string): ContainerStdioHandle {
  return {
    id,
    attach: () => rt.attach(id),
    ensureStarted: async () => {
      const c = await rt.inspectContainer(id);
      if (!c)
        throw coded('CONTAINER_GONE', `container ${id.slice(0, 12)} is gone; run \`gridctl apply\` again`);
      if (c.state !== 'running') await rt.startContainer(id);
    },
    exitReason: async () => {
      const c = await rt.inspectContainer(id);
      if (!c) return 'was removed';
      return c.state === 'running' ? undefined : `exited with code ${c.exitCode}`;
    },
  };
}

export function logSource(rt: WorkloadRuntime, id: string): ContainerLogSource {
  return {
    async follow(onLine) {
      const logs = await rt.logs(id, {
        follow: true,
        stdout: true,
        stderr: true,
        sinceS: Math.floor(Date.now() / 1000),
      });
      for (const stream of [logs.stdout, logs.stderr]) {
        const lines = new LineSplitter((l) => onLine(l.toString('utf8').trimEnd()));
        stream.on('data', (c: Buffer) => lines.push(c));
        stream.on('end', () => lines.flush());
      }
      return () => logs.close();
    },
  };
}
