// `gridctl stop --force`: a gateway daemon whose state file is gone (deleted home, a crash between
// writes) still holds its port, and plain `stop` cannot find it. As in the reference, one is
// recognised only when its port answers /health and exactly one listener of that port is a gridctl
// daemon process that no state file claims. Linux only: the listener is found through /proc.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { basename } from 'node:path';
import type { HomePaths } from '../state/paths.js';
import { listStates } from '../state/state-file.js';

export type OrphanProbe =
  | { kind: 'none'; reason: string }
  | { kind: 'orphan'; pid: number; port: number }
  /** Something else holds the port: never signalled. */
  | { kind: 'foreign'; pids: number[]; port: number; reason: string };

const GRIDCTL_ENTRIES = new Set(['gridctl', 'gridctl.js', 'main-run.ts', 'main-run.js']);

export async function probeOrphan(paths: HomePaths, port: number, host = '127.0.0.1'): Promise<OrphanProbe> {
  if (!(await healthAnswers(host, port))) {
    return { kind: 'none', reason: `nothing answers http://${host}:${port}/health` };
  }
  const pids = listeners(port);
  if (pids.length === 0) {
    return {
      kind: 'foreign',
      pids,
      port,
      reason: `port ${port} answers /health, but no process of this user listens on it (another user's, or no /proc)`,
    };
  }
  const claimed = new Set(listStates(paths).flatMap((s) => (s.read.kind === 'ok' ? [s.read.state.pid] : [])));
  const ours = pids.filter((p) => isGridctlDaemon(p));
  if (ours.length !== 1 || ours.length !== pids.length) {
    return {
      kind: 'foreign',
      pids,
      port,
      reason: `port ${port} is held by PID ${pids.join(', ')}, which is not one gridctl daemon`,
    };
  }
  const pid = ours[0]!;
  if (claimed.has(pid)) {
    return {
      kind: 'foreign',
      pids,
      port,
      reason: `PID ${pid} on port ${port} has a state file: stop it with \`gridctl destroy\``,
    };
  }
  return { kind: 'orphan', pid, port };
}

async function healthAnswers(host: string, port: number): Promise<boolean> {
  try {
    const res = await fetch(`http://${host}:${port}/health`, { signal: AbortSignal.timeout(2000) });
    await res.body?.cancel();
    return res.ok;
  } catch {
    return false;
  }
}

/** PIDs with a listening TCP socket on `port` (IPv4 or IPv6), from /proc. */
export function listeners(port: number): number[] {
  const inodes = new Set<string>();
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      // local_address is ADDR:PORT in hex; st 0A is LISTEN; the inode is field 9.
      if (f.length > 9 && f[1]?.endsWith(`:${hex}`) && f[3] === '0A') inodes.add(f[9]!);
    }
  }
  if (inodes.size === 0) return [];
  const out: number[] = [];
  for (const n of safeReaddir('/proc')) {
    if (!/^\d+$/.test(n)) continue;
    for (const fd of safeReaddir(`/proc/${n}/fd`)) {
      let link: string;
      try {
        link = readlinkSync(`/proc/${n}/fd/${fd}`);
      } catch {
        continue;
      }
      const m = /^socket:\[(\d+)\]$/.exec(link);
      if (m && inodes.has(m[1]!)) {
        out.push(Number(n));
        break;
      }
    }
  }
  return out;
}

/** A forked gridctl daemon: the CLI's entry script run with --daemon-child. */
function isGridctlDaemon(pid: number): boolean {
  let args: string[];
  try {
    args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return false;
  }
  return args.includes('--daemon-child') && args.some((a) => GRIDCTL_ENTRIES.has(basename(a)));
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
