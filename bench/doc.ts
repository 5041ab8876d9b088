// `npx tsx bench/doc.ts [--check]`
// docs/performance.md's figures come from bench/results/latest.json: this renders them into the
// block between the two markers (and nothing else in the file). `--check` only compares, exit 1
// when the doc is out of date; test/bench/doc.test.ts runs the same comparison on every `npm test`.
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { PathId } from './lib/paths.js';
import { computeRatios, type Report, type Scenario, targetsMarkdown } from './lib/report.js';

const ROOT = resolve(import.meta.dirname, '..');
export const DOC = join(ROOT, 'docs/performance.md');
export const JSON_FILE = join(ROOT, 'bench/results/latest.json');
export const BEGIN =
  '<!-- figures: generated from bench/results/latest.json by `npx tsx bench/doc.ts`; do not edit -->';
export const END = '<!-- end of generated figures -->';

const LABEL: Record<PathId, string> = {
  'stdio-direct': 'floor: stdio direct',
  'http-floor': 'floor: HTTP responder',
  gridctl: 'gridctl',
  supergateway: 'supergateway',
  'mcp-proxy': 'mcp-proxy',
  'mcp-hub': 'mcp-hub',
};
const PEERS: PathId[] = ['supergateway', 'mcp-proxy', 'mcp-hub'];

function num(v: number | null | undefined, digits: number): string {
  if (v == null || !Number.isFinite(v)) return '—';
  return v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function value(s: Scenario | undefined, path: PathId, key: string): number | null {
  const r = s?.rows.find((x) => x.path === path && x.status === 'ok');
  const v = r?.values[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function ratio(a: number | null, b: number | null): string {
  return a == null || b == null || b === 0 ? '—' : `${num(a / b, 2)}×`;
}

/** The generated block (markers included). */
export function renderFigures(input: Report): string {
  const report: Report = structuredClone(input);
  for (const s of report.scenarios) computeRatios(s);
  const m = report.meta;
  const byId = (id: string) => report.scenarios.find((s) => s.id === id);
  const out: string[] = [BEGIN, ''];
  out.push(
    `Run of ${m.date.slice(0, 10)} (\`${m.command}\`, ${m.mode}), gridctl built from commit \`${m.gridctl?.commit ?? 'unknown'}\`; Node ${m.node}, ${m.cpus} × ${m.cpuModel}; ${Math.round(m.durationSec)} s; load average ${m.loadAvg1m.before} → ${m.loadAvg1m.after}. Full tables: [\`bench/results/latest.md\`](../bench/results/latest.md).`,
  );
  out.push('');
  out.push("**The issue's targets in that run:**", '', targetsMarkdown(report), '');

  const echo = report.scenarios.filter((s) => s.id.startsWith('echo-everything-c'));
  if (echo.length > 0) {
    out.push('**Echo through each path** (`server-everything`; ms, calls/s, µs of proxy CPU per call):', '');
    const heads = echo.map((s) => s.id.slice('echo-everything-c'.length));
    out.push(
      `| Path | ${heads.map((c) => `p50 @${c} | calls/s @${c} | CPU/call @${c}`).join(' | ')} |`,
      `|---|${heads.map(() => '---:|---:|---:').join('|')}|`,
    );
    for (const path of report.paths.map((p) => p.path)) {
      const cells = echo.map(
        (s) =>
          `${num(value(s, path, 'p50'), 3)} | ${num(value(s, path, 'cps'), 0)} | ${num(value(s, path, 'proxyCpu'), 0)}`,
      );
      out.push(`| ${LABEL[path]} | ${cells.join(' | ')} |`);
    }
    out.push('');
    const c1 = byId('echo-everything-c1');
    if (c1?.overFloors) {
      out.push(
        `At one session gridctl's p50 is ${num(c1.overFloors.p50, 3)} ms over the two floors added (p99 ${num(c1.overFloors.p99, 3)} ms).`,
        '',
      );
    }
  }

  const rows: string[] = [];
  for (const [id, what, key, unit, digits] of [
    ['startup-1', 'start → first complete tools/list, 1 server', 'ms', 'ms', 0],
    ['startup-10', 'start → first complete tools/list, 10 servers', 'ms', 'ms', 0],
    ['startup-30', 'start → first complete tools/list, 30 servers', 'ms', 'ms', 0],
    ['startup-10', 'gateway RSS, 10 idle servers', 'rss', 'MB', 1],
    ['tools-list-20x100-c1', 'tools/list of 20 × 100 tools, p50, 1 session', 'p50', 'ms', 2],
    ['tools-list-20x100-c8', 'tools/list of 20 × 100 tools, p50, 8 sessions', 'p50', 'ms', 2],
    ['idle-sessions', 'RSS per idle session', 'perSession', 'KB', 1],
  ] as const) {
    const s = byId(id);
    if (!s) continue;
    const g = value(s, 'gridctl', key);
    const floor = value(s, id.startsWith('startup') ? 'stdio-direct' : 'http-floor', key);
    const hub = value(s, 'mcp-hub', key);
    rows.push(
      `| ${what} | ${num(g, digits)} ${unit} | ${floor == null ? '—' : `${num(floor, digits)} ${unit}`} | ${ratio(g, floor)} | ${hub == null ? '—' : `${num(hub, digits)} ${unit}`} | ${ratio(g, hub)} |`,
    );
  }
  if (rows.length > 0) {
    out.push(
      '**Start-up, large catalogue, memory** (floor: the client starting the servers itself, or the HTTP responder):',
      '',
      '| Measure | gridctl | floor | ÷ floor | mcp-hub | ÷ mcp-hub |',
      '|---|---:|---:|---:|---:|---:|',
      ...rows,
      '',
    );
  }
  const missing = report.paths.filter((p) => !p.available && PEERS.includes(p.path));
  for (const p of missing) out.push(`- ${LABEL[p.path]} was not measured: ${p.reason ?? 'unavailable'}.`);
  if (missing.length > 0) out.push('');
  out.push(END);
  return out.join('\n');
}

/** The doc with its generated block replaced; throws when the markers are missing. */
export function updateDoc(doc: string, block: string): string {
  const a = doc.indexOf(BEGIN);
  const b = doc.indexOf(END);
  if (a < 0 || b < a) throw new Error(`docs/performance.md has no generated block (${BEGIN} … ${END})`);
  return doc.slice(0, a) + block + doc.slice(b + END.length);
}

function main(): number {
  const report = JSON.parse(readFileSync(JSON_FILE, 'utf8')) as Report;
  const doc = readFileSync(DOC, 'utf8');
  const next = updateDoc(doc, renderFigures(report));
  if (process.argv.includes('--check')) {
    if (next === doc) return 0;
    process.stderr.write(
      'docs/performance.md is out of date with bench/results/latest.json: run `npx tsx bench/doc.ts`\n',
    );
    return 1;
  }
  if (next !== doc) writeFileSync(DOC, next);
  process.stderr.write(`${next === doc ? 'unchanged' : 'updated'}: ${DOC}\n`);
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.exitCode = main();
}
