// Closed-loop load: N workers, each on its own session (or all on one shared session for the stdio
// floor), warm up, meet at a barrier, then call back-to-back until the time or call budget is spent.
// Latencies go into an HDR histogram (microsecond resolution).
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import * as hdr from 'hdr-histogram-js';
import type { Running, Session } from './paths.js';

/** Call latencies in µs, 1 µs to 120 s, three significant digits (every load figure uses it). */
export function latencyHistogram(): hdr.Histogram {
  return hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 120_000_000,
    numberOfSignificantValueDigits: 3,
  });
}

export interface LoadOptions {
  concurrency: number;
  warmupPerWorker: number;
  durationMs: number;
  /** upper bound on measured calls in all (keeps the fast paths from running forever) */
  maxCalls: number;
  /** called right before the measured phase starts (after warm-up) */
  onStart?: () => void;
  /** called after the measured phase, while every session is still open (e.g. to sample memory) */
  onMeasured?: () => void;
}

export interface LoadResult {
  concurrency: number;
  calls: number;
  errors: number;
  firstError?: string;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
  callsPerSec: number;
}

/** One call: must throw when the answer is wrong. `seq` is unique per worker so arguments never repeat. */
export type Op = (client: Client, worker: number, seq: number) => Promise<void>;

export function echoOp(toolName: string): Op {
  return async (client, worker, seq) => {
    const message = `w${worker}-c${seq}-${Math.random().toString(36).slice(2, 8)}`;
    const res = await client.callTool({ name: toolName, arguments: { message } });
    const first = (res.content as Array<{ type: string; text?: string }> | undefined)?.[0];
    if (first?.text !== `Echo: ${message}`) {
      throw new Error(`unexpected echo answer: ${JSON.stringify(res).slice(0, 200)}`);
    }
  };
}

/** The whole tool list: every page (a gateway may paginate with nextCursor), as a client must fetch it. */
export async function listAllTools(client: Client): Promise<{ tools: number; pages: number }> {
  let cursor: string | undefined;
  let tools = 0;
  let pages = 0;
  do {
    const res = await client.listTools(cursor === undefined ? undefined : { cursor });
    tools += res.tools.length;
    pages++;
    cursor = res.nextCursor;
  } while (cursor !== undefined && pages < 10_000);
  return { tools, pages };
}

export function listOp(expectedTools: number, onPages?: (pages: number) => void): Op {
  return async (client) => {
    const { tools, pages } = await listAllTools(client);
    if (tools !== expectedTools)
      throw new Error(`tools/list returned ${tools} tools, expected ${expectedTools}`);
    onPages?.(pages);
  };
}

export async function openSessions(running: Running, count: number, batch = 32): Promise<Session[]> {
  const sessions: Session[] = [];
  try {
    for (let i = 0; i < count; i += batch) {
      const n = Math.min(batch, count - i);
      const opened = await Promise.all(Array.from({ length: n }, () => running.connect()));
      sessions.push(...opened);
    }
  } catch (err) {
    await closeSessions(sessions);
    throw err;
  }
  return sessions;
}

export async function closeSessions(sessions: Session[], batch = 64): Promise<void> {
  for (let i = 0; i < sessions.length; i += batch) {
    await Promise.allSettled(sessions.slice(i, i + batch).map((s) => s.close()));
  }
}

/**
 * A load cell: the sessions of one path at one concurrency, warmed up, measured in one or more
 * phases. Several cells measured in alternation (round-robin) see the same background noise, so
 * their ratios hold up on a shared machine even when absolute figures do not.
 */
export class LoadCell {
  private histogram = latencyHistogram();
  private elapsedMs = 0;
  private errors = 0;
  private firstError: string | undefined;
  private seq = 0;

  private constructor(
    readonly running: Running,
    private readonly sessions: Session[],
    private readonly op: Op,
    readonly concurrency: number,
  ) {}

  static async open(
    running: Running,
    op: Op,
    concurrency: number,
    warmupPerWorker: number,
  ): Promise<LoadCell> {
    const sessions = await openSessions(running, running.sharedSession ? 1 : concurrency);
    const cell = new LoadCell(running, sessions, op, concurrency);
    try {
      // Warm-up (not recorded), every worker at once.
      await Promise.all(
        Array.from({ length: concurrency }, async (_, w) => {
          for (let i = 0; i < warmupPerWorker; i++) await op(cell.clientFor(w), w, -1 - i);
        }),
      );
    } catch (err) {
      await cell.close();
      throw err;
    }
    return cell;
  }

  private clientFor(w: number): Client {
    return this.sessions[this.running.sharedSession ? 0 : w]!.client;
  }

  /** One measured phase: every worker calls back-to-back until the time or the call budget is spent. */
  async measure(durationMs: number, maxCalls: number): Promise<void> {
    let budget = maxCalls;
    const start = performance.now();
    const deadline = start + durationMs;
    await Promise.all(
      Array.from({ length: this.concurrency }, async (_, w) => {
        const client = this.clientFor(w);
        while (budget > 0 && performance.now() < deadline) {
          budget--;
          const seq = this.seq++;
          const t = performance.now();
          try {
            await this.op(client, w, seq);
            this.histogram.recordValue(Math.max(1, Math.round((performance.now() - t) * 1000)));
          } catch (err) {
            this.errors++;
            this.firstError ??= err instanceof Error ? err.message : String(err);
            if (this.errors > 20 && this.errors > this.histogram.totalCount) {
              throw new Error(`too many errors: ${this.firstError}`);
            }
          }
        }
      }),
    );
    this.elapsedMs += performance.now() - start;
  }

  result(): LoadResult {
    const h = this.histogram;
    const calls = h.totalCount;
    if (calls === 0) throw new Error(`no successful calls${this.firstError ? `: ${this.firstError}` : ''}`);
    const ms = (us: number) => us / 1000;
    const result: LoadResult = {
      concurrency: this.concurrency,
      calls,
      errors: this.errors,
      p50: ms(h.getValueAtPercentile(50)),
      p95: ms(h.getValueAtPercentile(95)),
      p99: ms(h.getValueAtPercentile(99)),
      max: ms(h.maxValue),
      mean: ms(h.mean),
      callsPerSec: calls / (this.elapsedMs / 1000),
    };
    if (this.firstError) result.firstError = this.firstError;
    return result;
  }

  async close(): Promise<void> {
    this.histogram.destroy();
    await closeSessions(this.sessions);
  }
}

export async function runLoad(running: Running, op: Op, opts: LoadOptions): Promise<LoadResult> {
  const cell = await LoadCell.open(running, op, opts.concurrency, opts.warmupPerWorker);
  try {
    opts.onStart?.();
    await cell.measure(opts.durationMs, opts.maxCalls);
    opts.onMeasured?.();
    return cell.result();
  } finally {
    await cell.close();
  }
}
