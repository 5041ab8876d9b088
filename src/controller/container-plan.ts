import { isAbsolute, join, resolve } from 'node:path';
import { type McpServer, parseDuration, type Resource, type Stack } from '../config/index.js';
import { builtImageTag, containerName, LABEL, stackLabels, type WorkloadRuntime } from '../runtime/index.js';
import { serverEnv } from '../upstream/env.js';

import { type Desired, WorkloadError } from './container-types.js';
import type { PortAllocator } from './ports.js';

export function transportOf(s: McpServer): 'http' | 'sse' | 'stdio' {
  return s.transport === 'sse' || s.transport === 'stdio' ? s.transport : 'http';
}

export function replicasOf(s: McpServer): number {
  // Autoscaled servers start at their minimum (at least one) until the autoscaler owns them.
  return Math.max(1, s.replicas || s.autoscale?.min || 1);
}

/** The network a workload joins: the stack network (simple mode) or its own (advanced mode). */
export function networkOf(stack: Stack, own: string | undefined): string | undefined {
  if (stack.networks) return own;
  const net = stack.network;
  if (!net) return undefined;
  return net.driver === 'host' || net.driver === 'none' ? net.driver : net.name;
}

export function networksToCreate(stack: Stack): { name: string; driver: string }[] {
  const list = stack.networks ?? (stack.network ? [stack.network] : []);
  return list
    .filter((n): n is { name: string; driver: 'bridge' | 'host' | 'none' } => n.name !== undefined)
    .filter((n) => n.driver !== 'host' && n.driver !== 'none');
}

export function hostAliases(rt: WorkloadRuntime): string[] {
  // Podman adds host.containers.internal itself; Docker needs the host-gateway entry.
  return rt.info.kind === 'docker' ? ['host.docker.internal:host-gateway'] : [];
}

/** `host:container` or `ip:host:container` (loopback unless an address is given). */
export function parsePortMapping(raw: string): { hostIp: string; hostPort: number; containerPort: number } {
  const parts = raw.split(':');
  const [ip, host, cont] = parts.length === 3 ? parts : ['127.0.0.1', parts[0], parts[1]];
  const hostPort = Number(host);
  const containerPort = Number(cont?.split('/')[0]);
  if (!Number.isInteger(hostPort) || !Number.isInteger(containerPort) || hostPort < 1 || containerPort < 1) {
    throw new WorkloadError(`port mapping "${raw}": use "host:container", e.g. "5432:5432"`);
  }
  return { hostIp: ip ?? '127.0.0.1', hostPort, containerPort };
}

/** Bind sources that look like paths resolve against the stack folder; named volumes stay. */
export function resolveVolume(raw: string, stackDir: string): string {
  const [src, ...rest] = raw.split(':');
  if (!src || rest.length === 0) return raw;
  const isPath = src.startsWith('.') || src.startsWith('/') || src.startsWith('~') || src.includes('/');
  if (!isPath) return raw;
  const home = process.env.HOME ?? '';
  const abs = src.startsWith('~') ? join(home, src.slice(1)) : isAbsolute(src) ? src : resolve(stackDir, src);
  return [abs, ...rest].join(':');
}

export function resourceSpec(stack: Stack, r: Resource, rt: WorkloadRuntime, stackDir: string): Desired {
  return {
    what: `resource "${r.name}"`,
    workload: r.name,
    isResource: true,
    transport: 'resource',
    readyTimeoutMs: 0,
    spec: {
      name: containerName(stack.name, r.name),
      image: r.image,
      env: r.env ?? {},
      labels: { ...stackLabels(stack.name), [LABEL.resource]: r.name },
      network: networkOf(stack, r.network),
      aliases: [r.name, containerName(stack.name, r.name)],
      ports: r.ports.map(parsePortMapping),
      volumes: r.volumes.map((v) => resolveVolume(v, stackDir)),
      stdin: false,
      extraHosts: hostAliases(rt),
    },
  };
}

export function serverSpecs(
  stack: Stack,
  s: McpServer,
  rt: WorkloadRuntime,
  ports: PortAllocator,
  host: NodeJS.ProcessEnv,
): Desired[] {
  const n = replicasOf(s);
  const out: Desired[] = [];
  for (let i = 0; i < n; i++) {
    const replica = n > 1 ? i : undefined;
    const port = transportOf(s) === 'stdio' || !s.port ? undefined : ports.allocate();
    out.push(replicaDesired(stack, s, rt, { replica, hostPort: port, env: host }));
  }
  return out;
}

/** One container of a server: `replica` undefined for a lone replica; `hostPort` for http/sse. */
export function replicaDesired(
  stack: Stack,
  s: McpServer,
  rt: WorkloadRuntime,
  o: { replica?: number; hostPort?: number; env: NodeJS.ProcessEnv },
): Desired {
  const { replica, hostPort } = o;
  const transport = transportOf(s);
  const image = s.image ?? builtImageTag(stack.name, s.name);
  const name = containerName(stack.name, s.name, replica);
  const short = replica === undefined ? s.name : `${s.name}-replica-${replica}`;
  const labels = {
    ...stackLabels(stack.name),
    [LABEL.server]: s.name,
    [LABEL.transport]: transport,
    ...(replica === undefined ? {} : { [LABEL.replica]: String(replica) }),
    ...(s.port ? { [LABEL.containerPort]: String(s.port) } : {}),
  };
  return {
    what: `server "${s.name}"${replica === undefined ? '' : ` replica ${replica}`}`,
    workload: s.name,
    isResource: false,
    replica,
    transport,
    readyTimeoutMs: parseDuration(s.ready_timeout),
    spec: {
      name,
      image,
      cmd: s.command && s.command.length > 0 ? s.command : undefined,
      env: serverEnv({ host: o.env, declared: s.env, pass: s.pass_env, base: 'container' }),
      labels,
      network: networkOf(stack, s.network),
      aliases: [short, name],
      ports:
        hostPort === undefined || !s.port ? [] : [{ hostIp: '127.0.0.1', hostPort, containerPort: s.port }],
      volumes: [],
      stdin: transport === 'stdio',
      extraHosts: hostAliases(rt),
    },
  };
}
