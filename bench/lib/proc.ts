// Processes the harness starts: spawn, read memory from /proc, stop with SIGTERM and prove that the
// process and everything it spawned are gone. Every pid ever seen is recorded for the report, so the
// quick test can check none survived.
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

export interface ProcSnapshot {
  pid: number;
  ppid: number;
  cmdline: string;
}

function table(): ProcSnapshot[] {
  const out: ProcSnapshot[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (rest[0] === 'Z') continue;
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
      out.push({ pid: Number(entry), ppid: Number(rest[1]), cmdline });
    } catch {
      // exited while we read it
    }
  }
  return out;
}

/** Live descendants of `root` (children, grandchildren, ...). */
export function descendantsOf(root: number): ProcSnapshot[] {
  const all = table();
  const found: ProcSnapshot[] = [];
  const frontier = [root];
  for (let guard = 0; frontier.length > 0 && guard < 100_000; guard++) {
    const parent = frontier.pop()!;
    for (const p of all) {
      if (p.ppid === parent) {
        found.push(p);
        frontier.push(p.pid);
      }
    }
  }
  return found;
}

export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** A field of /proc/<pid>/status in bytes (VmHWM = peak resident set, VmRSS = current), or 0. */
export function statusBytes(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  try {
    const text = readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text);
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Every process the harness started or saw under one it started (pid + command line). */
export const seenProcesses = new Map<number, string>();

/** CPU time (ns) consumed so far by every thread of `pid` (from /proc/<pid>/task/<tid>/schedstat). */
export function cpuNs(pid: number): number {
  let total = 0;
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        total += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]) || 0;
      } catch {
        // thread ended
      }
    }
  } catch {
    // process ended
  }
  return total;
}

export interface MemSample {
  /** the proxy process alone */
  self: number;
  /** the proxy plus every live descendant (its upstream servers), summed */
  withChildren: number;
  children: number;
}

export function memory(pid: number, field: 'VmHWM' | 'VmRSS'): MemSample {
  const self = statusBytes(pid, field);
  const kids = descendantsOf(pid);
  for (const k of kids) seenProcesses.set(k.pid, k.cmdline);
  const childBytes = kids.reduce((sum, p) => sum + statusBytes(p.pid, field), 0);
  return { self, withChildren: self + childBytes, children: kids.length };
}

const running = new Set<ManagedProcess>();

export interface StopResult {
  /** processes (the root or descendants) that outlived SIGTERM + grace and had to be SIGKILLed */
  leaked: string[];
  exitCode: number | null;
}

export class ManagedProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  private output = '';
  private exited: Promise<void>;
  exitCode: number | null = null;
  hasExited = false;

  constructor(
    readonly label: string,
    command: string,
    args: string[],
    opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
  ) {
    this.child = spawn(command, args, {
      env: opts.env ?? process.env,
      cwd: opts.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    if (this.child.pid === undefined) throw new Error(`${label}: spawn ${command} failed`);
    this.pid = this.child.pid;
    seenProcesses.set(this.pid, `${command} ${args.join(' ')}`);
    running.add(this);
    const keep = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString('utf8')).slice(-8192);
    };
    this.child.stdout?.on('data', keep);
    this.child.stderr?.on('data', keep);
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.exitCode = code ?? (signal ? 128 : null);
        this.hasExited = true;
        running.delete(this);
        resolve();
      });
    });
  }

  /** Last few KB of stdout+stderr, for error messages. */
  tail(max = 1500): string {
    return this.output.slice(-max).trim();
  }

  /** The most telling line of the output: the first that names an error, else the last one. */
  why(): string {
    const lines = this.output
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
    return (
      lines.find((l) => /\berror\b|ERR_|cannot|not found/i.test(l)) ??
      lines[lines.length - 1] ??
      ''
    ).slice(0, 300);
  }

  /** Remember the current descendants so stop() can prove they went away too. */
  noteDescendants(): ProcSnapshot[] {
    const kids = descendantsOf(this.pid);
    for (const k of kids) seenProcesses.set(k.pid, k.cmdline);
    return kids;
  }

  async waitExit(timeoutMs: number): Promise<boolean> {
    if (this.hasExited) return true;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    const done = await Promise.race([this.exited.then(() => true as const), timedOut]);
    clearTimeout(timer);
    return done;
  }

  /** SIGTERM, wait for exit, then make sure no descendant survives (SIGKILL and report any that do). */
  async stop(graceMs = 5000): Promise<StopResult> {
    const kids = this.hasExited ? [] : this.noteDescendants();
    const leaked: string[] = [];
    if (!this.hasExited) {
      this.child.kill('SIGTERM');
      if (!(await this.waitExit(graceMs))) {
        leaked.push(`${this.label} (pid ${this.pid}) ignored SIGTERM for ${graceMs} ms`);
        this.child.kill('SIGKILL');
        await this.waitExit(graceMs);
      }
    }
    // Upstreams usually exit when their stdin closes; give them a bounded moment, then force.
    const deadline = Date.now() + 3000;
    let left = kids.filter((k) => alive(k.pid));
    while (left.length > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
      left = left.filter((k) => alive(k.pid));
    }
    for (const k of left) {
      leaked.push(`pid ${k.pid} (${k.cmdline.slice(0, 100)}) outlived ${this.label}`);
      try {
        process.kill(k.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    return { leaked, exitCode: this.exitCode };
  }
}

/** Last-resort cleanup if the harness itself is interrupted or crashes. */
export function killAllNow(): void {
  for (const p of running) {
    for (const k of descendantsOf(p.pid)) {
      try {
        process.kill(k.pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    try {
      p.child.kill('SIGKILL');
    } catch {
      // gone
    }
  }
}

export function runningCount(): number {
  return running.size;
}
