// A hand-written SVG chart: one horizontal bar panel per headline metric, one bar per path.
import type { Report, Row, Scenario } from './report.js';

interface Panel {
  title: string;
  scenario: Scenario;
  key: string;
}

const COLORS: Record<string, string> = { gridctl: '#1f6feb', floor: '#8c959f', peer: '#d4a72c' };

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function fmt(v: number, unit: string): string {
  const n = Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2);
  return `${unit === 'calls/s' ? Math.round(v).toLocaleString('en-US') : n} ${unit}`;
}

/** Memory that a per-session figure leaves out (supergateway's upstream process per session). */
function extraNote(r: Row, key: string): string {
  if (key !== 'perSession') return '';
  const own = r.values.perSession;
  const all = r.values.perSessionAll;
  if (own == null || all == null || all - own < 1024) return '';
  return ` (+${((all - own) / 1024).toFixed(0)} MB upstream process per session)`;
}

function pickPanels(report: Report): Panel[] {
  const byPrefix = (prefix: string) => report.scenarios.filter((s) => s.id.startsWith(prefix));
  const panels: Panel[] = [];
  const echo = byPrefix('echo-everything-c');
  const first = echo[0];
  const last = echo[echo.length - 1];
  if (first)
    panels.push({ title: `echo p50 latency — ${first.title.split(', ')[1]}`, scenario: first, key: 'p50' });
  if (first)
    panels.push({ title: `echo p99 latency — ${first.title.split(', ')[1]}`, scenario: first, key: 'p99' });
  if (last) panels.push({ title: `echo calls/s — ${last.title.split(', ')[1]}`, scenario: last, key: 'cps' });
  if (last)
    panels.push({
      title: `proxy CPU per echo call — ${last.title.split(', ')[1]}`,
      scenario: last,
      key: 'proxyCpu',
    });
  const rss = byPrefix('peak-rss-everything')[0];
  if (rss) panels.push({ title: 'proxy peak RSS under echo load', scenario: rss, key: 'self' });
  const startups = byPrefix('startup-');
  const startup = startups.find((s) => s.id === 'startup-10') ?? startups[startups.length - 1];
  if (startup) panels.push({ title: startup.title, scenario: startup, key: 'ms' });
  const list = byPrefix('tools-list-')[0];
  if (list) panels.push({ title: `${list.title} — p50`, scenario: list, key: 'p50' });
  const idle = byPrefix('idle-sessions')[0];
  if (idle)
    panels.push({ title: `${idle.title} — RSS growth per session`, scenario: idle, key: 'perSession' });
  return panels;
}

export function toSvg(report: Report): string {
  const width = 960;
  const labelW = 190;
  const barMax = width - labelW - 250;
  const rowH = 22;
  const parts: string[] = [];
  let y = 72;
  for (const panel of pickPanels(report)) {
    const metric = panel.scenario.metrics.find((m) => m.key === panel.key);
    if (!metric) continue;
    const rows = panel.scenario.rows;
    const values = rows.map((r) => (r.status === 'ok' ? (r.values[panel.key] ?? null) : null));
    const max = Math.max(1e-9, ...values.map((v) => v ?? 0));
    const grid = values[rows.findIndex((r) => r.path === 'gridctl')] ?? null;
    parts.push(
      `<text x="16" y="${y}" font-size="14" font-weight="bold">${esc(panel.title)}</text>`,
      `<text x="${width - 16}" y="${y}" font-size="11" text-anchor="end" fill="#57606a">${metric.better} is better</text>`,
    );
    y += 10;
    rows.forEach((r, i) => {
      const v = values[i];
      const top = y + i * rowH;
      const kind =
        r.path === 'gridctl'
          ? 'gridctl'
          : r.path === 'stdio-direct' || r.path === 'http-floor'
            ? 'floor'
            : 'peer';
      parts.push(
        `<text x="${labelW - 8}" y="${top + 15}" font-size="12" text-anchor="end">${esc(r.label)}</text>`,
      );
      if (v == null) {
        parts.push(
          `<text x="${labelW + 4}" y="${top + 15}" font-size="11" fill="#8c959f">${r.status === 'unavailable' ? 'unavailable' : 'n/a'}</text>`,
        );
        return;
      }
      const w = Math.max(1, (v / max) * barMax);
      parts.push(
        `<rect x="${labelW}" y="${top + 3}" width="${w.toFixed(1)}" height="${rowH - 6}" fill="${COLORS[kind]}" rx="2"/>`,
        `<text x="${(labelW + w + 6).toFixed(1)}" y="${top + 15}" font-size="11" xml:space="preserve">${esc(fmt(v, metric.unit))}${extraNote(r, panel.key)}${
          grid != null && r.path !== 'gridctl' && v > 0
            ? `<tspan fill="#57606a">  · gridctl ÷ this ${(grid / v).toFixed(2)}×</tspan>`
            : ''
        }</text>`,
      );
    });
    y += rows.length * rowH + 30;
  }
  const m = report.meta;
  const height = y;
  const legend = [
    ['gridctl', COLORS.gridctl],
    ['floors (no gateway)', COLORS.floor],
    ['peer gateways', COLORS.peer],
  ]
    .map(
      ([name, color], i) =>
        `<rect x="${16 + i * 170}" y="${height - 22}" width="12" height="12" fill="${color}"/><text x="${32 + i * 170}" y="${height - 12}" font-size="11">${esc(name!)}</text>`,
    )
    .join('');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height + 8}" viewBox="0 0 ${width} ${height + 8}" font-family="Helvetica, Arial, sans-serif">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="16" y="26" font-size="18" font-weight="bold">gridctl benchmark (${esc(m.mode)})</text>`,
    `<text x="16" y="42" font-size="11" fill="#57606a">${esc(`${m.date} · Node ${m.node} · ${m.cpus} CPUs · load average ${m.loadAvg1m?.before ?? '?'} → ${m.loadAvg1m?.after ?? '?'} · loopback · shared machine: compare ratios, not absolutes`)}</text>`,
    ...parts,
    legend,
    '</svg>',
    '',
  ].join('\n');
}
