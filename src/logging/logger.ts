// A small structured logger: levels, fields, a ring buffer for the API/UI, and sinks (terminal or
// daemon log file). Redaction runs once per entry before any sink sees it, so secrets never reach
// a file, the API or the terminal.
import { EventEmitter } from 'node:events';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface LogEntry {
  time: string;
  level: LogLevel;
  msg: string;
  server?: string;
  [field: string]: unknown;
}

export type LogSink = (entry: LogEntry) => void;

export interface LoggerOptions {
  level?: LogLevel;
  sinks?: LogSink[];
  ringSize?: number;
  redact?: (text: string) => string;
}

/** Shared between a logger and its children: one buffer, one set of sinks. */
class LogCore extends EventEmitter {
  level: LogLevel;
  readonly ring: LogEntry[] = [];
  constructor(
    readonly sinks: LogSink[],
    readonly ringSize: number,
    public redact: (text: string) => string,
    level: LogLevel,
  ) {
    super();
    this.level = level;
  }
}

export class Logger {
  private constructor(
    private readonly core: LogCore,
    private readonly fields: Record<string, unknown>,
  ) {}

  static create(opts: LoggerOptions = {}): Logger {
    const core = new LogCore(
      opts.sinks ?? [],
      opts.ringSize ?? 1000,
      opts.redact ?? ((t) => t),
      opts.level ?? 'info',
    );
    return new Logger(core, {});
  }

  child(fields: Record<string, unknown>): Logger {
    return new Logger(this.core, { ...this.fields, ...fields });
  }

  setLevel(level: LogLevel): void {
    this.core.level = level;
  }

  setRedactor(redact: (text: string) => string): void {
    this.core.redact = redact;
  }

  /** The current redactor, for text that leaves by another way than a log line (API bodies). */
  redact(text: string): string {
    return this.core.redact(text);
  }

  /** Recent entries, oldest first. */
  recent(filter: { server?: string; level?: LogLevel; limit?: number } = {}): LogEntry[] {
    const min = ORDER[filter.level ?? 'debug'];
    const out = this.core.ring.filter(
      (e) => ORDER[e.level] >= min && (filter.server === undefined || e.server === filter.server),
    );
    return filter.limit ? out.slice(-filter.limit) : out;
  }

  /** Live entries for streaming; returns an unsubscribe function. */
  subscribe(fn: (entry: LogEntry) => void): () => void {
    this.core.on('entry', fn);
    return () => this.core.off('entry', fn);
  }

  debug(msg: string, fields?: Record<string, unknown>): void {
    this.log('debug', msg, fields);
  }
  info(msg: string, fields?: Record<string, unknown>): void {
    this.log('info', msg, fields);
  }
  warn(msg: string, fields?: Record<string, unknown>): void {
    this.log('warn', msg, fields);
  }
  error(msg: string, fields?: Record<string, unknown>): void {
    this.log('error', msg, fields);
  }

  log(level: LogLevel, msg: string, fields?: Record<string, unknown>): void {
    const core = this.core;
    if (ORDER[level] < ORDER[core.level]) return;
    const raw: LogEntry = { time: new Date().toISOString(), level, msg, ...this.fields, ...fields };
    const entry = JSON.parse(core.redact(JSON.stringify(raw))) as LogEntry;
    core.ring.push(entry);
    if (core.ring.length > core.ringSize) core.ring.shift();
    for (const sink of core.sinks) sink(entry);
    core.emit('entry', entry);
  }
}

/** One human-readable line: time, level, [server], message, extra fields. */
export function formatText(e: LogEntry): string {
  const { time, level, msg, server, ...rest } = e;
  const extras = Object.entries(rest)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
  return `${time} ${level.toUpperCase().padEnd(5)} ${server ? `[${server}] ` : ''}${msg}${extras ? ` ${extras}` : ''}\n`;
}

/** Human-readable lines for a terminal or a daemon log file. */
export function textSink(write: (line: string) => void): LogSink {
  return (e) => write(formatText(e));
}

/** One JSON object per line. */
export function jsonSink(write: (line: string) => void): LogSink {
  return (e) => write(`${JSON.stringify(e)}\n`);
}
