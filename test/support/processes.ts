// Reads the process table from /proc so tests can prove nothing was left running.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

interface ProcInfo {
  pid: number;
  ppid: number;
  pgid: number;
  cmdline: string;
}

export function processTable(): ProcInfo[] {
  const out: ProcInfo[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the parenthesised command name: state ppid pgrp ...
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
      if (rest[0] === 'Z') continue; // zombies are already dead; their parent just has not reaped them
      out.push({ pid: Number(entry), ppid: Number(rest[1]), pgid: Number(rest[2]), cmdline });
    } catch {
      // the process exited while we read it
    }
  }
  return out;
}

/** Every live descendant of `root` (children, grandchildren, ...). */
export function descendants(root: number): ProcInfo[] {
  const table = processTable();
  const found: ProcInfo[] = [];
  const frontier = [root];
  while (frontier.length > 0) {
    const parent = frontier.pop()!;
    for (const p of table) {
      if (p.ppid === parent) {
        found.push(p);
        frontier.push(p.pid);
      }
    }
  }
  return found;
}

export function isAlive(pid: number): boolean {
  return processTable().some((p) => p.pid === pid);
}

/** Processes whose command line contains `marker` (e.g. a unique temp path passed as an argument). */
export function processesMatching(marker: string): ProcInfo[] {
  return processTable().filter((p) => p.cmdline.includes(marker) && p.pid !== process.pid);
}

/** Processes whose working directory is `dir` or inside it (local servers run in their stack's folder). */
export function processesIn(dir: string): ProcInfo[] {
  return processTable().filter((p) => {
    if (p.pid === process.pid) return false;
    try {
      const cwd = readlinkSync(`/proc/${p.pid}/cwd`);
      return cwd === dir || cwd.startsWith(`${dir}/`);
    } catch {
      return false;
    }
  });
}
