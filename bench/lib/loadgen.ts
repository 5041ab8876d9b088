// Multi-process load generator: W worker processes (loadgen-worker.ts) share S sessions, each drives
// its sessions in a closed loop over keep-alive HTTP (undici, no SDK client). The generator's CPU
// then lives outside the harness and costs far less per call than the SDK client, so calls/s at
// hundreds of sessions measure the gateway. Every answer is checked; the parent merges latencies
// and reads the gateway's CPU (all threads, /proc schedstat) over the measured window.
import { type ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import { latencyHistogram } from './load.js';
import type { ToParent, ToWorker, WorkerJob } from './loadgen-worker.js';
import { cpuNs, descendantsOf, seenProcesses } from './proc.js';

export interface LoadgenOptions {
  /** streamable-HTTP MCP endpoint */
  url: string;
  toolName: string;
  sessions: number;
  /** worker processes (default: 2, never more than sessions) */
  workers?: number;
  durationMs: number;
  /** upper bound on measured calls in all */
  maxCalls?: number;
  warmupPerSession?: number;
  /** the gateway's pid: its CPU (and its descendants', as upstream CPU) is read over the window */
  gatewayPid?: number;
  /** ms to wait for every worker's sessions to open and warm up */
  openTimeoutMs?: number;
}

export interface LoadgenResult {
  sessions: number;
  workers: number;
  calls: number;
  errors: number;
  firstError?: string;
  callsPerSec: number;
  p50: number;
  p99: number;
  max: number;
  /** gateway process CPU per measured call, µs (null without gatewayPid) */
  gatewayCpuUs: number | null;
  /** its descendants' (the upstream servers') CPU per call, µs */
  upstreamCpuUs: number | null;
  /** the worker processes' CPU per call, µs */
  generatorCpuUs: number;
  elapsedMs: number;
}

const WORKER = join(import.meta.dirname, 'loadgen-worker.ts');

function descendantsCpu(pid: number): number {
  let total = 0;
  for (const k of descendantsOf(pid)) total += cpuNs(k.pid);
  return total;
}

class Worker {
  readonly child: ChildProcess;
  private queue: ToParent[] = [];
  private waiters: Array<(m: ToParent) => void> = [];
  private exited = false;
  private exitWaiters: Array<() => void> = [];

  constructor(job: WorkerJob) {
    this.child = fork(WORKER, [JSON.stringify(job)], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    if (this.child.pid) seenProcesses.set(this.child.pid, `loadgen worker ${job.worker}`);
    this.child.on('message', (m: ToParent) => {
      const w = this.waiters.shift();
      if (w) w(m);
      else this.queue.push(m);
    });
    this.child.on('exit', (code) => {
      this.exited = true;
      for (const w of this.waiters.splice(0)) w({ type: 'failed', error: `worker exited (code ${code})` });
      for (const w of this.exitWaiters.splice(0)) w();
    });
  }

  next(timeoutMs: number): Promise<ToParent> {
    const queued = this.queue.shift();
    if (queued) return Promise.resolve(queued);
    if (this.exited) return Promise.resolve({ type: 'failed', error: 'worker exited' });
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== done);
        resolve({ type: 'failed', error: `worker gave no answer within ${timeoutMs} ms` });
      }, timeoutMs);
      const done = (m: ToParent) => {
        clearTimeout(timer);
        resolve(m);
      };
      this.waiters.push(done);
    });
  }

  send(m: ToWorker): void {
    if (!this.exited) this.child.send(m);
  }

  async stop(timeoutMs = 10_000): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((r) => this.exitWaiters.push(r));
    this.send({ type: 'close' });
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    await gone;
    clearTimeout(timer);
  }
}

export async function runLoadgen(o: LoadgenOptions): Promise<LoadgenResult> {
  const nWorkers = Math.max(1, Math.min(o.workers ?? 2, o.sessions));
  const workers: Worker[] = [];
  for (let w = 0; w < nWorkers; w++) {
    // spread sessions evenly: the first (sessions % workers) get one more
    const share = Math.floor(o.sessions / nWorkers) + (w < o.sessions % nWorkers ? 1 : 0);
    workers.push(
      new Worker({
        url: o.url,
        sessions: share,
        toolName: o.toolName,
        warmupPerSession: o.warmupPerSession ?? 5,
        worker: w,
      }),
    );
  }
  try {
    const openTimeout = o.openTimeoutMs ?? 120_000;
    for (const m of await Promise.all(workers.map((w) => w.next(openTimeout)))) {
      if (m.type !== 'ready') throw new Error(`loadgen: ${m.type === 'failed' ? m.error : m.type}`);
    }
    const pid = o.gatewayPid;
    const gw0 = pid ? cpuNs(pid) : 0;
    const up0 = pid ? descendantsCpu(pid) : 0;
    const maxCalls = Math.ceil((o.maxCalls ?? Number.MAX_SAFE_INTEGER) / nWorkers);
    for (const w of workers) w.send({ type: 'go', durationMs: o.durationMs, maxCalls });
    const done = await Promise.all(workers.map((w) => w.next(o.durationMs + 60_000)));
    const gw1 = pid ? cpuNs(pid) : 0;
    const up1 = pid ? descendantsCpu(pid) : 0;

    const histogram = latencyHistogram();
    let calls = 0;
    let errors = 0;
    let firstError: string | undefined;
    let elapsedMs = 0;
    let genCpuUs = 0;
    for (const m of done) {
      if (m.type !== 'done') throw new Error(`loadgen: ${m.type === 'failed' ? m.error : m.type}`);
      for (const l of m.latencies) histogram.recordValue(Math.max(1, l));
      calls += m.latencies.length;
      errors += m.errors;
      firstError ??= m.firstError;
      elapsedMs = Math.max(elapsedMs, m.elapsedMs);
      genCpuUs += m.cpuUs;
    }
    const per = (ns: number) => (calls > 0 ? ns / 1000 / calls : null);
    const result: LoadgenResult = {
      sessions: o.sessions,
      workers: nWorkers,
      calls,
      errors,
      ...(firstError ? { firstError } : {}),
      callsPerSec: elapsedMs > 0 ? (calls * 1000) / elapsedMs : 0,
      p50: histogram.getValueAtPercentile(50) / 1000,
      p99: histogram.getValueAtPercentile(99) / 1000,
      max: histogram.maxValue / 1000,
      gatewayCpuUs: pid ? per(gw1 - gw0) : null,
      upstreamCpuUs: pid ? per(up1 - up0) : null,
      generatorCpuUs: calls > 0 ? genCpuUs / calls : 0,
      elapsedMs,
    };
    histogram.destroy();
    return result;
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
  }
}
