// engine-standin: a container engine for the controller's unit tests, where each "container" is a
// real local process (no image, no namespace). It covers what readiness and discovery use — list by
// label, inspect, start, attach to stdio, logs — so those modules run against real processes and
// real sockets without Docker. Everything else of WorkloadRuntime throws.
import { type ChildProcess, spawn } from 'node:child_process';
import { PassThrough, Readable } from 'node:stream';
import type {
  AttachedStdio,
  ContainerDetails,
  ContainerState,
  Labels,
  LogOptions,
  WorkloadRuntime,
} from '../../src/runtime/types.js';

interface StandinContainer {
  id: string;
  name: string;
  labels: Labels;
  argv: string[];
  hostPorts: Record<string, number>;
  /** Whether listContainers shows the ports (engines list none for a stopped container). */
  listsPorts: boolean;
  state: ContainerState;
  exitCode: number;
  output: string[];
  proc?: ChildProcess;
  stdin: PassThrough;
  stdout: PassThrough;
  stderr: PassThrough;
}

export class EngineStandin {
  private readonly containers = new Map<string, StandinContainer>();
  private seq = 0;

  /** A created (not started) container that runs `argv` when started. */
  add(opts: {
    name: string;
    argv?: string[];
    labels?: Labels;
    hostPorts?: Record<string, number>;
    listsPorts?: boolean;
    state?: ContainerState;
  }): string {
    const id = `standin${String(++this.seq).padStart(8, '0')}${'0'.repeat(48)}`;
    this.containers.set(id, {
      id,
      name: opts.name,
      labels: opts.labels ?? {},
      argv: opts.argv ?? [process.execPath, '-e', 'setInterval(() => {}, 1000)'],
      hostPorts: opts.hostPorts ?? {},
      listsPorts: opts.listsPorts ?? true,
      state: opts.state ?? 'created',
      exitCode: 0,
      output: [],
      stdin: new PassThrough(),
      stdout: new PassThrough(),
      stderr: new PassThrough(),
    });
    return id;
  }

  /** Starts it and waits until the process has exited, as a container that dies at once does. */
  async runToExit(id: string): Promise<void> {
    const c = this.get(id);
    await this.start(c);
    if (c.state === 'running') await new Promise((r) => c.proc!.once('close', r));
  }

  remove(id: string): void {
    const c = this.containers.get(id);
    c?.proc?.kill('SIGKILL');
    this.containers.delete(id);
  }

  /** Kills every process still running and waits for each to be gone. */
  async stopAll(): Promise<void> {
    await Promise.all(
      [...this.containers.values()].map(async (c) => {
        if (c.state !== 'running' || !c.proc) return;
        const gone = new Promise((r) => c.proc!.once('close', r));
        c.proc.kill('SIGKILL');
        await gone;
      }),
    );
  }

  pids(): number[] {
    return [...this.containers.values()].flatMap((c) => (c.proc?.pid ? [c.proc.pid] : []));
  }

  private get(id: string): StandinContainer {
    const c = this.containers.get(id) ?? [...this.containers.values()].find((x) => x.name === id);
    if (!c) throw new Error(`engine-standin: no container ${id}`);
    return c;
  }

  private async start(c: StandinContainer): Promise<void> {
    if (c.state === 'running') return;
    const [cmd, ...args] = c.argv;
    const proc = spawn(cmd!, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    c.proc = proc;
    c.state = 'running';
    c.stdin.pipe(proc.stdin);
    proc.stdin.on('error', () => {}); // the process may exit before reading its stdin
    for (const [from, to] of [
      [proc.stdout, c.stdout],
      [proc.stderr, c.stderr],
    ] as const) {
      from.on('data', (chunk: Buffer) => c.output.push(...chunk.toString('utf8').trimEnd().split('\n')));
      from.pipe(to);
    }
    proc.once('close', (code) => {
      c.state = 'exited';
      c.exitCode = code ?? 137;
    });
    await new Promise<void>((resolve, reject) => {
      proc.once('spawn', resolve);
      proc.once('error', reject);
    });
  }

  /** The WorkloadRuntime the modules under test take. */
  runtime(): WorkloadRuntime {
    const details = (c: StandinContainer, ports = true): ContainerDetails => ({
      id: c.id,
      name: c.name,
      image: 'standin',
      state: c.state,
      status: c.state,
      labels: c.labels,
      hostPorts: ports ? c.hostPorts : {},
      exitCode: c.exitCode,
      error: '',
      imageId: 'standin',
    });
    const refuse = (what: string) => () => {
      throw new Error(`engine-standin: ${what} is not stood in`);
    };
    return {
      info: { kind: 'docker', socket: 'engine-standin', source: 'engine-standin', version: 'standin' },
      ping: async () => {},
      ensureNetwork: refuse('ensureNetwork'),
      removeNetwork: refuse('removeNetwork'),
      listNetworks: refuse('listNetworks'),
      imageId: refuse('imageId'),
      pullImage: refuse('pullImage'),
      buildImage: refuse('buildImage'),
      removeImage: refuse('removeImage'),
      createContainer: refuse('createContainer'),
      stopContainer: refuse('stopContainer'),
      removeContainer: refuse('removeContainer'),
      listContainers: async (labels) =>
        [...this.containers.values()]
          .filter((c) => Object.entries(labels).every(([k, v]) => c.labels[k] === v))
          .map((c) => details(c, c.listsPorts)),
      inspectContainer: async (id) => {
        const c = this.containers.get(id) ?? [...this.containers.values()].find((x) => x.name === id);
        return c ? details(c) : undefined;
      },
      startContainer: async (id) => this.start(this.get(id)),
      attach: async (id): Promise<AttachedStdio> => {
        const c = this.get(id);
        return {
          stdin: c.stdin,
          stdout: c.stdout,
          stderr: c.stderr,
          // As an engine does on detach: the container's stdin is closed.
          close: () => c.stdin.end(),
        };
      },
      logs: async (id, opts: LogOptions) => {
        const c = this.get(id);
        const lines = opts.tail === undefined ? c.output : c.output.slice(-opts.tail);
        return {
          stdout: Readable.from(lines.length ? [Buffer.from(`${lines.join('\n')}\n`)] : []),
          stderr: Readable.from([]),
          close: () => {},
        };
      },
    };
  }
}
