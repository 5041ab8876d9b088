// `gridctl traces [TRACE-ID]`: recent traces of a running stack (newest first), or one trace as a
// tree of spans with a timing bar per span.

import { parseDuration } from '../config/index.js';
import { apiGet, runningTarget } from '../controller/targets.js';
import type { TraceDetail, TraceSpan, TraceSummary } from '../observability/trace-ring.js';
import type { CliContext, CommandRegistrar } from './context.js';
import { fail, homeFor, withHome } from './options.js';
import { ago, table } from './render.js';

interface TracesOptions {
  home?: string;
  stack?: string;
  server?: string;
  tool?: string;
  errors?: boolean;
  minDuration?: string;
  limit?: string;
  json?: boolean;
}

export const registerTraces: CommandRegistrar = (program, ctx) => {
  withHome(program.command('traces'))
    .description("List a running stack's recent traces, or show one as a tree of spans with timings")
    .argument('[trace-id]', 'a trace id from the list (32 hex digits; a unique prefix is enough)')
    .option('-s, --stack <name>', 'stack name or file (default: the only running stack)')
    .option('--server <name>', 'only traces that reached this server')
    .option('--tool <name>', 'only traces that called this tool (its name on the server)')
    .option('--errors', 'only traces with an error')
    .option('--min-duration <duration>', 'only traces at least this long (e.g. 100ms, 2s)')
    .option('--limit <n>', 'at most this many traces', '50')
    .option('--json', 'machine-readable output')
    .action(async (id: string | undefined, opts: TracesOptions) => {
      const paths = homeFor(ctx, opts);
      try {
        const state = await runningTarget(paths, opts.stack, ctx.cwd);
        const q = new URLSearchParams();
        if (opts.server) q.set('server', opts.server);
        if (opts.tool) q.set('tool', opts.tool);
        if (opts.errors) q.set('errors', 'true');
        if (opts.minDuration) q.set('min_ms', String(parseDuration(opts.minDuration)));
        q.set('limit', id ? '1000' : (opts.limit ?? '50'));
        const list = await apiGet<{ tracingEnabled: boolean; traces: TraceSummary[] }>(
          state,
          `/api/traces?${q}`,
        );
        if (!list.tracingEnabled) {
          fail(ctx, `tracing is off for stack '${state.stack_name}' (gateway.tracing.enabled: false)`);
          return;
        }
        if (id) {
          const matches = list.traces.filter((t) => t.traceId.startsWith(id.toLowerCase()));
          if (matches.length !== 1) {
            fail(
              ctx,
              matches.length === 0
                ? `no trace ${id} in memory`
                : `trace id ${id} is ambiguous: give more digits`,
            );
            return;
          }
          const detail = await apiGet<TraceDetail>(state, `/api/traces/${matches[0]!.traceId}`);
          if (opts.json) ctx.stdout.write(`${JSON.stringify(detail, null, 2)}\n`);
          else writeTree(ctx, detail);
          return;
        }
        if (opts.json) {
          ctx.stdout.write(`${JSON.stringify(list.traces, null, 2)}\n`);
          return;
        }
        if (list.traces.length === 0) {
          ctx.stdout.write(`No traces recorded yet for stack '${state.stack_name}'.\n`);
          return;
        }
        ctx.stdout.write(
          table(
            ['TRACE', 'NAME', 'CLIENT', 'SPANS', 'DURATION', 'STATUS', 'STARTED'],
            list.traces.map((t) => [
              t.traceId.slice(0, 12),
              t.name,
              t.client ?? '-',
              String(t.spans),
              `${t.durationMs.toFixed(1)}ms`,
              t.error ? ctx.paint('red', 'error') : ctx.paint('green', 'ok'),
              ago(t.startedAt),
            ]),
          ),
        );
      } catch (err) {
        fail(ctx, (err as Error).message);
      }
    });
};

/** The spans as an indented tree, each with its offset, duration and a bar on a common scale. */
function writeTree(ctx: CliContext, t: TraceDetail): void {
  const t0 = Math.min(...t.spanTree.map((s) => s.start));
  const total = Math.max(...t.spanTree.map((s) => s.start + s.durationMs)) - t0 || 1;
  const ids = new Set(t.spanTree.map((s) => s.spanId));
  const children = new Map<string | undefined, TraceSpan[]>();
  for (const s of t.spanTree) {
    const p = s.parentSpanId && ids.has(s.parentSpanId) ? s.parentSpanId : undefined;
    children.set(p, [...(children.get(p) ?? []), s]);
  }
  ctx.stdout.write(
    `trace ${t.traceId}${t.remoteParent ? ' (continues the client\u2019s trace)' : ''}: ${t.durationMs.toFixed(1)}ms, ${t.spans} span(s)${t.error ? ', error' : ''}\n`,
  );
  const width = 30;
  const rows: string[][] = [];
  const walk = (parent: string | undefined, depth: number) => {
    for (const s of children.get(parent) ?? []) {
      const from = Math.floor(((s.start - t0) / total) * width);
      const len = Math.max(1, Math.round((s.durationMs / total) * width));
      const bar = ' '.repeat(from) + '\u2588'.repeat(Math.min(len, width - from));
      rows.push([
        `${'  '.repeat(depth)}${s.name}`,
        `+${(s.start - t0).toFixed(1)}ms`,
        `${s.durationMs.toFixed(1)}ms`,
        bar.padEnd(width),
        s.error ? ctx.paint('red', s.error.slice(0, 60)) : '',
      ]);
      walk(s.spanId, depth + 1);
    }
  };
  walk(undefined, 0);
  ctx.stdout.write(table(['SPAN', 'START', 'DURATION', 'TIMELINE', 'ERROR'], rows));
}
