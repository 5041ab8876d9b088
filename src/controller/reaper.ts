// Reaps what a daemon killed with SIGKILL left behind (it had no chance to stop its servers). Two
// records in its state file find them:
//  - `children`: each server's process group (its leader's pid and start time). The group is
//    signalled while any member lives, also when the leader is gone (a helper that ignored stdin
//    EOF). A group id cannot be handed out again while the group has members, so members are ours;
//    a live leader must have the recorded start time, so a recycled pid is never signalled.
//  - `process_tag`: every upstream process carries the daemon's run tag in its environment
//    (upstream/ownership.ts), so helpers that left the group (setsid, double fork) are found too.
import type { DaemonState } from '../state/state-file.js';
import { liveProcesses, type ProcEntry, procEntry, signalIfSame, tagged } from '../upstream/ownership.js';

export type ReapRecord = Pick<DaemonState, 'children' | 'process_tag'>;

/** What is left of the recorded groups and tags: the processes to stop. */
export function leftovers(record: ReapRecord): ProcEntry[] {
  const found = new Map<number, ProcEntry>();
  const live = liveProcesses();
  for (const c of record.children ?? []) {
    const leader = procEntry(c.pid);
    if (c.start === undefined) {
      // Written by an older gridctl: only a pid that still leads its own group is trusted.
      if (leader?.pgid === c.pid) for (const p of live) if (p.pgid === c.pid) found.set(p.pid, p);
      continue;
    }
    if (leader && leader.start !== c.start) continue; // the pid was recycled: not ours
    for (const p of live) if (p.pgid === c.pid && p.start >= c.start) found.set(p.pid, p);
  }
  if (record.process_tag) for (const p of tagged({ run: record.process_tag })) found.set(p.pid, p);
  found.delete(process.pid);
  return [...found.values()];
}

/** SIGTERM, then SIGKILL after `graceMs`, to everything `leftovers` finds; returns the PIDs signalled. */
export async function reapOrphans(record: ReapRecord, graceMs = 2000): Promise<number[]> {
  const targets = leftovers(record).filter((p) => signalIfSame(p, 'SIGTERM'));
  const alive = () => targets.filter((p) => procEntry(p.pid)?.start === p.start);
  const deadline = Date.now() + graceMs;
  while (alive().length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  for (const p of alive()) signalIfSame(p, 'SIGKILL');
  // A helper may have forked between the scan and its signal: sweep until nothing is found.
  for (let round = 0; round < 5; round++) {
    const rest = leftovers(record);
    if (rest.length === 0) break;
    for (const p of rest)
      if (signalIfSame(p, 'SIGKILL') && !targets.some((t) => t.pid === p.pid)) targets.push(p);
    await new Promise((r) => setTimeout(r, 20));
  }
  return targets.map((p) => p.pid);
}
