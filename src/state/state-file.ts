// The per-stack state file: how every CLI command finds a running gateway (port, pid, auth) and
// what `plan` diffs against (the applied spec snapshot, not the file on disk).
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { nameProblem } from '../config/names.js';
import type { HomePaths } from './paths.js';

export const STATE_SCHEMA_VERSION = 1;

export interface DaemonState {
  schema_version: number;
  stack_name: string;
  /** Absolute path of the applied stack file; absent in stackless mode. */
  stack_file?: string;
  pid: number;
  port: number;
  bind: string;
  started_at: string;
  foreground: boolean;
  log_file?: string;
  /**
   * What the CLI sends to its own daemon when the stack has inbound auth: a random credential of
   * this daemon run (never the stack's own token, which so never rests on disk).
   */
  auth?: { type: 'bearer' | 'api_key'; header: string; token: string };
  /** The stack as applied (after expansion, secrets and credentials masked), for `plan`. */
  applied_spec?: unknown;
  /**
   * Process groups of upstream children (leader pid = group id, and the leader's start time in
   * clock ticks since boot), so a SIGKILLed daemon's orphans can be reaped later.
   */
  children?: { server: string; pid: number; start?: number }[];
  /** The run tag in every upstream process's environment (upstream/ownership.ts). */
  process_tag?: string;
}

export class StateError extends Error {}

export function writeState(paths: HomePaths, state: DaemonState): void {
  const file = paths.stateFile(state.stack_name);
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, file); // atomic: readers never see a half-written file
}

export type StateRead =
  | { kind: 'missing' }
  | { kind: 'corrupt'; file: string; reason: string }
  | { kind: 'newer'; file: string; version: number }
  | { kind: 'ok'; file: string; state: DaemonState; alive: boolean };

export function readState(paths: HomePaths, stack: string): StateRead {
  const file = paths.stateFile(stack);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return { kind: 'missing' };
  }
  let state: DaemonState;
  try {
    state = JSON.parse(text) as DaemonState;
    if (typeof state !== 'object' || state === null || typeof state.pid !== 'number') {
      return { kind: 'corrupt', file, reason: 'not a gridctl state file' };
    }
  } catch (err) {
    return { kind: 'corrupt', file, reason: (err as Error).message };
  }
  if (state.schema_version > STATE_SCHEMA_VERSION) {
    return { kind: 'newer', file, version: state.schema_version };
  }
  return { kind: 'ok', file, state, alive: pidAlive(state.pid) };
}

export function removeState(paths: HomePaths, stack: string): void {
  rmSync(paths.stateFile(stack), { force: true });
}

export function listStates(paths: HomePaths): { name: string; read: StateRead }[] {
  let names: string[];
  try {
    names = readdirSync(paths.stateDir).filter((f) => f.endsWith('.json'));
  } catch {
    return [];
  }
  // A stray file whose name no stack could have is not a stack (and has no state path).
  return names
    .map((f) => f.slice(0, -'.json'.length))
    .filter((name) => nameProblem(name) === undefined)
    .sort()
    .map((name) => ({ name, read: readState(paths, name) }));
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  // A zombie still answers signal 0 until its parent reaps it, but it is dead.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat[stat.lastIndexOf(')') + 2] !== 'Z';
  } catch {
    return true; // no /proc (not Linux): trust the signal
  }
}
