// Traces: recent traces (newest first, new ones pushed by the event stream), filtered by server,
// tool or errors; one selected trace as a waterfall of its spans with their timings and errors.
import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.js';
import { ago } from '../format.js';
import { setQuery, useLocation } from '../router.js';
import { useStore } from '../store.js';
import type { TraceSpan, TraceSummary } from '../types.js';

interface TraceDetail extends TraceSummary {
  spanTree: TraceSpan[];
}

/** Spans in tree order (parent before children), each with its depth. */
function ordered(spans: TraceSpan[]): { span: TraceSpan; depth: number }[] {
  const ids = new Set(spans.map((s) => s.spanId));
  const kids = new Map<string | undefined, TraceSpan[]>();
  for (const s of spans) {
    const p = s.parentSpanId && ids.has(s.parentSpanId) ? s.parentSpanId : undefined;
    kids.set(p, [...(kids.get(p) ?? []), s]);
  }
  const out: { span: TraceSpan; depth: number }[] = [];
  const walk = (p: string | undefined, depth: number) => {
    for (const s of (kids.get(p) ?? []).sort((a, b) => a.start - b.start)) {
      out.push({ span: s, depth });
      walk(s.spanId, depth + 1);
    }
  };
  walk(undefined, 0);
  return out;
}

function Waterfall({ trace }: { trace: TraceDetail }): JSX.Element {
  const t0 = Math.min(...trace.spanTree.map((s) => s.start));
  const total = Math.max(...trace.spanTree.map((s) => s.start + s.durationMs)) - t0 || 1;
  return (
    <div class="card" data-testid="waterfall">
      <h2>
        <code>{trace.traceId}</code> · {trace.durationMs.toFixed(1)} ms · {trace.spans} spans
        {trace.remoteParent && <span class="muted small"> · continues the client’s trace</span>}
      </h2>
      <ol class="waterfall">
        {ordered(trace.spanTree).map(({ span, depth }) => (
          <li key={span.spanId} class={span.error ? 'span-error' : ''} data-testid="span">
            <span class="span-name" style={{ paddingLeft: `${depth * 1.2}em` }} title={span.kind}>
              {span.name}
            </span>
            <span class="span-track">
              <span
                class="span-bar"
                style={{
                  left: `${((span.start - t0) / total) * 100}%`,
                  width: `${Math.max(0.5, (span.durationMs / total) * 100)}%`,
                }}
              />
            </span>
            <span class="span-time num">{span.durationMs.toFixed(2)} ms</span>
            {span.error && <span class="span-err small">{span.error}</span>}
          </li>
        ))}
      </ol>
    </div>
  );
}

export default function TracesView(): JSX.Element {
  const { query } = useLocation();
  const server = query.get('server') ?? '';
  const tool = query.get('tool') ?? '';
  const errors = query.get('errors') === '1';
  const selected = query.get('id') ?? '';
  const pushed = useStore((s) => s.traces);
  const [listed, setListed] = useState<{ tracingEnabled: boolean; traces: TraceSummary[] }>();
  const [detail, setDetail] = useState<TraceDetail>();
  const [error, setError] = useState<string>();

  useEffect(() => {
    const q = new URLSearchParams();
    if (server) q.set('server', server);
    if (tool) q.set('tool', tool);
    if (errors) q.set('errors', 'true');
    q.set('limit', '200');
    api<{ tracingEnabled: boolean; traces: TraceSummary[] }>(`/api/traces?${q}`).then(setListed, (e: Error) =>
      setError(e.message),
    );
  }, [server, tool, errors, pushed.length > 0 ? pushed[0]!.traceId : '']);
  useEffect(() => {
    if (!selected) {
      setDetail(undefined);
      return;
    }
    api<TraceDetail>(`/api/traces/${selected}`).then(setDetail, (e: Error) => setError(e.message));
  }, [selected]);

  if (error && !listed) return <div class="empty">{error}</div>;
  if (!listed) return <div class="empty">Loading…</div>;
  if (!listed.tracingEnabled)
    return <div class="empty">Tracing is off for this stack (gateway.tracing.enabled: false).</div>;
  const input = (key: string) => (e: Event) =>
    setQuery(key, (e.target as HTMLInputElement).value || undefined);
  return (
    <section class="view traces-view" aria-labelledby="traces-title">
      <div class="view-head">
        <h1 id="traces-title">Traces</h1>
        <div class="toolbar">
          <input placeholder="server" value={server} onChange={input('server')} data-testid="traces-server" />
          <input placeholder="tool" value={tool} onChange={input('tool')} data-testid="traces-tool" />
          <label>
            <input
              type="checkbox"
              checked={errors}
              onChange={(e) => setQuery('errors', (e.target as HTMLInputElement).checked ? '1' : undefined)}
              data-testid="traces-errors"
            />{' '}
            errors only
          </label>
        </div>
      </div>
      {detail && <Waterfall trace={detail} />}
      <div class="card">
        {listed.traces.length === 0 ? (
          <p class="muted">No traces match.</p>
        ) : (
          <table class="table" data-testid="traces-list">
            <thead>
              <tr>
                <th>Trace</th>
                <th>Name</th>
                <th>Client</th>
                <th class="num">Spans</th>
                <th class="num">Duration</th>
                <th>Status</th>
                <th>Started</th>
              </tr>
            </thead>
            <tbody>
              {listed.traces.map((t) => (
                <tr
                  key={t.traceId}
                  class={t.traceId === selected ? 'selected' : ''}
                  data-testid={`trace-${t.traceId}`}
                >
                  <td>
                    <button type="button" class="link" onClick={() => setQuery('id', t.traceId)}>
                      <code>{t.traceId.slice(0, 12)}</code>
                    </button>
                  </td>
                  <td>{t.name}</td>
                  <td>{t.client ?? '—'}</td>
                  <td class="num">{t.spans}</td>
                  <td class="num">{t.durationMs.toFixed(1)} ms</td>
                  <td>
                    <span class={`badge tone-${t.error ? 'bad' : 'ok'}`}>{t.error ? 'error' : 'ok'}</span>
                  </td>
                  <td>{ago(t.startedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
    </section>
  );
}
