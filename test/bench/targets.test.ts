// The targets table a user reads in bench/results/latest.md: a quick run says which targets it did
// not evaluate instead of judging them at other concurrencies, and a peer that was not measured is
// named rather than silently left out of "best peer".
import { describe, expect, it } from 'vitest';
import type { Report, Row, Scenario } from '../../bench/lib/report.js';
import { checkTargets, toMarkdown } from '../../bench/lib/report.js';

function row(path: Row['path'], values: Record<string, number>, status: Row['status'] = 'ok'): Row {
  return { path, label: path, status, values };
}

function echo(c: number, rows: Row[]): Scenario {
  return {
    id: `echo-everything-c${c}`,
    title: `tools/call echo (everything), ${c} concurrent sessions`,
    description: '',
    metrics: [],
    rows,
    ratios: [],
    notes: [],
  };
}

function report(mode: 'quick' | 'full', scenarios: Scenario[]): Report {
  return {
    meta: {
      date: '2026-12-02',
      mode,
      command: 'npm run bench',
      node: 'v22',
      cpus: 2,
      cpuModel: 'cpu',
      totalMemGiB: 8,
      durationSec: 1,
      loadAvg1m: { before: 1, after: 1 },
      versions: {},
      workDir: '/tmp/x',
      gridctl: { bin: 'bin/gridctl.js', commit: 'abc' },
    },
    paths: [],
    scenarios,
    processes: [],
    stopIssues: [],
    errors: [],
  };
}

describe('bench targets', () => {
  it('a quick run marks the 1- and 32-session, start-up and memory targets not evaluated', () => {
    const r = report('quick', [echo(4, [row('gridctl', { p50: 1, cps: 100, proxyCpu: 200 })])]);
    const t = checkTargets(r).filter((x) => x.source === 'issue');
    expect(t.length).toBeGreaterThan(0);
    for (const x of t) {
      expect(x.met, x.target).toBeNull();
      expect(x.why, x.target).toBeTruthy();
    }
    const md = toMarkdown(r);
    expect(md).toContain('not evaluated: quick run has no 32-session scenario');
    expect(md).toContain('## Other comparisons (added by the harness, not targets of the issue)');
  });

  it('names an unmeasured peer next to the best peer', () => {
    const r = report('full', [
      echo(32, [
        row('gridctl', { cps: 3000, proxyCpu: 100 }),
        row('mcp-hub', { cps: 1000, proxyCpu: 300 }),
        row('mcp-proxy', { cps: 1200, proxyCpu: 250 }),
        row('supergateway', {}, 'unavailable'),
      ]),
    ]);
    const cps = checkTargets(r).find((x) => x.target.startsWith('32 sessions: calls/s'))!;
    expect(cps.reference).toContain('mcp-proxy 1200 calls/s');
    expect(cps.reference).toContain('not measured: supergateway');
    expect(cps.met).toBe(true);
  });
});
