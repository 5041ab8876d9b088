// The report: one table per scenario (figures per path) plus the ratios gridctl/peer and
// gridctl/floor, as JSON and Markdown.
import type { PathId } from './paths.js';

export interface Metric {
  key: string;
  label: string;
  unit: 'ms' | 'calls/s' | 'MB' | 'KB' | 'count' | 's' | 'µs';
  better: 'lower' | 'higher';
  /** latency-like: the floors add up along a gateway path, so a "floors summed" comparison is meaningful */
  additive?: boolean;
}

export interface Row {
  path: PathId;
  label: string;
  status: 'ok' | 'unavailable' | 'n/a';
  /** why the row is unavailable / not applicable, or how it was measured */
  note?: string;
  values: Record<string, number | null>;
}

export interface RatioRow {
  /** e.g. "gridctl / supergateway 4.0.0" */
  label: string;
  values: Record<string, number | null>;
}

export interface Scenario {
  id: string;
  title: string;
  description: string;
  metrics: Metric[];
  rows: Row[];
  ratios: RatioRow[];
  /** gridctl minus the summed floors, for additive metrics (ms) */
  overFloors?: Record<string, number | null>;
  notes: string[];
}

export interface PathStatus {
  path: PathId;
  label: string;
  how: string;
  available: boolean;
  reason?: string;
}

export interface Report {
  meta: {
    date: string;
    mode: 'quick' | 'full';
    command: string;
    node: string;
    cpus: number;
    cpuModel: string;
    totalMemGiB: number;
    durationSec: number;
    /** 1-minute load average when the run started and ended: other work on a shared machine skews figures */
    loadAvg1m: { before: number; after: number };
    versions: Record<string, string>;
    /** the gridctl build measured, and the checkout's commit */
    gridctl: { bin: string; commit: string };
  };
  paths: PathStatus[];
  scenarios: Scenario[];
  /** every process the harness started or saw under one it started */
  processes: Array<{ pid: number; cmdline: string }>;
  /** processes that had to be SIGKILLed: a proxy that ignored SIGTERM, or upstreams that outlived it */
  stopIssues: string[];
  errors: string[];
}

export function computeRatios(s: Scenario): void {
  const grid = s.rows.find((r) => r.path === 'gridctl' && r.status === 'ok');
  s.ratios = [];
  const ratio = (a: number | null | undefined, b: number | null | undefined) =>
    a != null && b != null && b > 0 && a > 0 ? a / b : null;
  for (const r of s.rows) {
    if (r.path === 'gridctl' || r.status !== 'ok') continue;
    const values: Record<string, number | null> = {};
    for (const m of s.metrics)
      values[m.key] = m.unit === 'count' ? null : ratio(grid?.values[m.key], r.values[m.key]);
    s.ratios.push({ label: `gridctl / ${r.label}`, values });
  }
  const stdio = s.rows.find((r) => r.path === 'stdio-direct' && r.status === 'ok');
  const http = s.rows.find((r) => r.path === 'http-floor' && r.status === 'ok');
  if (stdio && http && s.metrics.some((m) => m.additive)) {
    const values: Record<string, number | null> = {};
    const over: Record<string, number | null> = {};
    for (const m of s.metrics) {
      const a = stdio.values[m.key];
      const b = http.values[m.key];
      const g = grid?.values[m.key];
      const sum = m.additive && a != null && b != null ? a + b : null;
      values[m.key] = ratio(g, sum);
      over[m.key] = m.additive && g != null && sum != null ? g - sum : null;
    }
    s.ratios.push({ label: 'gridctl / (stdio floor + HTTP floor)', values });
    s.overFloors = over;
  }
}

function fmt(v: number | null | undefined, unit?: Metric['unit']): string {
  if (v == null || !Number.isFinite(v)) return '—';
  if (unit === 'calls/s' || unit === 'count') return Math.round(v).toLocaleString('en-US');
  const abs = Math.abs(v);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
  return v.toFixed(digits);
}

function fmtRatio(v: number | null | undefined): string {
  if (v == null || !Number.isFinite(v)) return '—';
  return `${v >= 10 ? v.toFixed(1) : v >= 0.1 ? v.toFixed(2) : v.toPrecision(2)}×`;
}

function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

export function toMarkdown(report: Report): string {
  const out: string[] = [];
  const m = report.meta;
  out.push(`# gridctl benchmark results (${m.mode})`);
  out.push('');
  out.push(
    `${m.date} · \`${m.command}\` · Node ${m.node} · ${m.cpus} × ${m.cpuModel} · ${m.totalMemGiB} GiB · ${Math.round(m.durationSec)} s · load average ${m.loadAvg1m.before} → ${m.loadAvg1m.after}`,
  );
  out.push('');
  out.push(
    'Ratios are gridctl ÷ the other path, per metric. For latency and memory lower is better (ratio < 1 means gridctl is ahead); for calls/s higher is better (ratio > 1 means gridctl is ahead). The machine is shared and noisy: quote ratios, not absolute figures.',
  );
  out.push('');
  out.push('## Paths');
  out.push('');
  out.push('| Path | Status | How it is run |');
  out.push('|---|---|---|');
  for (const p of report.paths) {
    out.push(
      `| ${cell(p.label)} | ${p.available ? 'measured' : cell(`unavailable: ${p.reason ?? ''}`)} | ${cell(p.how)} |`,
    );
  }
  out.push('');
  for (const s of report.scenarios) {
    out.push(`## ${s.title}`);
    out.push('');
    out.push(s.description);
    out.push('');
    out.push(
      `| Path | ${s.metrics.map((x) => (x.label === x.unit || x.unit === 'count' ? x.label : `${x.label} (${x.unit})`)).join(' | ')} | Note |`,
    );
    out.push(`|---|${s.metrics.map(() => '---:').join('|')}|---|`);
    for (const r of s.rows) {
      const vals =
        r.status === 'ok'
          ? s.metrics.map((x) => fmt(r.values[x.key], x.unit))
          : s.metrics.map(() => (r.status === 'n/a' ? 'n/a' : 'unavailable'));
      out.push(`| ${cell(r.label)} | ${vals.join(' | ')} | ${cell(r.note ?? '')} |`);
    }
    out.push('');
    if (s.ratios.length > 0) {
      out.push(`| Ratio | ${s.metrics.map((x) => x.label).join(' | ')} |`);
      out.push(`|---|${s.metrics.map(() => '---:').join('|')}|`);
      for (const r of s.ratios) {
        out.push(`| ${cell(r.label)} | ${s.metrics.map((x) => fmtRatio(r.values[x.key])).join(' | ')} |`);
      }
      if (s.overFloors) {
        const o = s.overFloors;
        out.push(
          `| gridctl − (stdio floor + HTTP floor), ms | ${s.metrics.map((x) => (x.additive ? fmt(o[x.key], 'ms') : '')).join(' | ')} |`,
        );
      }
      out.push('');
    }
    for (const n of s.notes) out.push(`- ${n}`);
    if (s.notes.length > 0) out.push('');
  }
  if (report.stopIssues.length > 0 || report.errors.length > 0) {
    out.push('## Problems seen during the run');
    out.push('');
    for (const l of report.stopIssues) out.push(`- stop: ${l}`);
    for (const e of report.errors) out.push(`- error: ${e}`);
    out.push('');
  }
  out.push(`Processes started (or seen under one started) and verified gone: ${report.processes.length}.`);
  out.push('');
  return out.join('\n');
}
