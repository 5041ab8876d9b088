// Closed-loop load: N workers, each on its own session (or all on one shared session for the stdio
// floor), warm up, meet at a barrier, then call back-to-back until the time or call budget is spent.
// Latencies go into an HDR histogram (microsecond resolution).
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import * as hdr from 'hdr-histogram-js';
import type { Running, Session } from './paths.js';

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

export async function runLoad(running: Running, op: Op, opts: LoadOptions): Promise<LoadResult> {
  const sessionCount = running.sharedSession ? 1 : opts.concurrency;
  const sessions = await openSessions(running, sessionCount);
  try {
    const histogram = hdr.build({
      lowestDiscernibleValue: 1,
      highestTrackableValue: 120_000_000,
      numberOfSignificantValueDigits: 3,
    });
    const clientFor = (w: number) => sessions[running.sharedSession ? 0 : w]!.client;

    // Warm-up (not recorded), every worker at once.
    await Promise.all(
      Array.from({ length: opts.concurrency }, async (_, w) => {
        for (let i = 0; i < opts.warmupPerWorker; i++) await op(clientFor(w), w, -1 - i);
      }),
    );

    let budget = opts.maxCalls;
    let errors = 0;
    let firstError: string | undefined;
    opts.onStart?.();
    const start = performance.now();
    const deadline = start + opts.durationMs;
    await Promise.all(
      Array.from({ length: opts.concurrency }, async (_, w) => {
        const client = clientFor(w);
        for (let seq = 0; budget > 0 && performance.now() < deadline; seq++) {
          budget--;
          const t = performance.now();
          try {
            await op(client, w, seq);
            histogram.recordValue(Math.max(1, Math.round((performance.now() - t) * 1000)));
          } catch (err) {
            errors++;
            firstError ??= err instanceof Error ? err.message : String(err);
            if (errors > 20 && errors > histogram.totalCount)
              throw new Error(`too many errors: ${firstError}`);
          }
        }
      }),
    );
    const elapsed = (performance.now() - start) / 1000;
    opts.onMeasured?.();
    const calls = histogram.totalCount;
    if (calls === 0) throw new Error(`no successful calls${firstError ? `: ${firstError}` : ''}`);
    const ms = (us: number) => us / 1000;
    const result: LoadResult = {
      concurrency: opts.concurrency,
      calls,
      errors,
      p50: ms(histogram.getValueAtPercentile(50)),
      p95: ms(histogram.getValueAtPercentile(95)),
      p99: ms(histogram.getValueAtPercentile(99)),
      max: ms(histogram.maxValue),
      mean: ms(histogram.mean),
      callsPerSec: calls / elapsed,
    };
    if (firstError) result.firstError = firstError;
    histogram.destroy();
    return result;
  } finally {
    await closeSessions(sessions);
  }
}
