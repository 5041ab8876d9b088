// What the API needs from a running stack, in a module of its own so route modules can take the
// type without importing the server that imports them.
import type { TraceRing } from '../observability/trace-ring.js';
import type { PinsView } from './pins.js';
import type { SkillsView } from './skills.js';

/** A connected MCP client, as GET /api/sessions and the UI's graph show it. */
export interface SessionRow {
  id: string;
  client: string | undefined;
  transport: string;
  /** The id client scope and rate limits key on ("" = anonymous). */
  accessId?: string;
  scope?: { access: 'all' | 'none' | 'some'; profile?: string; servers?: string[]; tools?: string[] };
}

/** What the API needs from a running stack; the controller adapts the gateway to it. */
export interface StackView {
  stackName: string;
  startedAt: string;
  servers(): unknown[];
  tools(): Promise<unknown[]>;
  reload?(): Promise<{ success: boolean }>;
  restartServer?(name: string): Promise<void>;
  appliedSpec?(): unknown;
  /** Stackless mode: load a saved stack by name. */
  initialize?(name: string): Promise<{ success: boolean }>;
  /** Tool-schema pins (docs/pins.md). */
  pins?: PinsView;
  /** Connected MCP clients (the UI's graph shows them). */
  sessions?(): SessionRow[];
  /** Rate-limit buckets and their live state (`limits.rate_limits`). */
  limits?(): unknown[];
  /** Session counts: total, live, by client, evicted, expired, refused. */
  sessionStats?(): unknown;
  /** Tool use and token totals since start, and the token cost of each tool's schema. */
  usage?(): Promise<unknown>;
  /** The ring of recent traces; undefined when tracing is off. */
  traces?: TraceRing;
  /** Findings of `gridctl optimize` from the usage seen so far. */
  optimize?(): Promise<unknown>;
  /** Tool calls over time (10-second buckets, the last hour at most). */
  series?(rangeMs: number, tool?: { server: string; tool: string }): unknown;
  /**
   * Live activity for the event stream: `calls` after recorded calls, `trace` with each kept trace's
   * summary. Returns the unsubscribe function.
   */
  onActivity?(fn: (event: 'calls' | 'trace', data: unknown) => void): () => void;
  /** Absolute path of the loaded stack file, if any (the UI's Spec view edits it). */
  stackFile?(): string | undefined;
  /** The skills registry (docs/skills.md). */
  skills?: SkillsView;
}
