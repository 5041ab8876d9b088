// Shapes the UI reads from the API and the event stream. Those the server side defines are imported
// from it (type-only: nothing of src/ reaches the bundle), so the two cannot drift apart.

export type { PlanBody as Plan } from '../../src/api/stack-edit.js';
export type { ServerState, ServerStatusRow as ServerRow } from '../../src/api/types.js';
export type { SessionRow } from '../../src/api/view.js';
export type { DiffItem } from '../../src/config/diff.js';
export type { Issue } from '../../src/config/issues.js';
export type { LogEntry } from '../../src/logging/logger.js';
export type { TraceSpan, TraceSummary } from '../../src/observability/trace-ring.js';

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

export interface Hello {
  stack: string;
  version: string;
  pid: number;
  started_at: string;
  stackless: boolean;
}
