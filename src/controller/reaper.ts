// Reaps upstream process groups left behind by a daemon that was killed with SIGKILL (it had no
// chance to stop them). The daemon records each child's PID in its state file; each child leads
// its own process group, so a group whose leader is still that PID is ours to stop.
import { readFileSync } from 'node:fs';

function processGroupOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[0] === 'Z') return undefined;
    return Number(fields[2]);
  } catch {
    return undefined;
  }
}

/** Signals every recorded group that still exists; returns the PIDs it signalled. */
export async function reapOrphans(children: { pid: number }[], graceMs = 2000): Promise<number[]> {
  const live = children.map((c) => c.pid).filter((pid) => processGroupOf(pid) === pid);
  for (const pid of live) signalGroup(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (live.some((pid) => processGroupOf(pid) === pid) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
  }
  for (const pid of live) if (processGroupOf(pid) === pid) signalGroup(pid, 'SIGKILL');
  return live;
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // already gone
  }
}
