// The report: one table per scenario (figures per path) plus the ratios gridctl/peer and
// gridctl/floor, as JSON and Markdown.

import { type ObservabilityCost, observabilityMarkdown } from './observability.js';
import type { PathId } from './paths.js';
import type { TokenReport } from './tokens.js';

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
    /** the run's temp directory (stack files, homes); removed at the end, and in every gridctl/mcp-hub command line */
    workDir: string;
    /** the gridctl build measured, and the checkout's commit */
    gridctl: { bin: string; commit: string };
  };
  paths: PathStatus[];
  scenarios: Scenario[];
  /** output formats and client scoping in tokens (absent in reports from before the scenario) */
  tokens?: TokenReport;
  /** metrics and tracing on vs off (absent in reports from before the scenario) */
  observability?: ObservabilityCost;
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

export interface TargetCheck {
  target: string;
  gridctl: string;
  reference: string;
  /** null = not evaluated in this run (`why` says why) */
  met: boolean | null;
  why?: string;
  /** 'issue' = a target of issue 22; 'harness' = an extra comparison the harness adds */
  source: 'issue' | 'harness';
}

function scen(report: Report, id: string): Scenario | undefined {
  return report.scenarios.find((s) => s.id === id);
}

function val(s: Scenario | undefined, path: PathId, key: string): number | null {
  const r = s?.rows.find((x) => x.path === path && x.status === 'ok');
  const v = r?.values[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

const PEERS: PathId[] = ['supergateway', 'mcp-proxy', 'mcp-hub'];

/** The best measured peer, and the peers that were not measured (named, never silently dropped). */
function bestPeer(
  s: Scenario | undefined,
  key: string,
  better: 'lower' | 'higher',
): { best: { path: PathId; v: number } | null; missing: PathId[] } {
  let best: { path: PathId; v: number } | null = null;
  const missing: PathId[] = [];
  for (const p of PEERS) {
    const v = val(s, p, key);
    if (v == null) {
      missing.push(p);
      continue;
    }
    if (!best || (better === 'lower' ? v < best.v : v > best.v)) best = { path: p, v };
  }
  return { best, missing };
}

function missingNote(missing: PathId[]): string {
  return missing.length ? ` (not measured: ${missing.map((p) => PATH_LABEL[p]).join(', ')})` : '';
}

/** Targets checked against this run (goals for the product, not test assertions). */
export function checkTargets(report: Report): TargetCheck[] {
  const out: TargetCheck[] = [];
  const quick = report.meta.mode === 'quick';
  const f = (v: number | null, digits = 2) => (v == null ? '—' : v.toFixed(digits));
  const notEvaluated = (target: string, why: string, source: 'issue' | 'harness' = 'issue') =>
    out.push({ target, gridctl: '—', reference: '—', met: null, why, source });
  // judged only at the concurrency the target names: a quick run's 4 sessions are not 1 or 32
  const c1 = scen(report, 'echo-everything-c1');
  const c32 = scen(report, 'echo-everything-c32');

  if (c1) {
    const g = val(c1, 'gridctl', 'p50');
    const a = val(c1, 'stdio-direct', 'p50');
    const b = val(c1, 'http-floor', 'p50');
    const over = g != null && a != null && b != null ? g - (a + b) : null;
    out.push({
      target: '1 session echo: p50 ≤ the two floors added + 0.3 ms',
      gridctl: `${f(g, 3)} ms (floors ${f(a, 3)} + ${f(b, 3)} ms; +${f(over, 3)} ms)`,
      reference: '≤ +0.300 ms',
      met: over == null ? null : over <= 0.3,
      source: 'issue',
    });
    const cpu = val(c1, 'gridctl', 'proxyCpu');
    out.push({
      target: '1 session echo: gateway CPU per call ≤ 250 µs',
      gridctl: `${f(cpu, 0)} µs`,
      reference: '≤ 250 µs',
      met: cpu == null ? null : cpu <= 250,
      source: 'issue',
    });
  } else {
    const why = quick ? 'quick run has no 1-session scenario' : 'no 1-session echo scenario in this run';
    notEvaluated('1 session echo: p50 ≤ the two floors added + 0.3 ms', why);
    notEvaluated('1 session echo: gateway CPU per call ≤ 250 µs', why);
  }
  if (c32) {
    const cpu = val(c32, 'gridctl', 'proxyCpu');
    out.push({
      target: '32 sessions: gateway CPU per call ≤ 120 µs',
      gridctl: `${f(cpu, 1)} µs`,
      reference: '≤ 120 µs',
      met: cpu == null ? null : cpu <= 120,
      source: 'issue',
    });
    const g = val(c32, 'gridctl', 'cps');
    const { best, missing } = bestPeer(c32, 'cps', 'higher');
    out.push({
      target: "32 sessions: calls/s ≥ 2× the best peer's (SDK-client load: the client may saturate first)",
      gridctl: `${f(g, 0)} calls/s`,
      reference:
        (best
          ? `${PATH_LABEL[best.path]} ${f(best.v, 0)} calls/s (ratio ${f(g != null ? g / best.v : null)})`
          : 'no peer measured') + missingNote(missing),
      met: g == null || !best ? null : g >= 2 * best.v,
      ...(!best ? { why: 'no peer measured' } : {}),
      source: 'issue',
    });
  } else {
    const why = quick ? 'quick run has no 32-session scenario' : 'no 32-session echo scenario in this run';
    notEvaluated('32 sessions: gateway CPU per call ≤ 120 µs', why);
    notEvaluated("32 sessions: calls/s ≥ 2× the best peer's", why);
  }
  const list = scen(report, 'tools-list-20x100-c1');
  if (list) {
    const g = val(list, 'gridctl', 'p50');
    const floor = val(list, 'http-floor', 'p50');
    const hub = val(list, 'mcp-hub', 'p50');
    out.push({
      target: 'tools/list of 2,000 tools: p50 ≤ the HTTP floor × 1.2',
      gridctl: `${f(g, 2)} ms`,
      reference: `HTTP floor ${f(floor, 2)} ms (ratio ${f(g != null && floor ? g / floor : null)})`,
      met: g == null || floor == null ? null : g <= floor * 1.2,
      source: 'issue',
    });
    out.push({
      target: 'tools/list of 2,000 tools: ahead of mcp-hub',
      gridctl: `${f(g, 2)} ms`,
      reference:
        hub == null
          ? 'mcp-hub not measured'
          : `mcp-hub ${f(hub, 2)} ms (ratio ${f(g != null ? g / hub : null)})`,
      met: g == null || hub == null ? null : g < hub,
      ...(hub == null ? { why: 'mcp-hub not measured' } : {}),
      source: 'issue',
    });
  } else {
    notEvaluated(
      'tools/list of 2,000 tools: p50 ≤ the HTTP floor × 1.2 and ahead of mcp-hub',
      quick ? 'quick run lists a smaller catalogue' : 'no 20 × 100 tools/list scenario in this run',
    );
  }
  for (const n of [10, 30]) {
    const st = scen(report, `startup-${n}`);
    const target = `apply → ready of ${n} servers ≤ 1.05× the floor of starting them in parallel`;
    if (!st) {
      notEvaluated(
        target,
        quick ? 'quick run has no start-up scenario' : `no startup-${n} scenario in this run`,
      );
      continue;
    }
    const g = val(st, 'gridctl', 'ms');
    const floor = val(st, 'stdio-direct', 'ms');
    out.push({
      target,
      gridctl: `${f(g, 0)} ms`,
      reference: `floor ${f(floor, 0)} ms (ratio ${f(g != null && floor ? g / floor : null)}); mcp-hub ${f(val(st, 'mcp-hub', 'ms'), 0)} ms`,
      met: g == null || floor == null ? null : g <= floor * 1.05,
      source: 'issue',
    });
  }
  const idle = scen(report, 'idle-sessions');
  if (idle) {
    const g = val(idle, 'gridctl', 'perSession');
    out.push({
      target: 'memory: ≤ 30 KB per idle session',
      gridctl: `${f(g, 1)} KB`,
      reference: PEERS.map((p) => {
        const own = val(idle, p, 'perSession');
        const all = val(idle, p, 'perSessionAll');
        const extra =
          own != null && all != null && all - own > 1024
            ? ` (+${f((all - own) / 1024, 0)} MB of upstream process)`
            : '';
        return own == null ? `${PATH_LABEL[p]} not measured` : `${PATH_LABEL[p]} ${f(own, 1)} KB${extra}`;
      }).join('; '),
      met: g == null ? null : g <= 30,
      source: 'issue',
    });
  } else notEvaluated('memory: ≤ 30 KB per idle session', 'no idle-sessions scenario in this run');
  const st10 = scen(report, 'startup-10');
  if (st10) {
    const r = val(st10, 'gridctl', 'rss');
    out.push({
      target: 'memory: RSS with ten idle servers ≤ 80 MB',
      gridctl: `${f(r, 1)} MB`,
      reference: `mcp-hub ${f(val(st10, 'mcp-hub', 'rss'), 1)} MB`,
      met: r == null ? null : r <= 80,
      source: 'issue',
    });
  } else
    notEvaluated(
      'memory: RSS with ten idle servers ≤ 80 MB',
      quick ? 'quick run has no 10-server start-up scenario' : 'no startup-10 scenario in this run',
    );

  // Extra comparisons the harness adds (not targets of the issue), at the lowest and highest concurrency run.
  const echoIds = report.scenarios.filter((s) => s.id.startsWith('echo-everything-c')).map((s) => s.id);
  const low = scen(report, echoIds[0] ?? '');
  if (low) {
    const g = val(low, 'gridctl', 'p50');
    const { best, missing } = bestPeer(low, 'p50', 'lower');
    out.push({
      target: `p50 at ${low.title.split(', ')[1]} at most half the best peer's`,
      gridctl: `${f(g, 3)} ms`,
      reference:
        (best
          ? `${PATH_LABEL[best.path]} ${f(best.v, 3)} ms (ratio ${f(g != null ? g / best.v : null)})`
          : 'no peer measured') + missingNote(missing),
      met: g == null || !best ? null : g <= best.v / 2,
      source: 'harness',
    });
  }
  const high = scen(report, echoIds[echoIds.length - 1] ?? '');
  if (high) {
    const gc = val(high, 'gridctl', 'proxyCpu');
    const { best, missing } = bestPeer(high, 'proxyCpu', 'lower');
    out.push({
      target: `proxy CPU per call at ${high.title.split(', ')[1]} at most half the best peer's`,
      gridctl: `${f(gc, 0)} µs`,
      reference:
        (best
          ? `${PATH_LABEL[best.path]} ${f(best.v, 0)} µs (ratio ${f(gc != null ? gc / best.v : null)})`
          : 'no peer measured') + missingNote(missing),
      met: gc == null || !best ? null : gc <= best.v / 2,
      source: 'harness',
    });
  }
  return out;
}

const PATH_LABEL: Record<PathId, string> = {
  'stdio-direct': 'stdio floor',
  'http-floor': 'HTTP floor',
  gridctl: 'gridctl',
  supergateway: 'supergateway',
  'mcp-proxy': 'mcp-proxy',
  'mcp-hub': 'mcp-hub',
};

function targetTable(rows: TargetCheck[]): string {
  const lines = ['| Target | gridctl | Reference | Met |', '|---|---|---|---|'];
  for (const t of rows) {
    const met = t.met == null ? `not evaluated${t.why ? `: ${t.why}` : ''}` : t.met ? 'yes' : '**no**';
    lines.push(`| ${cell(t.target)} | ${cell(t.gridctl)} | ${cell(t.reference)} | ${cell(met)} |`);
  }
  return lines.join('\n');
}

/** The issue's targets table. */
export function targetsMarkdown(report: Report): string {
  return targetTable(checkTargets(report).filter((t) => t.source === 'issue'));
}

/** Comparisons the harness adds on its own (not from the issue). */
export function harnessChecksMarkdown(report: Report): string {
  return targetTable(checkTargets(report).filter((t) => t.source === 'harness'));
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
  if (m.gridctl)
    out.push(`gridctl measured: \`${m.gridctl.bin}\` built from commit ${m.gridctl.commit}.`, '');
  out.push(
    'Ratios are gridctl ÷ the other path, per metric. For latency and memory lower is better (ratio < 1 means gridctl is ahead); for calls/s higher is better (ratio > 1 means gridctl is ahead). The machine is shared and noisy: quote ratios, not absolute figures.',
  );
  out.push('');
  out.push('## Targets (from issue 22) in this run');
  out.push('');
  out.push(targetsMarkdown(report));
  out.push('');
  out.push('## Other comparisons (added by the harness, not targets of the issue)');
  out.push('');
  out.push(harnessChecksMarkdown(report));
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
  if (report.tokens) out.push(...tokensMarkdown(report.tokens));
  if (report.observability) out.push(...observabilityMarkdown(report.observability));
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

function tokensMarkdown(t: TokenReport): string[] {
  const out: string[] = [];
  const ratio = (a: number, b: number) => fmtRatio(b > 0 ? a / b : null);
  const same = (r: TokenReport['results'][number], f: 'toon' | 'csv') =>
    r.unchanged.includes(f) ? ' =' : '';
  out.push('## Tokens of real tool results: json vs toon vs csv', '');
  out.push(`Tokenizer: ${t.tokenizer}. Ratios are format ÷ json tokens (lower is better).`, '');
  out.push(
    '| Result | JSON bytes | json tokens | compact json | toon tokens | csv tokens | toon ÷ json | csv ÷ json | toon ÷ compact | toon ÷ json (o200k) | csv ÷ json (o200k) |',
  );
  out.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  type R = TokenReport['results'][number];
  const total: R = {
    call: '**all of the above**',
    bytes: 0,
    tokens: { json: 0, compact: 0, toon: 0, csv: 0 },
    tokensO200k: { json: 0, compact: 0, toon: 0, csv: 0 },
    unchanged: [],
  };
  for (const r of t.results) {
    total.bytes += r.bytes;
    for (const k of ['json', 'compact', 'toon', 'csv'] as const) {
      total.tokens[k] += r.tokens[k];
      total.tokensO200k[k] += r.tokensO200k[k];
    }
  }
  for (const r of [...t.results, total]) {
    const c = r.tokens;
    const o = r.tokensO200k;
    out.push(
      `| ${cell(r.call)} | ${fmt(r.bytes, 'count')} | ${fmt(c.json, 'count')} | ${fmt(c.compact, 'count')} | ${fmt(c.toon, 'count')}${same(r, 'toon')} | ${fmt(c.csv, 'count')}${same(r, 'csv')} | ${ratio(c.toon, c.json)} | ${ratio(c.csv, c.json)} | ${ratio(c.toon, c.compact)} | ${ratio(o.toon, o.json)} | ${ratio(o.csv, o.json)} |`,
    );
  }
  out.push('');
  out.push('## tools/list with and without client scoping, and with code mode', '');
  out.push('| View | Tools | Bytes | Tokens | Tokens (o200k) | Tokens ÷ its unscoped list |');
  out.push('|---|---:|---:|---:|---:|---:|');
  for (const l of t.lists) {
    const base = l.base
      ? t.lists.find((x) => x.view === l.base)
      : l.view.startsWith('122 tools')
        ? l
        : t.lists[0];
    out.push(
      `| ${cell(l.view)} | ${l.tools} | ${fmt(l.bytes, 'count')} | ${fmt(l.tokens, 'count')} | ${fmt(l.tokensO200k, 'count')} | ${base ? ratio(l.tokens, base.tokens) : '—'} |`,
    );
  }
  out.push('');
  for (const n of t.notes) out.push(`- ${n}`);
  out.push('');
  return out;
}
