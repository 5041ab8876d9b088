// One small store for what the event stream pushes; views subscribe with useStore(selector).
import { useEffect, useState } from 'preact/hooks';
import type { Hello, LogEntry, ServerRow, SessionRow, Tool, TraceSummary } from './types.js';

export type Connection = 'connecting' | 'live' | 'reconnecting' | 'auth';

export interface State {
  conn: Connection;
  hello?: Hello;
  servers: ServerRow[];
  tools: Tool[];
  sessions: SessionRow[];
  stack: { name: string; spec: Record<string, unknown> | null } | null;
  logs: LogEntry[];
  /** Bumped on every appended log entry (cheap change signal for the log views). */
  logSeq: number;
  /** Set when a reconnect found a different gateway process (it restarted). */
  restartedAt?: number;
  /** Bumped when the gateway says tool calls were recorded (the Metrics view refetches). */
  callsSeq: number;
  /** Traces kept since the page opened, newest first (pushed by the event stream). */
  traces: TraceSummary[];
  /** Toasts: short messages at the bottom. */
  notes: { id: number; text: string; tone: 'ok' | 'warn' | 'error' }[];
}

export const LOG_CAP = 3000;

let state: State = {
  conn: 'connecting',
  servers: [],
  tools: [],
  sessions: [],
  stack: null,
  logs: [],
  logSeq: 0,
  callsSeq: 0,
  traces: [],
  notes: [],
};
const listeners = new Set<() => void>();

export function getState(): State {
  return state;
}

export function setState(patch: Partial<State> | ((s: State) => Partial<State>)): void {
  const p = typeof patch === 'function' ? patch(state) : patch;
  state = { ...state, ...p };
  for (const fn of listeners) fn();
}

export function subscribe(fn: () => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

export function useStore<T>(select: (s: State) => T): T {
  const [value, setValue] = useState(() => select(state));
  useEffect(() => {
    const update = () => setValue(() => select(state));
    update();
    return subscribe(update);
  }, []);
  return value;
}

let noteId = 0;
export function note(text: string, tone: 'ok' | 'warn' | 'error' = 'ok'): void {
  const id = ++noteId;
  setState((s) => ({ notes: [...s.notes.slice(-3), { id, text, tone }] }));
  setTimeout(
    () => setState((s) => ({ notes: s.notes.filter((n) => n.id !== id) })),
    tone === 'error' ? 8000 : 4000,
  );
}

export function appendLog(entry: LogEntry): void {
  setState((s) => {
    const logs = s.logs.length >= LOG_CAP ? s.logs.slice(-(LOG_CAP - 500)) : s.logs.slice();
    logs.push(entry);
    return { logs, logSeq: s.logSeq + 1 };
  });
}
