// Container workloads of a stack: networks, images, resources and container servers.
//   up()       — run by `apply` before the gateway starts: ensure networks, pull or build images,
//                start resources then servers (reusing a container only when the hash of the spec
//                that produced it matches), wait until each server answers, and on any failure
//                remove what this apply started.
//   down()     — run by `destroy`: removes every container and network with the stack's label.
// The parts live beside it: container-plan (the specs), container-sources (where a source image
// is built from), container-readiness (when a container counts as up), container-discovery (the
// gateway side: containers found by label, their upstreams).
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { promisify } from 'node:util';
import { loadStack, type Stack, serverKind } from '../config/index.js';
import {
  builtImageTag,
  candidates,
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

import { type ContainerView, discover } from './container-discovery.js';
import { networksToCreate, resourceSpec, serverSpecs } from './container-plan.js';
import { oneLine, waitReady } from './container-readiness.js';
import { dockerfileIn, sourceFolder } from './container-sources.js';
import { type Desired, type UpOptions, WorkloadError } from './container-types.js';
import { PortAllocator, probePort } from './ports.js';

const _run = promisify(execFile);

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

/** Servers and resources that need a container engine. */
export function containerWorkloads(stack: Stack): string[] {
  return [
    ...stack.resources.map((r) => `resource "${r.name}"`),
    ...stack['mcp-servers'].filter((s) => serverKind(s) === 'container').map((s) => `server "${s.name}"`),
  ];
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
