// Shapes the UI reads from the API and the event stream (see src/api/types.ts and src/api/events.ts).

export type ServerState =
  | 'starting'
  | 'healthy'
  | 'unhealthy'
  | 'degraded'
  | 'failed'
  | 'needs auth'
  | 'stopped';

export interface ServerRow {
  name: string;
  kind: string;
  transport: string;
  /** The protocol era the server speaks once connected. */
  era?: 'handshake' | 'stateless';
  /** The protocol version negotiated (handshake) or chosen per request (stateless). */
  protocolVersion?: string;
  state: ServerState;
  reason?: string;
  /** The last lines the server wrote to stderr before it failed. */
  stderr?: string[];
  tools: number;
  restarts: number;
  pid?: number;
}

export interface Tool {
  name: string;
  server: string;
  originalName: string;
  title?: string;
  description?: string;
  inputSchema?: Record<string, unknown>;
  outputSchema?: Record<string, unknown>;
  annotations?: Record<string, unknown>;
}

export interface SessionRow {
  id: string;
  client?: string;
  transport: string;
  /** `handshake`: a 2025-era session; `stateless`: a 2026-07-28 client seen lately. */
  era?: 'handshake' | 'stateless';
  protocolVersion?: string;
  /** The id client scope and rate limits key on ("" = anonymous). */
  accessId?: string;
  scope?: { access: 'all' | 'none' | 'some'; profile?: string; servers?: string[]; tools?: string[] };
}

export interface LogEntry {
  time: string;
  level: 'debug' | 'info' | 'warn' | 'error';
  msg: string;
  server?: string;
  component?: string;
  [field: string]: unknown;
}

export interface Hello {
  stack: string;
  version: string;
  pid: number;
  started_at: string;
  stackless: boolean;
}

export interface Issue {
  severity: 'error' | 'warning' | 'info';
  code: string;
  field: string;
  message: string;
  hint?: string;
  file?: string;
  line?: number;
  column?: number;
}

export interface DiffItem {
  action: 'add' | 'change' | 'remove';
  kind: string;
  name: string;
  details: string[];
}

export interface Plan {
  ok: boolean;
  issues: Issue[];
  diff: {
    items: DiffItem[];
    summary: { add: number; change: number; remove: number };
    hasChanges: boolean;
  } | null;
  nameChange?: { from: string; to: string };
}

/** GET /api/traces entries and the event stream's `trace` events (src/observability/trace-ring.ts). */
export interface TraceSummary {
  traceId: string;
  name: string;
  startedAt: string;
  durationMs: number;
  spans: number;
  error: boolean;
  servers: string[];
  tools: string[];
  client?: string;
  remoteParent: boolean;
}

export interface TraceSpan {
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: string;
  start: number;
  durationMs: number;
  error?: string;
  attributes: Record<string, unknown>;
}
