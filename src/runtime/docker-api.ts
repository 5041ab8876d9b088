// WorkloadRuntime over the Docker Engine HTTP API through dockerode, for Docker and for Podman's
// compatible socket. Attach is the one call made without dockerode: its hijacked attach sends the
// request options as a JSON body, which Podman 4.3 forwards to the container's stdin (seen in
// tests), so attach.ts upgrades the connection itself with an empty body.
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import type Docker from 'dockerode';
import { attachRaw } from './attach.js';
import type {
  AttachedStdio,
  BuildSpec,
  ContainerDetails,
  ContainerSpec,
  ContainerState,
  ContainerSummary,
  Labels,
  LogOptions,
  NetworkSpec,
  ProgressFn,
  RuntimeInfo,
  WorkloadRuntime,
} from './types.js';

export class DockerApiRuntime implements WorkloadRuntime {
  private constructor(
    readonly info: RuntimeInfo,
    private readonly docker: Docker,
  ) {}

  /** dockerode (and its SSH/protobuf stack) loads only when a stack needs a runtime. */
  static async create(info: RuntimeInfo): Promise<DockerApiRuntime> {
    const { default: DockerClient } = await import('dockerode');
    return new DockerApiRuntime(info, new DockerClient({ socketPath: info.socket }));
  }

  async ping(): Promise<void> {
    await this.docker.ping();
  }

  // ---- networks -------------------------------------------------------------------------------

  async ensureNetwork(spec: NetworkSpec): Promise<boolean> {
    const existing = await this.docker.listNetworks({ filters: { name: [spec.name] } });
    // The name filter matches substrings; only an exact name counts.
    if (existing.some((n) => n.Name === spec.name)) return false;
    await this.docker.createNetwork({ Name: spec.name, Driver: spec.driver, Labels: spec.labels });
    return true;
  }

  async removeNetwork(name: string): Promise<void> {
    await ignoreMissing(this.docker.getNetwork(name).remove());
  }

  async listNetworks(labels: Labels): Promise<{ id: string; name: string }[]> {
    const nets = await this.docker.listNetworks({ filters: { label: labelFilter(labels) } });
    return nets.map((n) => ({ id: n.Id, name: n.Name }));
  }

  // ---- images ---------------------------------------------------------------------------------

  async imageId(ref: string): Promise<string | undefined> {
    try {
      return (await this.docker.getImage(ref).inspect()).Id;
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw err;
    }
  }

  async pullImage(ref: string, progress?: ProgressFn): Promise<void> {
    const stream = (await this.docker.pull(ref)) as Readable;
    await this.follow(stream, progress);
  }

  async buildImage(spec: BuildSpec, progress?: ProgressFn): Promise<void> {
    const stream = (await this.docker.buildImage(
      { context: spec.context, src: contextFiles(spec.context) },
      {
        t: spec.tag,
        dockerfile: spec.dockerfile,
        buildargs: spec.buildArgs,
        nocache: spec.noCache,
        labels: spec.labels,
        rm: true,
      },
    )) as Readable;
    await this.follow(stream, progress);
  }

  async removeImage(ref: string): Promise<void> {
    await ignoreMissing(this.docker.getImage(ref).remove({ force: true }));
  }

  /** Waits for a pull/build progress stream to end; an `error` event in it fails the call. */
  private follow(stream: Readable, progress?: ProgressFn): Promise<void> {
    return new Promise((resolve, reject) => {
      this.docker.modem.followProgress(
        stream,
        (err: Error | null, out: { error?: string; errorDetail?: { message?: string } }[]) => {
          if (err) return reject(err);
          const failed = out.find((e) => e.error || e.errorDetail);
          if (failed) return reject(new Error(failed.errorDetail?.message ?? failed.error));
          resolve();
        },
        (ev: { stream?: string; status?: string; progress?: string; id?: string }) => {
          const line = (ev.stream ?? [ev.id, ev.status, ev.progress].filter(Boolean).join(' ')).trimEnd();
          if (line) progress?.(line);
        },
      );
    });
  }

