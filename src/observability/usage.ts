// Running totals of tool use since the daemon started (or since the recorded history it replayed):
// per server and tool, and per client. The API's /api/usage, `gridctl status --tokens` and
// `gridctl optimize` read them.
import type { CallRecord } from './calls.js';

export interface ToolUsage {
  server: string;
  tool: string;
  calls: number;
  errors: number;
  inputTokens: number;
  outputTokens: number;
  bytes: number;
  /** Total time in calls, ms (mean = totalMs / calls). */
  totalMs: number;
  lastCall: string;
}

export interface ClientUsage {
  client: string;
  calls: number;
  errors: number;
  inputTokens: number;
  outputTokens: number;
}

export interface UsageSnapshot {
  since: string;
  calls: number;
  inputTokens: number;
  outputTokens: number;
  tools: ToolUsage[];
  clients: ClientUsage[];
}

export class Usage {
  private since = new Date().toISOString();
  private readonly tools = new Map<string, ToolUsage>();
  private readonly clients = new Map<string, ClientUsage>();

  add(r: CallRecord): void {
    if (r.at < this.since) this.since = r.at;
    const failed = r.outcome !== 'ok';
    const key = `${r.server}\0${r.tool}`;
    let t = this.tools.get(key);
    if (!t) {
      t = {
        server: r.server,
        tool: r.tool,
        calls: 0,
        errors: 0,
        inputTokens: 0,
        outputTokens: 0,
        bytes: 0,
        totalMs: 0,
        lastCall: r.at,
      };
      this.tools.set(key, t);
    }
    t.calls++;
    if (failed) t.errors++;
    t.inputTokens += r.inputTokens;
    t.outputTokens += r.outputTokens;
    t.bytes += r.bytes;
    t.totalMs += r.durationMs;
    if (r.at > t.lastCall) t.lastCall = r.at;
    const id = r.client || 'anonymous';
    let c = this.clients.get(id);
    if (!c) {
      c = { client: id, calls: 0, errors: 0, inputTokens: 0, outputTokens: 0 };
      this.clients.set(id, c);
    }
    c.calls++;
    if (failed) c.errors++;
    c.inputTokens += r.inputTokens;
    c.outputTokens += r.outputTokens;
  }

  snapshot(): UsageSnapshot {
    const tools = [...this.tools.values()].sort(
      (a, b) => b.outputTokens - a.outputTokens || b.calls - a.calls,
    );
    const clients = [...this.clients.values()].sort((a, b) => b.calls - a.calls);
    return {
      since: this.since,
      calls: tools.reduce((n, t) => n + t.calls, 0),
      inputTokens: tools.reduce((n, t) => n + t.inputTokens, 0),
      outputTokens: tools.reduce((n, t) => n + t.outputTokens, 0),
      tools: tools.map((t) => ({ ...t, totalMs: Math.round(t.totalMs * 1000) / 1000 })),
      clients: clients.map((c) => ({ ...c })),
    };
  }
}
