// GET /api/events: one server-sent event stream with everything the web UI shows live, so the UI
// never polls. Events (each `data:` is JSON):
//   hello     {stack, version, pid, started_at}      first, on every (re)connect
//   servers   ServerStatusRow[]                       snapshot, then again whenever it changes
//   tools     tool[]                                  snapshot, then on change
//   sessions  {id, client, transport}[]               connected MCP clients, on change
//   stack     {name, spec}                            applied stack, on change (reload, initialize)
//   logs      LogEntry[]                              the recent ring, once after hello
//   log       LogEntry                                every new entry
//   calls     {at}                                    tool calls were recorded (at most once a second)
//   trace     TraceSummary                            a trace was kept (gateway.tracing)
// A `: ping` comment every 15 s keeps proxies from closing an idle stream.
//
// Change detection: the gateway has no change events of its own, but every state change is logged,
// so a log entry triggers a (coalesced) comparison of snapshots; a once-a-second comparison catches
// the rest (e.g. "starting", which is not logged). Both run in memory and only while a stream is
// open; clients only ever receive pushes.
//
// Auth: the route sits under /api/, so inbound auth applies as everywhere. The UI reads it with
// fetch() and a ReadableStream (which can send the Authorization header), so no token ever has to
// travel in a URL.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { RequestGuard } from '../gateway/downstream/origin.js';
import type { LogEntry, Logger } from '../logging/logger.js';
import { ApiErrorStatus, redactorOf, sendJson } from './errors.js';
import { appliedStack } from './stack-edit.js';
import type { StackView } from './view.js';

interface Snapshot {
  servers: string;
  tools: string;
  sessions: string;
  stack: string;
}

type Client = (event: string, data: string) => void;

export class EventHub {
  private readonly clients = new Set<Client>();
  private last: Snapshot | undefined;
  private timer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;
  private scheduled = false;
  private checking: Promise<void> | undefined;

  constructor(
    private readonly view: StackView,
    private readonly logger: Logger,
    private readonly version: string,
    private readonly intervalMs = 1000,
  ) {}

  get size(): number {
    return this.clients.size;
  }

  handle(req: IncomingMessage, res: ServerResponse): void {
    // A rebound DNS name must not read the stream (the MCP routes apply the same rule).
    const guard = new RequestGuard(appliedStack(this.view)?.gateway?.allowed_hosts ?? []);
    if (!guard.hostAllowed(req.headers.host)) {
      sendJson(res, ApiErrorStatus.forbidden, {
        error: { code: 'forbidden', message: `host ${req.headers.host} is not allowed` },
      });
      return;
    }
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    // The stream's one way out: every event passes the redactor (a reason may hold a secret).
    const redact = redactorOf(res);
    const client: Client = (event, data) => {
      res.write(`event: ${event}\ndata: ${redact(data)}\n\n`);
    };
    const ping = setInterval(() => res.write(': ping\n\n'), 15_000);
    let closed = false;
    const done = () => {
      closed = true;
      clearInterval(ping);
      this.clients.delete(client);
      if (this.clients.size === 0) this.stop();
    };
    req.on('close', done);
    res.on('error', done);

    void this.snapshot().then((snap) => {
      if (closed || res.destroyed) return;
      client(
        'hello',
        JSON.stringify({
          stack: this.view.stackName,
          version: this.version,
          pid: process.pid,
          started_at: this.view.startedAt,
          stackless: !this.view.appliedSpec?.(),
        }),
      );
      client('servers', snap.servers);
      client('tools', snap.tools);
      client('sessions', snap.sessions);
      client('stack', snap.stack);
      client('logs', JSON.stringify(this.logger.recent({ limit: 500 })));
      this.clients.add(client);
      this.last ??= snap;
      this.start();
    });
  }

  private start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.schedule(), this.intervalMs);
    this.timer.unref();
    const offLog = this.logger.subscribe((e) => this.onLog(e));
    const offActivity = this.view.onActivity?.((event, data) => this.onActivity(event, data));
    this.unsubscribe = () => {
      offLog();
      offActivity?.();
    };
  }

  private callsPending: NodeJS.Timeout | undefined;
  private lastCalls = 0;

  private onActivity(event: 'calls' | 'trace', data: unknown): void {
    if (event === 'trace') {
      const json = JSON.stringify(data);
      for (const c of this.clients) c('trace', json);
      return;
    }
    // A busy gateway records thousands of calls a second: tell the UI at most once a second.
    if (this.callsPending) return;
    const wait = Math.max(0, this.lastCalls + 1000 - Date.now());
    this.callsPending = setTimeout(() => {
      this.callsPending = undefined;
      this.lastCalls = Date.now();
      const json = JSON.stringify({ at: new Date().toISOString() });
      for (const c of this.clients) c('calls', json);
    }, wait);
    this.callsPending.unref();
  }

  private stop(): void {
    clearInterval(this.timer);
    clearTimeout(this.callsPending);
    this.callsPending = undefined;
    this.timer = undefined;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.last = undefined;
  }

  private onLog(entry: LogEntry): void {
    const data = JSON.stringify(entry);
    for (const c of this.clients) c('log', data);
    this.schedule();
  }

  /** Something changed outside the log (e.g. a restart began): compare snapshots soon. */
  changed(): void {
    if (this.clients.size > 0) this.schedule();
  }

  /** Coalesce bursts (a restart logs several lines) into one comparison. */
  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setTimeout(() => {
      this.scheduled = false;
      this.checking ??= this.check().finally(() => {
        this.checking = undefined;
      });
    }, 20);
  }

  private async check(): Promise<void> {
    if (this.clients.size === 0) return;
    const next = await this.snapshot();
    const prev = this.last;
    this.last = next;
    for (const key of ['servers', 'tools', 'sessions', 'stack'] as const) {
      if (prev && prev[key] === next[key]) continue;
      for (const c of this.clients) c(key, next[key]);
    }
  }

  private async snapshot(): Promise<Snapshot> {
    const sessions = (this.view.sessions?.() ?? []).map((s) => ({
      id: s.id,
      client: s.client,
      transport: s.transport,
      era: s.era,
      protocolVersion: s.protocolVersion,
      accessId: s.accessId,
      scope: s.scope,
    }));
    let tools: unknown[] = [];
    try {
      tools = await this.view.tools();
    } catch {
      // keep the stream alive; the next change retries
    }
    return {
      servers: JSON.stringify(this.view.servers()),
      tools: JSON.stringify(tools),
      sessions: JSON.stringify(sessions),
      stack: JSON.stringify({ name: this.view.stackName, spec: this.view.appliedSpec?.() ?? null }),
    };
  }
}
