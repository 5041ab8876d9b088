// Runs the benchmark harness in --quick mode so it never rots: every path has rows with positive
// figures, the files are written, and no process the harness started outlives it. No timing assertions.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Report } from '../../bench/lib/report.js';
import { processesMatching, processTable } from '../support/processes.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
const ALL_PATHS = ['stdio-direct', 'http-floor', 'gridctl', 'supergateway', 'mcp-proxy', 'mcp-hub'];

describe('bench --quick', () => {
  const out = mkdtempSync(join(tmpdir(), 'gridctl-bench-test-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('measures every path, writes the report, and leaves no process behind', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/run.ts', '--quick', '--out', out], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => {
      output += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      output += c.toString();
    });
    const code = await new Promise<number | null>((res) => child.once('exit', (c) => res(c)));
    expect(code, output.slice(-3000)).toBe(0);

    for (const f of ['latest.json', 'latest.md', 'latest.svg'])
      expect(existsSync(join(out, f)), f).toBe(true);
    const report = JSON.parse(readFileSync(join(out, 'latest.json'), 'utf8')) as Report;
    expect(report.meta.mode).toBe('quick');
    expect(readFileSync(join(out, 'latest.svg'), 'utf8')).toMatch(
      /^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/,
    );
    expect(readFileSync(join(out, 'latest.md'), 'utf8')).toContain('## tools/call echo');

    // gridctl is measured from its build (dist/, made by `npm ci` / `npm run build`): a stale or missing
    // build shows up here as "unavailable" with the reason.
    const gridctl = report.paths.find((p) => p.path === 'gridctl');
    expect(gridctl).toBeDefined();
    expect(gridctl!.available, `gridctl unavailable: ${gridctl!.reason} (run \`npm run build\`?)`).toBe(true);

    const echo = report.scenarios.filter((s) => s.id.startsWith('echo-everything-'));
    expect(echo.length).toBeGreaterThan(0);
    for (const s of echo) {
      expect(s.rows.map((r) => r.path).sort()).toEqual([...ALL_PATHS].sort());
      for (const r of s.rows) {
        expect(r.status, `${s.id} ${r.path}: ${r.note ?? ''}`).toBe('ok');
        for (const m of s.metrics) {
          // a floor has no proxy process, so no proxy/upstream CPU of its own
          if ((m.key === 'proxyCpu' || m.key === 'ceiling') && r.path === 'stdio-direct') continue;
          if (['proxyCpu', 'upstreamCpu', 'ceiling'].includes(m.key) && r.path === 'http-floor') continue;
          expect(r.values[m.key], `${s.id} ${r.path} ${m.key}`).toBeGreaterThan(0);
        }
      }
      expect(s.ratios.length).toBeGreaterThanOrEqual(5);
      for (const ratio of s.ratios) expect(ratio.values.p50).toBeGreaterThan(0);
    }

    // Every other scenario ran, and its measured rows carry positive figures.
    const ids = report.scenarios.map((s) => s.id);
    for (const prefix of ['peak-rss-everything', 'startup-', 'tools-list-', 'idle-sessions']) {
      expect(
        ids.some((id) => id.startsWith(prefix)),
        prefix,
      ).toBe(true);
    }
    for (const s of report.scenarios) {
      for (const r of s.rows) {
        if (r.status === 'n/a') continue;
        expect(r.status, `${s.id} ${r.path}: ${r.note ?? ''}`).toBe('ok');
        for (const m of s.metrics) {
          const v = r.values[m.key];
          // floors have no proxy process: no proxy CPU or RSS of their own
          if (v === null && (r.path === 'stdio-direct' || r.path === 'http-floor')) continue;
          if (m.key === 'perSession' || m.key === 'perSessionAll') expect(typeof v).toBe('number');
          else if (m.key === 'children') expect(v).toBeGreaterThanOrEqual(1);
          else expect(v, `${s.id} ${r.path} ${m.key}`).toBeGreaterThan(0);
        }
      }
    }

    // The token scenario: real results re-encoded by the gateway's own converter, counted by a real
    // tokenizer. TOON beats the servers' JSON on the memory graph, CSV on the flat relation list;
    // plain-text results are left alone; a scoped tools/list is smaller than the whole catalogue.
    const md = readFileSync(join(out, 'latest.md'), 'utf8');
    expect(md).toContain('## Tokens of real tool results: json vs toon vs csv');
    expect(md).toContain('## tools/list with and without client scoping');
    const tokens = report.tokens!;
    const row = (prefix: string) => tokens.results.find((r) => r.call.startsWith(prefix))!;
    const graph = row('memory__read_graph');
    expect(graph.tokens.toon).toBeLessThan(graph.tokens.compact);
    expect(graph.unchanged).toEqual(['csv']);
    const relations = row('memory__create_relations');
    expect(relations.tokens.csv).toBeLessThan(relations.tokens.compact);
    expect(relations.unchanged).toEqual([]);
    expect(row('fs__search_files').unchanged).toEqual(['toon', 'csv']);
    for (const r of tokens.results) expect(r.tokens.json, r.call).toBeGreaterThan(0);
    const [all, oneServer] = tokens.lists;
    expect(all!.tools).toBeGreaterThan(oneServer!.tools);
    expect(oneServer!.tokens).toBeLessThan(all!.tokens);

    // Nothing it started survives: not the proxies, not the upstreams they spawned. (Match pid and
    // command line, so a recycled pid or another bench run on the same machine is not mistaken for ours.)
    expect(report.processes.length).toBeGreaterThan(5);
    const norm = (s: string) => s.replace(/\s+/g, ' ').trim();
    const live = new Map(processTable().map((p) => [p.pid, norm(p.cmdline)]));
    const survivors = report.processes.filter((p) => live.get(p.pid) === norm(p.cmdline));
    expect(survivors).toEqual([]);
    expect(report.meta.workDir).toContain('gridctl-bench-');
    expect(processesMatching(report.meta.workDir)).toEqual([]);
    expect(report.errors).toEqual([]);
  }, 180_000); // ~60–95 s on a shared 2-core machine
});
