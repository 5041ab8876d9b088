// Container workloads of a stack: networks, images, resources and container servers.
//   up()       — run by `apply` before the gateway starts: ensure networks, pull or build images,
//                start resources then servers (reusing a container only when the hash of the spec
//                that produced it matches), wait until each server answers, and on any failure
//                remove what this apply started.
//   discover() — run where the gateway runs: finds the stack's containers by label and gives the
//                registrar an upstream for each container server.
//   down()     — run by `destroy`: removes every container and network with the stack's label.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { request } from 'node:http';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { type ExpandEvent, expandString } from '../config/expand.js';
import {
  loadStack,
  type McpServer,
  parseDuration,
  type Resource,
  type Stack,
  serverKind,
} from '../config/index.js';
import { coded } from '../errors/coded.js';
import type { Spawner } from '../gateway/spawner.js';
import {
  builtImageTag,
  type ContainerSpec,
  candidates,
  containerName,
  detectRuntime,
  LABEL,
  notFoundMessage,
  requireRuntime,
  specHash,
  stackLabels,
  type WorkloadRuntime,
} from '../runtime/index.js';
import type { HomePaths } from '../state/paths.js';
import { readState } from '../state/state-file.js';
import { serverEnv, withoutOwn } from '../upstream/env.js';
import { LineSplitter } from '../upstream/framing.js';
import {
  type ContainerLogSource,
  type ContainerStdioHandle,
  createUpstream,
  type UpstreamClient,
  type UpstreamSpec,
  WithContainerLogs,
} from '../upstream/index.js';
import { ContainerSpawner, hostPortsOf } from './container-spawner.js';
import type { Desired, ServerContainer } from './container-types.js';

export type { Desired, ServerContainer } from './container-types.js';

import { PortAllocator, probePort } from './ports.js';
import { storeResolver } from './secrets.js';

const run = promisify(execFile);

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

/** One container the stack wants. */

export interface UpResult {
  /** Containers this apply created (removed again on rollback). */
  created: string[];
  /** Existing containers this apply started (stopped again on rollback). */
  started: string[];
  reused: string[];
  /** Networks this apply created. */
  networks: string[];
}

export class WorkloadError extends Error {}

/** Servers and resources that need a container engine. */
export function containerWorkloads(stack: Stack): string[] {
  return [
    ...stack.resources.map((r) => `resource "${r.name}"`),
    ...stack['mcp-servers'].filter((s) => serverKind(s) === 'container').map((s) => `server "${s.name}"`),
  ];
}

export function transportOf(s: McpServer): 'http' | 'sse' | 'stdio' {
  return s.transport === 'sse' || s.transport === 'stdio' ? s.transport : 'http';
}

function replicasOf(s: McpServer): number {
  // Autoscaled servers start at their minimum (at least one) until the autoscaler owns them.
  return Math.max(1, s.replicas || s.autoscale?.min || 1);
}

/** The network a workload joins: the stack network (simple mode) or its own (advanced mode). */
function networkOf(stack: Stack, own: string | undefined): string | undefined {
  if (stack.networks) return own;
  const net = stack.network;
  if (!net) return undefined;
  return net.driver === 'host' || net.driver === 'none' ? net.driver : net.name;
}

function networksToCreate(stack: Stack): { name: string; driver: string }[] {
  const list = stack.networks ?? (stack.network ? [stack.network] : []);
  return list
    .filter((n): n is { name: string; driver: 'bridge' | 'host' | 'none' } => n.name !== undefined)
    .filter((n) => n.driver !== 'host' && n.driver !== 'none');
}

