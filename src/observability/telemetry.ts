// Opt-in persistence of what the gateway observes (telemetry.persist, per server
// mcp-servers[].telemetry.persist): JSONL files under <home>/telemetry/<stack>/<server>/ —
// logs.jsonl (the server's log entries, masked like every log line), metrics.jsonl (one call
// record per tool call: names, timings, outcome, sizes and tokens; never arguments or results) and
// traces.jsonl (each finished trace that reached the server). Files are 0600 in 0700 folders,
// rotated at telemetry.retention.max_size_mb keeping max_backups copies no older than
// max_age_days. At start the gateway reads the live metrics and traces files back, so usage totals
// and recent traces survive a restart.
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { type FileSinkOptions, rotatingWriter } from '../logging/file-sink.js';
import type { LogEntry } from '../logging/logger.js';
import { fileNameFor } from '../state/paths.js';
import type { CallRecord } from './calls.js';
import type { TraceDetail } from './trace-ring.js';

export type Signal = 'logs' | 'metrics' | 'traces';
export const SIGNALS: readonly Signal[] = ['logs', 'metrics', 'traces'];

export interface TelemetrySettings {
  /** <home>/telemetry/<stack> */
  dir: string;
  persist: Record<Signal, boolean>;
  /** Per-server overrides; an unset signal inherits `persist`. */
  servers: Record<string, Partial<Record<Signal, boolean>>>;
  retention: { maxSizeMb: number; maxBackups: number; maxAgeDays: number };
  onError?: (line: string) => void;
}

/** Bytes of a live file read back at start at most (the rest stays on disk, unread). */
const REPLAY_MAX = 64 * 1024 * 1024;

export class TelemetryStore {
  private readonly writers = new Map<string, (line: string) => void>();
  private readonly rotation: FileSinkOptions;

  constructor(private readonly s: TelemetrySettings) {
    this.rotation = {
      maxBytes: s.retention.maxSizeMb * 1024 * 1024,
      backups: s.retention.maxBackups,
      maxAgeDays: s.retention.maxAgeDays,
      onError: s.onError,
    };
  }

  enabled(server: string, signal: Signal): boolean {
    return this.s.servers[server]?.[signal] ?? this.s.persist[signal];
  }

  /** Whether any server keeps `signal` (so the caller can skip the work when none does). */
  any(signal: Signal): boolean {
    return this.s.persist[signal] || Object.values(this.s.servers).some((o) => o[signal] === true);
  }

  file(server: string, signal: Signal): string {
    return join(this.s.dir, fileNameFor('server', server, ''), `${signal}.jsonl`);
  }

  private write(server: string, signal: Signal, value: unknown): void {
    if (!this.enabled(server, signal)) return;
    let file: string;
    try {
      file = this.file(server, signal);
    } catch {
      return; // a name that cannot name a file (the schema's limits make this unreachable)
    }
    let w = this.writers.get(file);
    if (!w) {
      try {
        mkdirSync(join(file, '..'), { recursive: true, mode: 0o700 });
      } catch {
        // the writer reports the failure once, on its first line
      }
      w = rotatingWriter(file, `the ${signal} telemetry file`, this.rotation);
      this.writers.set(file, w);
    }
    w(`${JSON.stringify(value)}\n`);
  }

  log(e: LogEntry): void {
    if (e.server) this.write(e.server, 'logs', e);
  }

  call(r: CallRecord): void {
    if (r.server) this.write(r.server, 'metrics', r);
  }

  trace(t: TraceDetail): void {
    for (const server of t.servers) this.write(server, 'traces', t);
  }

  /** The records of a signal kept for `servers` (oldest first), from the live files. */
  replay<T>(signal: Signal, servers: readonly string[]): T[] {
    const out: T[] = [];
    for (const server of servers) {
      if (!this.enabled(server, signal)) continue;
      const file = this.file(server, signal);
      if (!existsSync(file)) continue;
      try {
        if (statSync(file).size > REPLAY_MAX) continue;
        for (const line of readFileSync(file, 'utf8').split('\n')) {
          if (!line) continue;
          try {
            out.push(JSON.parse(line) as T);
          } catch {
            // a line cut by a crash: skip it
          }
        }
      } catch {
        // unreadable: nothing to replay
      }
    }
    return out;
  }
}
