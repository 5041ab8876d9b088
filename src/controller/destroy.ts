// Stopping a stack: SIGTERM to the daemon (it stops its own children), SIGKILL after a grace period,
// then the recorded child process groups are reaped in case the daemon could not stop them.

import { coded } from '../errors/coded.js';
import { acquireLock } from '../state/lock.js';
import type { HomePaths } from '../state/paths.js';
import { pidAlive, readState, removeState } from '../state/state-file.js';
import { reapOrphans } from './reaper.js';

export type DestroyOutcome =
  | { kind: 'stopped'; pid: number; forced: boolean; reaped: number[] }
  | { kind: 'stale'; reaped: number[] }
  | { kind: 'not-running' };

export async function destroyStack(
  paths: HomePaths,
  name: string,
  graceMs = 10_000,
): Promise<DestroyOutcome> {
  const lock = await acquireLock(paths.lockFile(name));
  try {
    const read = readState(paths, name);
    if (read.kind === 'missing') return { kind: 'not-running' };
    if (read.kind === 'newer') {
      throw coded(
        'STATE_NEWER',
        `${read.file} was written by a newer gridctl (schema ${read.version}); use that version`,
      );
    }
    if (read.kind === 'corrupt') {
      removeState(paths, name);
      return { kind: 'stale', reaped: [] };
    }
    const { state } = read;
    if (!read.alive) {
      const reaped = await reapOrphans(state);
      removeState(paths, name);
      return { kind: 'stale', reaped };
    }
    const forced = !(await stopPid(state.pid, graceMs));
    const reaped = await reapOrphans(state);
    removeState(paths, name);
    return { kind: 'stopped', pid: state.pid, forced, reaped };
  } finally {
    lock.release();
  }
}

/** SIGTERM, wait, SIGKILL. True when the process exited within the grace period. */
export async function stopPid(pid: number, graceMs: number): Promise<boolean> {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return true;
  }
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!pidAlive(pid)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // exited just now
  }
  while (pidAlive(pid)) await new Promise((r) => setTimeout(r, 20));
  return false;
}
