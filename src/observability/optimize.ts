// `gridctl optimize`: what to cut, from the calls the gateway has seen and what each tool schema
// costs in tokens. Every finding says what it saves (tokens per tools/list, or per call) and gives
// the stack.yaml change that does it. A pure function of the usage report and the stack, so it
// can be tested on its own.
import type { UsageReport } from './observability.js';

export type Severity = 'info' | 'warn' | 'critical';

export interface Finding {
  kind: 'unused-server' | 'unused-tools' | 'costly-schema' | 'code-mode' | 'output-format';
  severity: Severity;
  server?: string;
  tool?: string;
  /** What it costs now, in words. */
  message: string;
  /** Tokens saved: per tools/list for schema findings, per call for output findings. */
  impact: number;
  per: 'tools/list' | 'call';
  /** A stack.yaml change that acts on it. */
  fix: string;
}

export interface OptimizeInput {
  usage: UsageReport;
  /** The stack's servers: name, and output_format when set. */
  servers: { name: string; outputFormat?: string }[];
  codeMode: boolean;
  /** Calls seen below this: too few to call a tool unused (default 20). */
  minCalls?: number;
}

const CODE_MODE_LIST_TOKENS = 260; // tools/list with code mode on: search and execute (measured)

export function optimize(input: OptimizeInput): Finding[] {
  const { usage } = input;
  const out: Finding[] = [];
  const called = new Map<string, Set<string>>();
  for (const t of usage.tools) {
    if (t.calls === 0) continue;
    if (!called.has(t.server)) called.set(t.server, new Set());
    called.get(t.server)!.add(t.tool);
  }
  const schemaBy = new Map<string, { tool: string; tokens: number }[]>();
  for (const s of usage.schemas) {
    if (!schemaBy.has(s.server)) schemaBy.set(s.server, []);
    schemaBy.get(s.server)!.push({ tool: s.tool, tokens: s.tokens });
  }
  const total = usage.schemas.reduce((a, s) => a + s.tokens, 0);
  const enough = usage.calls >= (input.minCalls ?? 20);

  if (enough) {
    for (const [server, tools] of schemaBy) {
      const used = called.get(server);
      const cost = tools.reduce((a, t) => a + t.tokens, 0);
      if (!used) {
        out.push({
          kind: 'unused-server',
          severity: cost > 2000 ? 'warn' : 'info',
          server,
          message: `no call reached "${server}" in ${usage.calls} calls; its ${tools.length} tool(s) cost ${cost} tokens in every tools/list`,
          impact: cost,
          per: 'tools/list',
          fix: `remove the server "${server}" from mcp-servers, or keep it out of clients that do not use it (clients.profiles.<id>.servers)`,
        });
        continue;
      }
      const unused = tools.filter((t) => !used.has(t.tool));
      if (unused.length === 0) continue;
      const saved = unused.reduce((a, t) => a + t.tokens, 0);
      out.push({
        kind: 'unused-tools',
        severity: saved > 2000 ? 'warn' : 'info',
        server,
        message: `${unused.length} of ${tools.length} tools of "${server}" were never called (${saved} tokens per tools/list): ${unused
          .map((t) => t.tool)
          .slice(0, 8)
          .join(', ')}${unused.length > 8 ? ', …' : ''}`,
        impact: saved,
        per: 'tools/list',
        fix: `mcp-servers:\n  - name: ${server}\n    tools: [${[...used].sort().join(', ')}]`,
      });
    }
  }

  // The costliest schemas: over 10 % of the list and over 300 tokens.
  for (const s of usage.schemas) {
    if (s.tokens < 300 || s.tokens < total * 0.1) continue;
    out.push({
      kind: 'costly-schema',
      severity: s.tokens > 1500 ? 'warn' : 'info',
      server: s.server,
      tool: s.tool,
      message: `"${s.server}" tool "${s.tool}" costs ${s.tokens} tokens in every tools/list (${Math.round((s.tokens / total) * 100)} % of ${total})`,
      impact: s.tokens,
      per: 'tools/list',
      fix: `drop it with mcp-servers[].tools (a whitelist) if unused, or hide it behind code mode (gateway.code_mode: "on")`,
    });
  }

  if (!input.codeMode && total > 5000) {
    out.push({
      kind: 'code-mode',
      severity: total > 20_000 ? 'critical' : 'warn',
      message: `tools/list costs ${total} tokens for ${usage.schemas.length} tools; code mode lists two tools (about ${CODE_MODE_LIST_TOKENS} tokens) and finds the rest with search`,
      impact: total - CODE_MODE_LIST_TOKENS,
      per: 'tools/list',
      fix: 'gateway:\n  code_mode: "on"',
    });
  }

  const formatOf = new Map(input.servers.map((s) => [s.name, s.outputFormat]));
  for (const t of usage.tools) {
    if (t.calls < 3 || !t.server) continue;
    const mean = t.outputTokens / t.calls;
    const format = formatOf.get(t.server);
    if (mean < 1000 || (format && format !== 'json')) continue;
    // TOON and CSV re-encode uniform JSON arrays at roughly half the tokens (bench/results).
    out.push({
      kind: 'output-format',
      severity: mean > 5000 ? 'warn' : 'info',
      server: t.server,
      tool: t.tool,
      message: `"${t.server}" tool "${t.tool}" returns ${Math.round(mean)} tokens per call on average (${t.calls} calls) as JSON`,
      impact: Math.round(mean * 0.4),
      per: 'call',
      fix: `mcp-servers:\n  - name: ${t.server}\n    output_format: toon`,
    });
  }
  const rank: Record<Severity, number> = { critical: 0, warn: 1, info: 2 };
  return out.sort((a, b) => rank[a.severity] - rank[b.severity] || b.impact - a.impact);
}