  // ---- containers -----------------------------------------------------------------------------

  async listContainers(labels: Labels): Promise<ContainerSummary[]> {
    const list = await this.docker.listContainers({ all: true, filters: { label: labelFilter(labels) } });
    return list.map((c) => ({
      id: c.Id,
      name: (c.Names[0] ?? '').replace(/^\//, ''),
      image: c.Image,
      state: toState(c.State),
      status: c.Status,
      labels: c.Labels ?? {},
      hostPorts: Object.fromEntries(
        (c.Ports ?? []).filter((p) => p.PublicPort).map((p) => [`${p.PrivatePort}/${p.Type}`, p.PublicPort]),
      ),
    }));
  }

  async inspectContainer(idOrName: string): Promise<ContainerDetails | undefined> {
    let c: Docker.ContainerInspectInfo;
    try {
      c = await this.docker.getContainer(idOrName).inspect();
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw err;
    }
    const hostPorts: Record<string, number> = {};
    for (const [key, binds] of Object.entries(c.NetworkSettings?.Ports ?? {})) {
      const port = Number(binds?.[0]?.HostPort);
      if (port) hostPorts[key] = port;
    }
    return {
      id: c.Id,
      name: c.Name.replace(/^\//, ''),
      image: c.Config.Image,
      imageId: c.Image,
      state: toState(c.State.Status),
      status: c.State.Status,
      labels: c.Config.Labels ?? {},
      hostPorts,
      exitCode: c.State.ExitCode,
      error: c.State.Error ?? '',
    };
  }

  async createContainer(spec: ContainerSpec): Promise<string> {
    const exposed: Record<string, object> = {};
    const bindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
    for (const p of spec.ports) {
      const key = `${p.containerPort}/${p.protocol ?? 'tcp'}`;
      exposed[key] = {};
      bindings[key] = [...(bindings[key] ?? []), { HostIp: p.hostIp, HostPort: String(p.hostPort) }];
    }
    const modeOnly = spec.network === 'host' || spec.network === 'none';
    const c = await this.docker.createContainer({
      name: spec.name,
      Image: spec.image,
      Cmd: spec.cmd,
      Env: Object.entries(spec.env).map(([k, v]) => `${k}=${v}`),
      Labels: spec.labels,
      ExposedPorts: exposed,
      OpenStdin: spec.stdin,
      // Detaching closes the server's stdin, so a stdio server ends with its gateway session
      // (Podman does this whatever StdinOnce says; Docker does it with StdinOnce).
      StdinOnce: spec.stdin,
      AttachStdin: spec.stdin,
      AttachStdout: spec.stdin,
      AttachStderr: spec.stdin,
      Tty: false,
      HostConfig: {
        PortBindings: bindings,
        Binds: spec.volumes.length ? spec.volumes : undefined,
        NetworkMode: spec.network,
        ExtraHosts: spec.extraHosts.length ? spec.extraHosts : undefined,
      },
      NetworkingConfig:
        spec.network && !modeOnly
          ? { EndpointsConfig: { [spec.network]: { Aliases: spec.aliases } } }
          : undefined,
    });
    return c.id;
  }

  async startContainer(id: string): Promise<void> {
    try {
      await this.docker.getContainer(id).start();
    } catch (err) {
      if (statusOf(err) === 304) return; // already running
      throw err;
    }
  }

  async stopContainer(id: string, timeoutS = 10): Promise<void> {
    try {
      await this.docker.getContainer(id).stop({ t: timeoutS });
    } catch (err) {
      const code = statusOf(err);
      if (code === 304 || code === 404) return;
      // Podman answers 500 "container state improper" for a container that is not running.
      if (/state improper|not running/i.test(String((err as Error).message))) return;
      throw err;
    }
  }

  async removeContainer(id: string): Promise<void> {
    const c = this.docker.getContainer(id);
    for (let attempt = 0; ; attempt++) {
      try {
        await c.remove({ force: true, v: false });
        return;
      } catch (err) {
        if (statusOf(err) === 404) return;
        // Podman 4.3 may refuse while the container is in the middle of exiting; the state
        // settles within moments, so retry a few times on that specific answer.
        if (attempt < 20 && /state improper|removal.*in progress/i.test((err as Error).message)) {
          await new Promise((r) => setTimeout(r, 100));
          continue;
        }
        throw err;
      }
    }
  }

  attach(id: string): Promise<AttachedStdio> {
    return attachRaw(this.info.socket, id);
  }

  async logs(id: string, opts: LogOptions): Promise<{ stdout: Readable; stderr: Readable; close(): void }> {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    const c = this.docker.getContainer(id);
    // Unset options must be left out: an empty `since=` is a 400 on Podman.
    const common: { stdout: boolean; stderr: boolean; tail?: number; since?: number } = {
      stdout: opts.stdout,
      stderr: opts.stderr,
    };
    if (opts.tail !== undefined) common.tail = opts.tail;
    if (opts.sinceS !== undefined) common.since = opts.sinceS;
    if (!opts.follow) {
      const buf = (await c.logs({ ...common, follow: false })) as unknown as Buffer;
      demuxBuffer(buf, stdout, stderr);
      stdout.end();
      stderr.end();
      return { stdout, stderr, close: () => {} };
    }
    // Not awaited: Podman holds the follow response back until the first log line, so waiting
    // here could hang, and an unanswered request would keep the process alive; close() aborts it.
    const abort = new AbortController();
    const endBoth = () => {
      stdout.end();
      stderr.end();
    };
    (c.logs({ ...common, follow: true, abortSignal: abort.signal }) as unknown as Promise<Readable>).then(
      (stream) => {
        if (abort.signal.aborted) return void stream.destroy();
        abort.signal.addEventListener('abort', () => stream.destroy());
        this.docker.modem.demuxStream(stream, stdout, stderr);
        stream.on('end', endBoth);
        stream.on('close', endBoth);
        stream.on('error', endBoth);
      },
      endBoth,
    );
    return {
      stdout,
      stderr,
      close: () => {
        abort.abort();
        endBoth();
      },
    };
  }
}

/** Splits a multiplexed log buffer (8-byte frame headers: stream, 0, 0, 0, size BE32). */
export function demuxBuffer(buf: Buffer, stdout: PassThrough, stderr: PassThrough): void {
  let off = 0;
  while (off + 8 <= buf.length) {
    const type = buf[off];
    const size = buf.readUInt32BE(off + 4);
    const payload = buf.subarray(off + 8, off + 8 + size);
    (type === 2 ? stderr : stdout).write(payload);
    off += 8 + size;
  }
}

const CONTEXT_SKIP = new Set(['.git', 'node_modules', '__pycache__']);

/** Files of a build context, relative to it, without VCS folders, dependencies and .env files. */
export function contextFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (CONTEXT_SKIP.has(e.name) || e.name.startsWith('.env') || e.name.endsWith('.pyc')) continue;
      const full = join(dir, e.name);
      if (e.isDirectory()) walk(full);
      else out.push(relative(root, full));
    }
  };
  walk(root);
  return out.sort();
}

function labelFilter(labels: Labels): string[] {
  return Object.entries(labels).map(([k, v]) => `${k}=${v}`);
}

function toState(s: string | undefined): ContainerState {
  const known: ContainerState[] = ['created', 'running', 'paused', 'restarting', 'exited', 'dead'];
  const lower = (s ?? '').toLowerCase();
  if (lower === 'stopped' || lower === 'configured') return lower === 'stopped' ? 'exited' : 'created';
  return (known as string[]).includes(lower) ? (lower as ContainerState) : 'unknown';
}

function statusOf(err: unknown): number | undefined {
  return (err as { statusCode?: number }).statusCode;
}

async function ignoreMissing(p: Promise<unknown>): Promise<void> {
  try {
    await p;
  } catch (err) {
    if (statusOf(err) !== 404) throw err;
  }
}
