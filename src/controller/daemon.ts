// DaemonManager: forks `gridctl apply --daemon-child` in its own session with output to the stack's
// log file, then waits until the child's /ready answers for *this* stack (a different process on
// the port is never mistaken for ours) or the child dies, in which case the log tail says why.
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { coded } from '../errors/coded.js';
import { pidAlive } from '../state/state-file.js';

export interface ForkOptions {
  args: string[];
  logFile: string;
  env?: NodeJS.ProcessEnv;
  /** Written to the child's stdin, then closed (secrets that must not sit in its environment). */
  stdin?: string;
}

/** Re-runs this same CLI (compiled or via tsx) with the given arguments, detached. */
export function forkDaemon(opts: ForkOptions): number {
  mkdirSync(dirname(opts.logFile), { recursive: true, mode: 0o700 });
  // Appending: the child's own logger appends to the same file (the caller rotated it first).
  const fd = openSync(opts.logFile, 'a', 0o600);
  try {
    const entry = process.argv[1];
    if (!entry) throw coded('DAEMON_START_FAILED', 'cannot find the gridctl entry point to fork');
    const child = spawn(process.execPath, [...process.execArgv, entry, ...opts.args], {
      detached: true, // new session: survives the terminal that ran `apply`
      stdio: [opts.stdin === undefined ? 'ignore' : 'pipe', fd, fd],
      env: opts.env ?? process.env,
    });
    child.stdin?.on('error', () => {}); // a child that died at once: its exit is reported instead
    child.stdin?.end(opts.stdin);
    child.unref();
    if (child.pid === undefined) throw coded('DAEMON_START_FAILED', 'failed to start the gridctl daemon');
    return child.pid;
  } finally {
    closeSync(fd);
  }
}

export interface ReadyBody {
  ready: boolean;
  stack?: string;
  pending?: string[];
  [k: string]: unknown;
}

export async function probeReady(
  url: string,
  stack: string,
  headers: Record<string, string> = {},
): Promise<ReadyBody | undefined> {
  try {
    const res = await fetch(url, { headers, signal: AbortSignal.timeout(1000) });
    const body = (await res.json()) as ReadyBody;
    if (body.stack !== stack) return undefined; // someone else's server on that port
    return { ...body, ready: res.status === 200 };
  } catch {
    return undefined;
  }
}

export type WaitOutcome = { ok: true } | { ok: false; reason: string };

export async function waitForReady(opts: {
  url: string;
  stack: string;
  pid: number;
  timeoutMs: number;
  logFile: string;
  onPending?: (pending: string[]) => void;
}): Promise<WaitOutcome> {
  const deadline = Date.now() + opts.timeoutMs;
  while (Date.now() < deadline) {
    const body = await probeReady(opts.url, opts.stack);
    if (body?.ready) return { ok: true };
    if (body?.pending) opts.onPending?.(body.pending);
    if (!pidAlive(opts.pid)) {
      return { ok: false, reason: `the daemon exited during start-up:\n${logTail(opts.logFile, 15)}` };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { ok: false, reason: `not ready after ${Math.round(opts.timeoutMs / 1000)}s; see ${opts.logFile}` };
}

export function logTail(file: string, lines: number): string {
  try {
    const all = readFileSync(file, 'utf8').trimEnd().split('\n');
    return all
      .slice(-lines)
      .map((l) => `  | ${l}`)
      .join('\n');
  } catch {
    return `  (no log at ${file})`;
  }
}
