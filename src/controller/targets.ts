// Finding the stack a command means: by state name, by stack file, or the only running one.
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadStack } from '../config/index.js';
import { coded } from '../errors/coded.js';
import type { HomePaths } from '../state/paths.js';
import { type DaemonState, listStates } from '../state/state-file.js';

export class TargetError extends Error {}

/** A stack name from an argument that is either a stack file or a name. */
export async function stackNameFrom(arg: string, cwd: string): Promise<string> {
  const file = resolve(cwd, arg);
  if (!isFile(file)) return arg;
  const loaded = await loadStack(file, { mode: 'validate' });
  if (loaded.stack?.name) return loaded.stack.name;
  throw new TargetError(`${arg}: cannot read a stack name from this file; pass the stack's name instead`);
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

export function runningStates(paths: HomePaths): DaemonState[] {
  return listStates(paths).flatMap(({ read }) => (read.kind === 'ok' && read.alive ? [read.state] : []));
}

/** The one running stack when no name was given; otherwise an error that lists the choices. */
export function soleRunning(paths: HomePaths): DaemonState {
  const running = runningStates(paths);
  if (running.length === 1) return running[0]!;
  if (running.length === 0)
    throw new TargetError('no stack is running (start one with `gridctl apply stack.yaml`)');
  throw new TargetError(
    `several stacks are running (${running.map((s) => s.stack_name).join(', ')}); name the one you mean`,
  );
}

/** The running stack a command names (stack name or file), else the only one running. */
export async function runningTarget(
  paths: HomePaths,
  target: string | undefined,
  cwd: string,
): Promise<DaemonState> {
  if (!target) return soleRunning(paths);
  const name = await stackNameFrom(target, cwd);
  const found = runningStates(paths).find((s) => s.stack_name === name);
  if (!found) throw new TargetError(`stack '${name}' is not running (see \`gridctl status\`)`);
  return found;
}

export function authHeaders(state: DaemonState): Record<string, string> {
  if (!state.auth) return {};
  return state.auth.type === 'bearer'
    ? { authorization: `Bearer ${state.auth.token}` }
    : { [state.auth.header.toLowerCase()]: state.auth.token };
}

export function apiUrl(state: DaemonState, path: string): string {
  const host = state.bind === '0.0.0.0' || state.bind === '::' ? '127.0.0.1' : state.bind;
  return `http://${host.includes(':') ? `[${host}]` : host}:${state.port}${path}`;
}

export async function apiGet<T>(state: DaemonState, path: string, timeoutMs = 3000): Promise<T> {
  const res = await fetch(apiUrl(state, path), {
    headers: authHeaders(state),
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (!res.ok) throw coded('DAEMON_REQUEST_FAILED', `${path}: HTTP ${res.status}`);
  return (await res.json()) as T;
}
