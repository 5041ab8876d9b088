// Which processes on this machine belong to a gridctl process. Every upstream process gets an
// ownership tag in its environment, `GRIDCTL_OWNER=<run>.<n>`: <run> is random per gridctl
// process, <n> numbers its upstreams. The environment is inherited through fork, exec, setsid and
// double forks, so a helper that left its server's process group and was re-parented to init still
// carries the tag in /proc/<pid>/environ, where it is found after the gridctl process is gone.
// A tag is never reused, so a recycled PID cannot carry it; the start time read with the tag is
// checked again right before signalling, so a PID that died and was reused in between is left be.
// (Linux only: elsewhere there is no /proc and only process groups are signalled.)
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';

export const OWNER_VAR = 'GRIDCTL_OWNER';

/** This gridctl process's run tag (the daemon records it in its state file). */
export const RUN_TAG = randomBytes(12).toString('hex');

let seq = 0;

/** A fresh tag for one upstream process tree. */
export function upstreamTag(): string {
  return `${RUN_TAG}.${++seq}`;
}

export interface ProcEntry {
  pid: number;
  pgid: number;
  /** Start time in clock ticks since boot: with the pid, identifies one process. */
  start: number;
}

/** pid, group and start time of a live (non-zombie) process; undefined when gone or unreadable. */
export function procEntry(pid: number): ProcEntry | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name (which may hold spaces): state ppid pgrp ...
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (f[0] === 'Z' || f[0] === 'X') return undefined;
    return { pid, pgid: Number(f[2]), start: Number(f[19]) };
  } catch {
    return undefined;
  }
}

/** Live processes; `[]` without /proc. */
export function liveProcesses(): ProcEntry[] {
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return [];
  }
  const out: ProcEntry[] = [];
  for (const n of names) {
    if (!/^\d+$/.test(n)) continue;
    const e = procEntry(Number(n));
    if (e) out.push(e);
  }
  return out;
}

/** The ownership tag in a process's environment, if it has one we may read. */
function tagOf(pid: number): string | undefined {
  let env: Buffer;
  try {
    env = readFileSync(`/proc/${pid}/environ`);
  } catch {
    return undefined; // gone, or another user's process
  }
  const key = Buffer.from(`${OWNER_VAR}=`);
  let at = 0;
  while (at < env.length) {
    let end = env.indexOf(0, at);
    if (end === -1) end = env.length;
    if (env.subarray(at, at + key.length).equals(key)) return env.toString('utf8', at + key.length, end);
    at = end + 1;
  }
  return undefined;
}

/**
 * Live processes carrying `tag` exactly, or any tag of run `run` (`{ run }`), never this process.
 */
export function tagged(match: { tag: string } | { run: string }): ProcEntry[] {
  const want = (t: string) => ('tag' in match ? t === match.tag : t.startsWith(`${match.run}.`));
  return liveProcesses().filter((p) => {
    if (p.pid === process.pid) return false;
    const t = tagOf(p.pid);
    return t !== undefined && want(t);
  });
}

/** Signal one process if it is still the one that was seen (same start time). */
export function signalIfSame(p: ProcEntry, signal: NodeJS.Signals): boolean {
  if (procEntry(p.pid)?.start !== p.start) return false;
  try {
    process.kill(p.pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** SIGKILL every process that carries `tag` (a server's helpers after the server itself is gone). */
export function killTagged(tag: string): number {
  let n = 0;
  for (const p of tagged({ tag })) if (signalIfSame(p, 'SIGKILL')) n++;
  return n;
}
