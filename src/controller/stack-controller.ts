// StackController: the apply flow shared by the daemon and foreground modes.
//   load → lock → stale-state cleanup → port check → (fork daemon and wait for /ready) | (run here)
// Only the parent checks and holds the lock; the forked child trusts it (--daemon-child).
import { rmSync } from 'node:fs';
import type { Issue, LoadResult, Stack } from '../config/index.js';
import { pruneBackups, rotate } from '../logging/file-sink.js';
import { PASSPHRASE_ENV } from '../security/vault/index.js';
import { acquireLock, type Lock } from '../state/lock.js';
import type { HomePaths } from '../state/paths.js';
import { readState, removeState } from '../state/state-file.js';
import { forkDaemon, waitForReady } from './daemon.js';
import { SECRETS_STDIN_FLAG } from './daemon-secrets.js';
import { probePort } from './ports.js';
import { reapOrphans } from './reaper.js';
import { loadForRun, type RunLoad, SecretsError } from './secrets.js';

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
  paths: HomePaths,
): Promise<{ loaded: LoadResult & { stack: Stack }; redact: (text: string) => string }> {
  let run: RunLoad;
  try {
    run = await loadForRun(file, env, paths);
  } catch (err) {
    if (err instanceof SecretsError) throw new ApplyError(err.message);
    throw err;
  }
  const { loaded } = run;
  if (!loaded.ok || !loaded.stack) {
    const errors = loaded.issues.filter((i) => i.severity === 'error');
    throw new ApplyError(`${file}: ${errors.length} error(s) in the stack file`, errors);
  }
  return { loaded: loaded as LoadResult & { stack: Stack }, redact: run.redact };
}

/**
 * Checks that may refuse an apply, under the stack's lock: a live daemon of the same stack, a
 * state file from a newer gridctl, a port already taken. Stale state (dead PID) is cleaned up,
 * including any server processes the dead daemon left behind.
 */
export async function preflight(
  paths: HomePaths,
  name: string,
  opts: { bind: string; port: number },
  report: Reporter,
): Promise<Lock> {
  const lock = await acquireLock(paths.lockFile(name));
  try {
    const read = readState(paths, name);
    if (read.kind === 'newer') {
      throw new ApplyError(
        `${read.file} was written by a newer gridctl (schema ${read.version}); use that version`,
      );
    }
    if (read.kind === 'ok' && read.alive) {
      throw new ApplyError(
        `stack '${name}' is already running on port ${read.state.port} (PID ${read.state.pid}); ` +
          `run \`gridctl destroy ${name}\` first, or \`gridctl reload ${name}\` to apply changes in place`,
      );
    }
    if (read.kind === 'ok' || read.kind === 'corrupt') {
      const reaped = read.kind === 'ok' ? await reapOrphans(read.state) : [];
      removeState(paths, name);
      report.note(
        `cleaned up stale state of '${name}'${reaped.length ? ` and ${reaped.length} leftover process(es)` : ''}`,
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

export interface DaemonLaunch {
  /** State name: the stack's name, or STACKLESS for `serve`. */
  name: string;
  /** CLI arguments of the child, without --daemon-child and the shared flags. */
  command: string[];
  bind: string;
  port: number;
  logLevel: string;
  logFile?: string;
  /** Rotated copies kept at each start (logging.maxBackups; default 3), and their age limit. */
  logBackups?: number;
  logMaxAgeDays?: number;
  watch: boolean;
  readyTimeoutMs: number;
  env: NodeJS.ProcessEnv;
  /** `/ready` waits for every server; stackless daemons only promise `/health`. */
  waitOn: '/ready' | '/health';
}

/** Forks the daemon child and waits until it is ready (or dies, or times out). */
export async function startDaemon(
  paths: HomePaths,
  d: DaemonLaunch,
  report: Reporter,
): Promise<{ pid: number; logFile: string }> {
  const logFile = d.logFile ?? paths.logFile(d.name);
  const args = [...d.command, '--daemon-child', '--port', String(d.port), '--bind', d.bind];
  args.push('--log-level', d.logLevel, '--home', paths.root);
  if (d.watch) args.push('--watch');
  // The child writes its log itself (rotating by size); its stdout and stderr go to the same file
  // for anything printed outside the logger (a crash before the logger is up).
  if (d.logFile) args.push('--log-file', logFile);
  report.step('Starting the gateway daemon');
  const backups = d.logBackups ?? 3;
  if (backups > 0)
    rotate(logFile, backups); // keep the last few runs' logs
  else rmSync(logFile, { force: true });
  pruneBackups(logFile, backups, d.logMaxAgeDays);
  // The passphrase goes to the child through its stdin, not its environment (daemon-secrets.ts);
  // the other GRIDCTL_VAULT_* variables (a new passphrase for `var lock`) are of no use to it.
  const env = Object.fromEntries(Object.entries(d.env).filter(([k]) => !k.startsWith('GRIDCTL_VAULT_')));
  const passphrase = d.env[PASSPHRASE_ENV];
  if (passphrase !== undefined) args.push(SECRETS_STDIN_FLAG);
  const pid = forkDaemon({
    args,
    logFile,
    env,
    stdin: passphrase === undefined ? undefined : JSON.stringify({ [PASSPHRASE_ENV]: passphrase }),
  });
  report.done(`Started the gateway daemon (PID ${pid}, log ${logFile})`);
  report.step(d.waitOn === '/ready' ? 'Waiting for every server to register' : 'Waiting for the gateway');
  const host = d.bind === '0.0.0.0' || d.bind === '::' ? '127.0.0.1' : d.bind;
  const outcome = await waitForReady({
    url: `http://${host.includes(':') ? `[${host}]` : host}:${d.port}${d.waitOn}`,
    stack: d.name,
    pid,
    timeoutMs: d.readyTimeoutMs,
    logFile,
    onPending: (pending) => report.step(`Waiting for ${pending.join(', ')}`),
  });
  if (!outcome.ok) throw new ApplyError(`'${d.name}' did not become ready: ${outcome.reason}`);
  report.done(d.waitOn === '/ready' ? 'All servers registered' : 'Gateway is up');
  return { pid, logFile };
}
