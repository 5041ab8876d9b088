// The live connection: GET /api/events read with fetch() (so the token travels in a header, not a
// URL), parsed as server-sent events, and applied to the store. It reconnects on its own with a
// short backoff; a different gateway pid after a reconnect means the gateway restarted.
import { authHeaders, onToken } from './api.js';
import { resetMcp } from './mcp.js';
import { SseParser } from './sse.js';
import { appendLog, getState, LOG_CAP, note, setState } from './store.js';
import type { Hello, LogEntry, TraceSummary } from './types.js';

let started = false;
let wake: (() => void) | undefined;

export function startLive(): void {
  if (started) return;
  started = true;
  onToken(() => wake?.());
  void loop();
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      wake = undefined;
      resolve();
    }
    wake = done;
  });
}

async function loop(): Promise<void> {
  let backoff = 250;
  for (;;) {
    let gotHello = false;
    try {
      const res = await fetch('/api/events', { headers: { accept: 'text/event-stream', ...authHeaders() } });
      if (res.status === 401) {
        setState({ conn: 'auth' });
        await pause(60_000); // until a token is entered (wake) or a minute passes
        continue;
      }
      if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      const parser = new SseParser();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        for (const ev of parser.push(value)) {
          if (ev.event === 'hello') {
            gotHello = true;
            backoff = 250;
          }
          dispatch(ev.event, ev.data);
        }
      }
    } catch {
      // network error or the gateway went away: reconnect below
    }
    setState({ conn: 'reconnecting' });
    if (!gotHello) backoff = Math.min(backoff * 2, 4000);
    await pause(backoff);
  }
}

let pending: LogEntry[] = [];
let flushScheduled = false;
function flushLogs(): void {
  flushScheduled = false;
  const batch = pending;
  pending = [];
  if (batch.length === 1) appendLog(batch[0]!);
  else
    setState((s) => {
      const logs = s.logs.concat(batch);
      return { logs: logs.length > LOG_CAP ? logs.slice(-LOG_CAP) : logs, logSeq: s.logSeq + batch.length };
    });
}

function dispatch(event: string, data: string): void {
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return;
  }
  switch (event) {
    case 'hello': {
      const hello = value as Hello;
      const before = getState().hello;
      const restarted =
        before !== undefined && (before.pid !== hello.pid || before.started_at !== hello.started_at);
      if (restarted) {
        resetMcp();
        note('The gateway restarted; reconnected.', 'warn');
      }
      setState({ conn: 'live', hello, ...(restarted ? { restartedAt: Date.now() } : {}) });
      break;
    }
    case 'servers':
      setState({ servers: value as never });
      break;
    case 'tools':
      setState({ tools: value as never });
      break;
    case 'sessions':
      setState({ sessions: value as never });
      break;
    case 'stack':
      setState({ stack: value as never });
      break;
    case 'logs':
      pending = [];
      setState((s) => ({ logs: value as LogEntry[], logSeq: s.logSeq + 1 }));
      break;
    case 'calls':
      setState((s) => ({ callsSeq: s.callsSeq + 1 }));
      break;
    case 'trace':
      setState((s) => ({ traces: [value as TraceSummary, ...s.traces].slice(0, 200) }));
      break;
    case 'log':
      pending.push(value as LogEntry);
      if (!flushScheduled) {
        flushScheduled = true;
        queueMicrotask(flushLogs);
      }
      break;
  }
}
