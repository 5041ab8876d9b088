// Metrics: tool calls over the last hour (10-second buckets) as charts, calls and errors, p50/p95
// latency and result tokens, for the whole gateway or one server; below, calls and tokens per tool
// with what each tool's schema costs, each linking to its traces. Refetched whenever the event
// stream says calls were recorded.
import type { JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import { api } from '../api.js';
import { navigate, setQuery, useLocation } from '../router.js';
import { useStore } from '../store.js';

interface Point {
  at: number;
  calls: number;
  errors: number;
  tokens: number;
  p50: number | null;
  p95: number | null;
}
interface Series {
  stepMs: number;
  all: Point[];
  servers: Record<string, Point[]>;
  tool?: { server: string; tool: string; points: Point[] };
}
interface ToolUsage {
  server: string;
  tool: string;
  calls: number;
  errors: number;
  inputTokens: number;
  outputTokens: number;
  totalMs: number;
  lastCall: string;
}
interface Usage {
  since: string;
  tokenizer: string;
  calls: number;
  inputTokens: number;
  outputTokens: number;
  tools: ToolUsage[];
  clients: { client: string; calls: number; errors: number; outputTokens: number }[];
  schemas: { server: string; tool: string; tokens: number }[];
}

const RANGES = ['5m', '15m', '1h'] as const;
const css = (name: string) =>
  getComputedStyle(document.documentElement).getPropertyValue(name).trim() || '#888';
const fmt = (n: number) => n.toLocaleString('en-US');

/** One uPlot chart; rebuilt when the data's shape changes, updated in place otherwise. */
function Chart(props: {
  title: string;
  testid: string;
  x: number[];
  series: { label: string; values: (number | null)[]; color: string; unit?: string }[];
}): JSX.Element {
  const el = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | undefined>(undefined);
  const labels = props.series.map((s) => s.label).join('|');
  useEffect(() => {
    if (!el.current) return;
    const width = Math.max(280, el.current.clientWidth);
    plot.current = new uPlot(
      {
        width,
        height: 160,
        legend: { show: true },
        cursor: { drag: { x: false, y: false } },
        scales: { x: { time: true } },
        axes: [
          { stroke: css('--muted'), grid: { stroke: css('--border') } },
          { stroke: css('--muted'), grid: { stroke: css('--border') }, size: 50 },
        ],
        series: [
          {},
          ...props.series.map((s) => ({
            label: s.label,
            stroke: s.color,
            width: 1.5,
            spanGaps: false,
            value: (_u: uPlot, v: number | null) =>
              v == null ? '—' : `${fmt(Math.round(v * 100) / 100)}${s.unit ?? ''}`,
          })),
        ],
      },
      [props.x, ...props.series.map((s) => s.values)] as uPlot.AlignedData,
      el.current,
    );
    return () => plot.current?.destroy();
  }, [labels]);
  useEffect(() => {
    plot.current?.setData([props.x, ...props.series.map((s) => s.values)] as uPlot.AlignedData);
  });
  return (
    <div class="card chart" data-testid={props.testid}>
      <h2>{props.title}</h2>
      <div ref={el} />
    </div>
  );
}

export default function MetricsView(): JSX.Element {
  const { query } = useLocation();
  const range = (query.get('range') as (typeof RANGES)[number] | null) ?? '15m';
  const server = query.get('server') ?? '';
  /** `<server>/<tool>`: the charts show that tool alone. */
  const tool = query.get('tool') ?? '';
  const callsSeq = useStore((s) => s.callsSeq);
  const [series, setSeries] = useState<Series>();
  const [usage, setUsage] = useState<Usage>();
  const [error, setError] = useState<string>();

  useEffect(() => {
    let stale = false;
    const q = new URLSearchParams({ range });
    if (tool) q.set('tool', tool);
    Promise.all([api<Series>(`/api/usage/series?${q}`), api<Usage>('/api/usage')]).then(
      ([s, u]) => {
        if (stale) return;
        setSeries(s);
        setUsage(u);
        setError(undefined);
      },
      (e: Error) => !stale && setError(e.message),
    );
    return () => {
      stale = true;
    };
  }, [range, tool, callsSeq]);

  if (error && !usage) return <div class="empty">{error}</div>;
  if (!series || !usage) return <div class="empty">Loading…</div>;
  const points =
    tool && series.tool ? series.tool.points : server ? (series.servers[server] ?? []) : series.all;
  const x = points.map((p) => p.at / 1000);
  const perSec = (n: number) => n / (series.stepMs / 1000);
  const schemaOf = new Map(usage.schemas.map((s) => [`${s.server}\0${s.tool}`, s.tokens]));
  const tools = usage.tools.filter((t) => !server || t.server === server);
  const schemaTotal = usage.schemas
    .filter((s) => !server || s.server === server)
    .reduce((a, s) => a + s.tokens, 0);
  const calls = points.reduce((a, p) => a + p.calls, 0);
  const errors = points.reduce((a, p) => a + p.errors, 0);

  return (
    <section class="view metrics-view" aria-labelledby="metrics-title">
      <div class="view-head">
        <h1 id="metrics-title">Metrics</h1>
        <div class="toolbar">
          <label>
            Server{' '}
            <select
              value={server}
              onChange={(e) => setQuery('server', (e.target as HTMLSelectElement).value || undefined)}
              data-testid="metrics-server"
            >
              <option value="">all servers</option>
              {Object.keys(series.servers)
                .sort()
                .map((s) => (
                  <option key={s} value={s}>
                    {s}
                  </option>
                ))}
            </select>
          </label>
          {tool && (
            <button type="button" onClick={() => setQuery('tool', undefined)} data-testid="metrics-tool">
              {tool} ×
            </button>
          )}
          {RANGES.map((r) => (
            <button
              type="button"
              key={r}
              class={r === range ? 'primary' : ''}
              aria-pressed={r === range}
              onClick={() => setQuery('range', r)}
            >
              {r}
            </button>
          ))}
        </div>
      </div>
      <div class="kpis" data-testid="metrics-kpis">
        <div class="kpi">
          <span class="muted small">calls ({range})</span>
          <strong data-testid="kpi-calls">{fmt(calls)}</strong>
        </div>
        <div class="kpi">
          <span class="muted small">errors</span>
          <strong data-testid="kpi-errors">{fmt(errors)}</strong>
        </div>
        <div class="kpi">
          <span class="muted small">result tokens since start ({usage.tokenizer})</span>
          <strong data-testid="kpi-tokens">{fmt(usage.outputTokens)}</strong>
        </div>
        <div class="kpi">
          <span class="muted small">tools/list costs</span>
          <strong data-testid="kpi-schema">{fmt(schemaTotal)} tokens</strong>
        </div>
      </div>
      <div class="charts">
        <Chart
          title="Calls per second"
          testid="chart-calls"
          x={x}
          series={[
            { label: 'calls/s', values: points.map((p) => perSec(p.calls)), color: css('--brand') },
            { label: 'errors/s', values: points.map((p) => perSec(p.errors)), color: css('--bad') },
          ]}
        />
        <Chart
          title="Latency"
          testid="chart-latency"
          x={x}
          series={[
            { label: 'p50', values: points.map((p) => p.p50), color: css('--brand'), unit: ' ms' },
            { label: 'p95', values: points.map((p) => p.p95), color: css('--warn'), unit: ' ms' },
          ]}
        />
        <Chart
          title="Result tokens"
          testid="chart-tokens"
          x={x}
          series={[{ label: 'tokens', values: points.map((p) => p.tokens), color: css('--ok') }]}
        />
      </div>
      <div class="card">
        <h2>Tools since {new Date(usage.since).toLocaleTimeString()}</h2>
        {tools.length === 0 ? (
          <p class="muted">No tool calls yet.</p>
        ) : (
          <table class="table" data-testid="metrics-tools">
            <thead>
              <tr>
                <th>Server</th>
                <th>Tool</th>
                <th class="num">Calls</th>
                <th class="num">Errors</th>
                <th class="num">Mean ms</th>
                <th class="num">Tokens in</th>
                <th class="num">Tokens out</th>
                <th class="num">Schema tokens</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {tools.map((t) => (
                <tr key={`${t.server}/${t.tool}`} data-testid={`tool-row-${t.server}-${t.tool}`}>
                  <td>{t.server || '—'}</td>
                  <td>
                    <button
                      type="button"
                      class="link"
                      title="chart this tool"
                      aria-pressed={tool === `${t.server}/${t.tool}`}
                      onClick={() => setQuery('tool', `${t.server}/${t.tool}`)}
                    >
                      <code>{t.tool}</code>
                    </button>
                  </td>
                  <td class="num">{fmt(t.calls)}</td>
                  <td class="num">{fmt(t.errors)}</td>
                  <td class="num">{(t.totalMs / t.calls).toFixed(1)}</td>
                  <td class="num">{fmt(t.inputTokens)}</td>
                  <td class="num">{fmt(t.outputTokens)}</td>
                  <td class="num">{fmt(schemaOf.get(`${t.server}\0${t.tool}`) ?? 0)}</td>
                  <td>
                    <a
                      href={`/traces?tool=${encodeURIComponent(t.tool)}`}
                      onClick={(e) => {
                        e.preventDefault();
                        navigate(`/traces?tool=${encodeURIComponent(t.tool)}`);
                      }}
                    >
                      traces
                    </a>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
    </section>
  );
}
