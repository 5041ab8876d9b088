// StackController: the apply flow shared by the daemon and foreground modes.
//   load → lock → stale-state cleanup → port check → (fork daemon and wait for /ready) | (run here)
// Only the parent checks and holds the lock; the forked child trusts it (--daemon-child).
import { resolve } from 'node:path';
import type { Issue, LoadResult, Stack } from '../config/index.js';
import { loadStack } from '../config/index.js';
import { acquireLock, type Lock } from '../state/lock.js';
import type { HomePaths } from '../state/paths.js';
import { readState, removeState } from '../state/state-file.js';
import { forkDaemon, waitForReady } from './daemon.js';
import { probePort } from './ports.js';
import { reapOrphans } from './reaper.js';

export interface ApplyOptions {
  file: string;
  port: number;
  basePort: number;
  bind?: string;
  watch: boolean;
  logLevel: string;
  logFile?: string;
  readyTimeoutMs: number;
  env: NodeJS.ProcessEnv;
}

export class ApplyError extends Error {
  constructor(
    message: string,
    readonly issues: Issue[] = [],
  ) {
    super(message);
  }
}

export interface Reporter {
  step(text: string): void;
  done(text: string): void;
  note(text: string): void;
}

/** Loads the stack for apply; every error issue becomes one ApplyError. */
export async function loadForApply(
  file: string,
  env: NodeJS.ProcessEnv,
): Promise<LoadResult & { stack: Stack }> {
  const loaded = await loadStack(file, { mode: 'apply', env });
  if (!loaded.ok || !loaded.stack) {
    const errors = loaded.issues.filter((i) => i.severity === 'error');
    throw new ApplyError(`${file}: ${errors.length} error(s) in the stack file`, errors);
  }
  return loaded as LoadResult & { stack: Stack };
}

/**
 * Checks that may refuse an apply, under the stack's lock: a live daemon of the same stack, a
 * state file from a newer gridctl, a port already taken. Stale state (dead PID) is cleaned up,
 * including any server processes the dead daemon left behind.
 */
export async function preflight(
  paths: HomePaths,
  stack: Stack,
  opts: { bind: string; port: number },
  report: Reporter,
): Promise<Lock> {
  const lock = await acquireLock(paths.lockFile(stack.name));
  try {
    const read = readState(paths, stack.name);
    if (read.kind === 'newer') {
      throw new ApplyError(
        `${read.file} was written by a newer gridctl (schema ${read.version}); use that version`,
      );
    }
    if (read.kind === 'ok' && read.alive) {
      throw new ApplyError(
        `stack '${stack.name}' is already running on port ${read.state.port} (PID ${read.state.pid}); ` +
          `run \`gridctl destroy ${stack.name}\` first, or \`gridctl reload ${stack.name}\` to apply changes in place`,
      );
    }
    if (read.kind === 'ok' || read.kind === 'corrupt') {
      const reaped = read.kind === 'ok' ? await reapOrphans(read.state.children ?? []) : [];
      removeState(paths, stack.name);
      report.note(
        `cleaned up stale state of '${stack.name}'${reaped.length ? ` and ${reaped.length} leftover process(es)` : ''}`,
      );
    }
    const probe = await probePort(opts.bind, opts.port);
    if (!probe.free) {
      throw new ApplyError(
        `port ${opts.port} on ${opts.bind} is ${probe.reason}; choose another with --port`,
      );
    }
    return lock;
  } catch (err) {
    lock.release();
    throw err;
  }
}

/** Forks the daemon child and waits until it is ready (or dies, or times out). */
export async function startDaemon(
  paths: HomePaths,
  stack: Stack,
  opts: ApplyOptions & { bind: string },
  report: Reporter,
): Promise<{ pid: number; logFile: string }> {
  const logFile = opts.logFile ?? paths.logFile(stack.name);
  const args = [
    'apply',
    resolve(opts.file),
    '--daemon-child',
    '--port',
    String(opts.port),
    '--base-port',
    String(opts.basePort),
    '--bind',
    opts.bind,
    '--log-level',
    opts.logLevel,
    '--home',
    paths.root,
  ];
  if (opts.watch) args.push('--watch');
  report.step('Starting the gateway daemon');
  const pid = forkDaemon({ args, logFile, env: opts.env });
  report.done(`Started the gateway daemon (PID ${pid}, log ${logFile})`);
  report.step('Waiting for every server to register');
  const host = opts.bind === '0.0.0.0' || opts.bind === '::' ? '127.0.0.1' : opts.bind;
  const outcome = await waitForReady({
    url: `http://${host.includes(':') ? `[${host}]` : host}:${opts.port}/ready`,
    stack: stack.name,
    pid,
    timeoutMs: opts.readyTimeoutMs,
    logFile,
    onPending: (pending) => report.step(`Waiting for ${pending.join(', ')}`),
  });
  if (!outcome.ok) throw new ApplyError(`stack '${stack.name}' did not become ready: ${outcome.reason}`);
  report.done('All servers registered');
  return { pid, logFile };
}