function hostAliases(rt: WorkloadRuntime): string[] {
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
function resolveVolume(raw: string, stackDir: string): string {
  const [src, ...rest] = raw.split(':');
  if (!src || rest.length === 0) return raw;
  const isPath = src.startsWith('.') || src.startsWith('/') || src.startsWith('~') || src.includes('/');
  if (!isPath) return raw;
  const home = process.env.HOME ?? '';
  const abs = src.startsWith('~') ? join(home, src.slice(1)) : isAbsolute(src) ? src : resolve(stackDir, src);
  return [abs, ...rest].join(':');
}

function resourceSpec(stack: Stack, r: Resource, rt: WorkloadRuntime, stackDir: string): Desired {
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

function serverSpecs(
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

export async function up(stack: Stack, o: UpOptions): Promise<UpResult> {
  const result: UpResult = { created: [], started: [], reused: [], networks: [] };
  if (containerWorkloads(stack).length === 0) return result;
  const rt = o.runtime;
  const stackDir = dirname(o.stackFile);
  try {
    await rt.ping();
    for (const net of networksToCreate(stack)) {
      if (await rt.ensureNetwork({ ...net, labels: stackLabels(stack.name) })) {
        result.networks.push(net.name);
        o.report.done(`Created network ${net.name}`);
      }
    }

    const ports = new PortAllocator(o.basePort);
    const desired: Desired[] = [
      ...stack.resources.map((r) => resourceSpec(stack, r, rt, stackDir)),
      ...stack['mcp-servers']
        .filter((s) => serverKind(s) === 'container')
        .flatMap((s) => serverSpecs(stack, s, rt, ports, o.env)),
    ];

    // Images: build every `source` (layer cache keeps it quick), pull what is missing.
    const imageIds = new Map<string, string>();
    for (const s of stack['mcp-servers']) {
      if (serverKind(s) !== 'container' || !s.source) continue;
      const tag = builtImageTag(stack.name, s.name);
      const context = await sourceFolder(s, stackDir, o);
      o.report.step(`Building ${tag}`);
      try {
        await rt.buildImage(
          {
            context,
            dockerfile: dockerfileIn(context, s.source.dockerfile),
            tag,
            buildArgs: s.build_args ?? {},
            noCache: o.noCache,
            labels: stackLabels(stack.name),
          },
          (line) => o.report.step(`Building ${tag}: ${line.slice(0, 100)}`),
        );
      } catch (err) {
        throw new WorkloadError(`server "${s.name}": building ${context} failed: ${(err as Error).message}`);
      }
      o.report.done(`Built ${tag}`);
    }
    for (const d of desired) {
      const ref = d.spec.image;
      if (imageIds.has(ref)) continue;
      let id = await rt.imageId(ref);
      if (!id) {
        o.report.step(`Pulling ${ref}`);
        try {
          await rt.pullImage(ref, (line) => o.report.step(`Pulling ${ref}: ${line.slice(0, 100)}`));
        } catch (err) {
          throw new WorkloadError(
            `${d.what}: image "${ref}" is not available locally and could not be pulled: ${oneLine(err)}`,
          );
        }
        id = await rt.imageId(ref);
        if (!id) throw new WorkloadError(`${d.what}: image "${ref}" is still missing after the pull`);
        o.report.done(`Pulled ${ref}`);
      }
      imageIds.set(ref, id);
    }

    const autoscaled = new Set(stack['mcp-servers'].filter((s) => s.autoscale).map((s) => s.name));
    for (const d of desired) {
      const hash = specHash(d.spec, imageIds.get(d.spec.image) ?? '');
      d.spec.labels[LABEL.hash] = hash;
      const existing = await rt.inspectContainer(d.spec.name);
      if (!existing && o.reload && !d.isResource && autoscaled.has(d.workload)) continue;
      if (existing) {
        if (existing.labels[LABEL.managed] !== 'true' || existing.labels[LABEL.stack] !== stack.name) {
          throw new WorkloadError(
            `${d.what}: a container named ${d.spec.name} exists and is not managed by this stack; remove or rename it`,
          );
        }
        if (existing.labels[LABEL.hash] === hash) {
          result.reused.push(existing.id);
          // On a reload the gateway holds the stdio container's attach: the probe's detach would
          // end the server under it (and the gateway starts it again on its own attach anyway).
          if (o.reload && d.transport === 'stdio') {
            o.report.done(`Reusing ${d.spec.name} (unchanged)`);
            continue;
          }
          if (d.transport !== 'stdio' && existing.state !== 'running') {
            await rt.startContainer(existing.id);
            result.started.push(existing.id);
          }
          await waitReady(rt, d, existing.id).catch(async (err: unknown) => {
            await rt.removeContainer(existing.id).catch(() => {});
            throw err;
          });
          o.report.done(`Reusing ${d.spec.name} (unchanged)`);
          continue;
        }
        o.report.note(`${d.spec.name}: spec changed, recreating it`);
        await rt.removeContainer(existing.id);
      }
      for (const p of d.spec.ports) {
        const probe = await probePort(p.hostIp, p.hostPort);
        if (!probe.free) {
          const hint = d.isResource ? 'change its `ports` entry' : 'choose another --base-port';
          throw new WorkloadError(
            `${d.what}: host port ${p.hostIp}:${p.hostPort} is ${probe.reason}; ${hint}`,
          );
        }
      }
      o.report.step(`Starting ${d.spec.name}`);
      let id: string;
      try {
        id = await rt.createContainer(d.spec);
      } catch (err) {
        throw new WorkloadError(`${d.what}: cannot create container ${d.spec.name}: ${oneLine(err)}`);
      }
      result.created.push(id);
      if (d.transport !== 'stdio') {
        try {
          await rt.startContainer(id);
        } catch (err) {
          throw new WorkloadError(`${d.what}: container ${d.spec.name} did not start: ${oneLine(err)}`);
        }
      }
      await waitReady(rt, d, id);
      o.report.done(`Started ${d.spec.name}`);
    }

    // Containers of this stack that it no longer declares (a removed server, fewer replicas).
    const wanted = new Set(desired.map((d) => d.spec.name));
    for (const c of await rt.listContainers(stackLabels(stack.name))) {
      if (wanted.has(c.name)) continue;
      // The daemon's container spawner made it; the autoscaler owns it (a reload keeps it).
      if (autoscaled.has(c.labels[LABEL.server] ?? '') && c.labels[LABEL.replica] !== undefined) continue;
      await rt.removeContainer(c.id);
      o.report.note(`Removed ${c.name} (no longer in the stack)`);
    }
    return result;
  } catch (err) {
    await rollback(rt, result);
    if (err instanceof WorkloadError) throw err;
    throw new WorkloadError(`container workloads of '${stack.name}': ${oneLine(err)}`);
  }
}

/** Undo one apply: remove the containers and networks it created, stop what it started. */
export async function rollback(rt: WorkloadRuntime, r: UpResult): Promise<void> {
  for (const id of [...r.created].reverse()) await rt.removeContainer(id).catch(() => {});
  for (const id of r.started) await rt.stopContainer(id, 5).catch(() => {});
  for (const net of r.networks) await rt.removeNetwork(net).catch(() => {});
}

/** Until the workload answers: http/sse any HTTP answer on its port; stdio an initialize reply. */
export async function waitReady(rt: WorkloadRuntime, d: Desired, id: string): Promise<void> {
  if (d.transport === 'resource') {
    const c = await rt.inspectContainer(id);
    if (c && c.state !== 'running') throw new WorkloadError(await exitedMessage(rt, d, id));
    return;
  }
  if (d.transport === 'stdio') return probeStdio(rt, d, id);
  const port = d.spec.ports[0]?.hostPort;
  if (!port) return;
  const deadline = Date.now() + d.readyTimeoutMs;
  for (;;) {
    const c = await rt.inspectContainer(id);
    if (!c || c.state === 'exited' || c.state === 'dead')
      throw new WorkloadError(await exitedMessage(rt, d, id));
    if (await answers(port)) return;
    if (Date.now() > deadline) {
      throw new WorkloadError(
        `${d.what}: nothing answered on http://127.0.0.1:${port}/mcp within ${d.readyTimeoutMs / 1000}s (ready_timeout); the container was removed`,
      );
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/mcp', method: 'GET', timeout: 1000 }, (res) => {
      res.resume();
      resolve(true);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

/** Attach, start, initialize, detach: the server speaks MCP on stdio (detaching ends it). */
async function probeStdio(rt: WorkloadRuntime, d: Desired, id: string): Promise<void> {
  const io = await rt.attach(id);
  try {
    const outcome = new Promise<'answered' | 'ended' | 'timeout'>((resolve) => {
      const lines = new LineSplitter((line) => {
        try {
          const msg = JSON.parse(line.toString('utf8')) as { id?: unknown };
          if (msg.id === 'gridctl-probe') resolve('answered');
        } catch {
          // a banner line; keep reading
        }
      });
      io.stdout.on('data', (c: Buffer) => lines.push(c));
      io.stdout.once('end', () => resolve('ended'));
      setTimeout(() => resolve('timeout'), d.readyTimeoutMs).unref();
    });
    io.stderr.resume();
    await rt.startContainer(id);
    io.stdin.write(
      `${JSON.stringify({
        jsonrpc: '2.0',
        id: 'gridctl-probe',
        method: 'initialize',
        params: {
          protocolVersion: '2025-06-18',
          capabilities: {},
          clientInfo: { name: 'gridctl-probe', version: '1' },
        },
      })}\n`,
    );
    const result = await outcome;
    if (result === 'answered') {
      // Detaching closes the server's stdin, which ends it. Wait for that here, so whoever attaches
      // next (the gateway) starts it afresh instead of attaching to a container about to exit.
      io.close();
      const settled = Date.now() + 10_000;
      while ((await rt.inspectContainer(id))?.state === 'running' && Date.now() < settled) {
        await new Promise((r) => setTimeout(r, 100));
      }
      return;
    }
    // The stream can end a moment before the engine records the exit: give it a few seconds.
    const deadline = Date.now() + (result === 'ended' ? 5000 : 0);
    for (;;) {
      const c = await rt.inspectContainer(id);
      if (c?.state !== 'running') throw new WorkloadError(await exitedMessage(rt, d, id));
      if (Date.now() >= deadline) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    if (result === 'ended')
      throw new WorkloadError(`${d.what}: closed its stdout without answering initialize`);
    throw new WorkloadError(
      `${d.what}: no answer to initialize on stdio within ${d.readyTimeoutMs / 1000}s (ready_timeout)`,
    );
  } finally {
    io.close();
  }
}

async function exitedMessage(rt: WorkloadRuntime, d: Desired, id: string): Promise<string> {
  const c = await rt.inspectContainer(id).catch(() => undefined);
  const tail = await lastLines(rt, id, 5);
  const why = c ? `exited with code ${c.exitCode}${c.error ? ` (${c.error})` : ''}` : 'is gone';
  return `${d.what}: container ${d.spec.name} ${why} right after start${tail ? `; its last output:\n${tail}` : ''}`;
}

async function lastLines(rt: WorkloadRuntime, id: string, n: number): Promise<string> {
  try {
    const logs = await rt.logs(id, { follow: false, stdout: true, stderr: true, tail: n });
    const chunks: Buffer[] = [];
    logs.stdout.on('data', (c: Buffer) => chunks.push(c));
    logs.stderr.on('data', (c: Buffer) => chunks.push(c));
    await Promise.all([
      new Promise((r) => logs.stdout.once('end', r)),
      new Promise((r) => logs.stderr.once('end', r)),
    ]);
    return Buffer.concat(chunks)
      .toString('utf8')
      .trimEnd()
      .split('\n')
      .slice(-n)
      .map((l) => `    ${l}`)
      .join('\n');
  } catch {
    return '';
  }
}

function oneLine(err: unknown): string {
  return String((err as Error).message ?? err)
    .replace(/\s+/g, ' ')
    .trim();
}

// ---- sources --------------------------------------------------------------------------------------

function dockerfileIn(context: string, wanted: string): string {
  if (existsSync(join(context, wanted))) return wanted;
  for (const f of ['Dockerfile', 'dockerfile', 'Containerfile']) if (existsSync(join(context, f))) return f;
  return wanted;
}

/**
 * `source.auth.credential_ref` (e.g. `${var:GIT_TOKEN}`) stays literal through loading and is
 * resolved only here, at clone time: store first, then the environment.
 */
async function resolveCredential(server: string, ref: string, o: UpOptions): Promise<string> {
  const events: ExpandEvent[] = [];
  const value = expandString(
    ref,
    { mode: 'apply', env: o.env, resolver: await storeResolver(o.home, o.env, ref) },
    events,
  );
  const missing = events.flatMap((e) => (e.kind === 'var-missing' ? [e.key] : []));
  if (missing.length > 0 || value === '') {
    const key = missing[0] ?? ref;
    throw new WorkloadError(
      `server "${server}": source.auth.credential_ref ${ref} has no value; set it with \`gridctl var set ${key}\``,
    );
  }
  return value;
}

/** The build context folder: a local path, or a git clone cached under <home>/cache/repos. */
async function sourceFolder(s: McpServer, stackDir: string, o: UpOptions): Promise<string> {
  const src = s.source!;
  if (src.type === 'local') {
    const dir = resolve(stackDir, src.path ?? '.');
    if (!existsSync(dir)) throw new WorkloadError(`server "${s.name}": source folder ${dir} does not exist`);
    return dir;
  }
  const url = src.url!;
  const ref = src.ref ?? 'main';
  const dir = join(o.home, 'cache', 'repos', createHash('sha256').update(url).digest('hex').slice(0, 16));
  const env: NodeJS.ProcessEnv = { ...withoutOwn(o.env), GIT_TERMINAL_PROMPT: '0' };
  const cfg: string[] = [];
  const auth = src.auth;
  if (auth?.method === 'token' && auth.credential_ref) {
    const token = await resolveCredential(s.name, auth.credential_ref, o);
    const basic = Buffer.from(`x-access-token:${token}`).toString('base64');
    cfg.push('-c', `http.extraHeader=Authorization: Basic ${basic}`);
  }
  if (auth?.method === 'ssh-key' && auth.ssh_key_path) {
    const key = auth.ssh_key_path.replace(/^~/, process.env.HOME ?? '~');
    env.GIT_SSH_COMMAND = `ssh -i ${JSON.stringify(key)} -o IdentitiesOnly=yes -o BatchMode=yes`;
  }
  const git = async (...args: string[]) => {
    try {
      await run('git', [...cfg, ...args], { env, maxBuffer: 16 << 20 });
    } catch (err) {
      const e = err as { stderr?: string; message: string };
      throw new WorkloadError(
        `server "${s.name}": git ${args[0] === '-C' ? args[2] : args[0]} of ${url} failed: ${oneLine(e.stderr || e.message)}`,
      );
    }
  };
  o.report.step(`Fetching ${url} (${ref})`);
  const fresh = !existsSync(join(dir, '.git'));
  if (fresh) {
    mkdirSync(dir, { recursive: true });
    await git('init', '-q', dir);
    await git('-C', dir, 'remote', 'add', 'origin', url);
  }
  try {
    await git('-C', dir, 'fetch', '-q', '--depth', '1', 'origin', ref);
    await git('-C', dir, 'checkout', '-q', '-f', 'FETCH_HEAD');
  } catch (err) {
    // A cached tree still builds when the remote is unreachable.
    if (fresh) throw err;
    o.report.note(`${(err as Error).message}; building the cached copy in ${dir}`);
  }
  o.report.done(`Fetched ${url} (${ref})`);
  return dir;
}

// ---- the gateway side ---------------------------------------------------------------------------------

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
function containerUpstream(rt: WorkloadRuntime, c: ServerContainer): UpstreamSpec | string {
  if (c.transport === 'stdio') return { transport: 'container-stdio', container: stdioHandle(rt, c.id) };
  if (!c.hostPort) return `container ${c.name} publishes no port`;
  return { transport: c.transport, url: `http://127.0.0.1:${c.hostPort}/mcp` };
}

/** An HTTP/SSE container's log lines go with its client (as apply's containers do). */
function withLogs(rt: WorkloadRuntime, c: ServerContainer, client: UpstreamClient): UpstreamClient {
  return c.transport === 'stdio' ? client : new WithContainerLogs(client, logSource(rt, c.id));
}

/** The upstream client of one replica container the spawner hands to the gateway. */
function containerClient(rt: WorkloadRuntime, server: McpServer, c: ServerContainer): UpstreamClient {
  const spec = containerUpstream(rt, c);
  if (typeof spec === 'string') throw coded('SERVER_START_FAILED', spec);
  return withLogs(
    rt,
    c,
    createUpstream(spec, server.name, { defaultTimeoutMs: parseDuration(server.timeout) }),
  );
}

function stdioHandle(rt: WorkloadRuntime, id: string): ContainerStdioHandle {
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

function logSource(rt: WorkloadRuntime, id: string): ContainerLogSource {
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

// ---- destroy ------------------------------------------------------------------------------------

/** Removes every container, then every network, labelled with the stack. Images and volumes stay. */
export async function down(
  stackName: string,
  rt: WorkloadRuntime,
): Promise<{ containers: string[]; networks: string[] }> {
  const labels = stackLabels(stackName);
  const list = await rt.listContainers(labels);
  await Promise.all(
    list.map(async (c) => {
      await rt.stopContainer(c.id, 10);
      await rt.removeContainer(c.id);
    }),
  );
  const containers = list.map((c) => c.name).sort();
  const networks: string[] = [];
  for (const n of await rt.listNetworks(labels)) {
    await rt.removeNetwork(n.name);
    networks.push(n.name);
  }
  return { containers, networks };
}

// ---- apply integration ---------------------------------------------------------------------------

export interface AppliedWorkloads {
  /** What the gateway needs (unset when the stack has no container workloads). */
  view?: ContainerView;
  /** Removes what this apply started (after a later step failed). */
  rollback(): Promise<void>;
}

/**
 * Apply's container step, in the parent process: detect the engine only when the stack needs one,
 * then `up`. The gateway (foreground here, or the daemon child) gets the same view.
 */
export async function applyWorkloads(
  stack: Stack,
  o: Omit<UpOptions, 'runtime'> & { flag?: string },
): Promise<AppliedWorkloads> {
  const needed = containerWorkloads(stack);
  // A bad --runtime / GRIDCTL_RUNTIME value is an error even when nothing needs an engine.
  candidates({ flag: o.flag, env: o.env });
  if (needed.length === 0) return { rollback: async () => {} };
  const runtime = await requireRuntime(
    { flag: o.flag, env: o.env },
    `stack '${stack.name}' runs ${needed.join(', ')} in containers`,
  );
  o.report.done(`Container runtime: ${runtime.info.kind} ${runtime.info.version} (${runtime.info.socket})`);
  const result = await up(stack, { ...o, runtime });
  return {
    view: await discover(stack.name, runtime, stack, o.env),
    rollback: () => rollback(runtime, result),
  };
}

/** The daemon child's side: find the engine and the containers the parent started. */
export async function workloadsView(
  stack: Stack,
  flag: string | undefined,
  env: NodeJS.ProcessEnv,
): Promise<ContainerView | undefined> {
  if (containerWorkloads(stack).length === 0) return undefined;
  const runtime = await requireRuntime({ flag, env }, `stack '${stack.name}' runs containers`);
  return discover(stack.name, runtime, stack, env);
}

// ---- destroy integration -------------------------------------------------------------------------

/** Whether the stack (its file, or the spec its daemon applied) declares container workloads. */
export async function expectsContainers(
  paths: HomePaths,
  name: string,
  target: string | undefined,
  cwd: string,
): Promise<boolean> {
  const read = readState(paths, name);
  if (read.kind === 'ok' && read.state.applied_spec) {
    return containerWorkloads(read.state.applied_spec as Stack).length > 0;
  }
  if (target) {
    const file = resolve(cwd, target);
    if (existsSync(file)) {
      const loaded = await loadStack(file, { mode: 'validate' }).catch(() => undefined);
      if (loaded?.stack) return containerWorkloads(loaded.stack).length > 0;
    }
  }
  return false;
}

/**
 * Destroy's container step: remove by label whatever the stack left in the engine. Engine problems
 * are warnings, and silent when the stack has no container workloads.
 */
export async function destroyWorkloads(
  name: string,
  o: { env: NodeJS.ProcessEnv; expectContainers: boolean },
): Promise<{ containers: string[]; networks: string[]; warning?: string }> {
  const none = { containers: [], networks: [] };
  try {
    const { runtime, attempts } = await detectRuntime({ env: o.env });
    if (!runtime) {
      if (!o.expectContainers) return none;
      return {
        ...none,
        warning: notFoundMessage('no container engine answers; containers were not removed', attempts),
      };
    }
    return await down(name, runtime);
  } catch (err) {
    return o.expectContainers ? { ...none, warning: `removing containers failed: ${oneLine(err)}` } : none;
  }
}

// ---- status integration --------------------------------------------------------------------------

export interface ContainerRow {
  id: string;
  name: string;
  stack: string;
  type: 'mcp-server' | 'resource';
  workload: string;
  image: string;
  state: string;
  status: string;
}

/** gridctl's containers (of one stack, or all), or undefined when no engine answers. */
export async function listWorkloadContainers(
  env: NodeJS.ProcessEnv,
  stack?: string,
): Promise<ContainerRow[] | undefined> {
  let runtime: WorkloadRuntime | undefined;
  try {
    runtime = (await detectRuntime({ env })).runtime;
  } catch {
    return undefined;
  }
  if (!runtime) return undefined;
  const labels = stack ? stackLabels(stack) : { [LABEL.managed]: 'true' };
  const list = await runtime.listContainers(labels).catch(() => undefined);
  return list
    ?.map((c) => ({
      id: c.id.slice(0, 12),
      name: c.name,
      stack: c.labels[LABEL.stack] ?? '',
      type: c.labels[LABEL.resource] ? ('resource' as const) : ('mcp-server' as const),
      workload: c.labels[LABEL.resource] ?? c.labels[LABEL.server] ?? '',
      image: c.image,
      state: c.state,
      status: c.status,
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
}
