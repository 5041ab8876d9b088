// docs/performance.md's figures are generated from bench/results/latest.json (bench/doc.ts): the
// doc's block must be exactly what the json renders to, so a new run cannot leave stale figures.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BEGIN, DOC, END, JSON_FILE, renderFigures, updateDoc } from '../../bench/doc.js';
import type { Report } from '../../bench/lib/report.js';

describe('docs/performance.md figures', () => {
  const report = JSON.parse(readFileSync(JSON_FILE, 'utf8')) as Report;
  const doc = readFileSync(DOC, 'utf8');

  it('match bench/results/latest.json (regenerate with `npx tsx bench/doc.ts`)', () => {
    const block = doc.slice(doc.indexOf(BEGIN), doc.indexOf(END) + END.length);
    expect(block).toBe(renderFigures(report));
  });

  it("quote the run's own figures: its commit and gridctl's 1-session p50 and CPU per call", () => {
    const block = renderFigures(report);
    expect(block).toContain(`commit \`${report.meta.gridctl?.commit}\``);
    const c1 = report.scenarios.find((s) => s.id === 'echo-everything-c1');
    const g = c1?.rows.find((r) => r.path === 'gridctl')?.values;
    expect(g).toBeDefined();
    const row = block.split('\n').find((l) => l.startsWith('| gridctl |'));
    expect(row).toContain(`| ${g!.p50!.toFixed(3)} |`);
    expect(row).toContain(`| ${Math.round(g!.proxyCpu!)} |`);
  });

  it('replaces only the block between the markers', () => {
    const changed = updateDoc(`before\n${BEGIN}\nold\n${END}\nafter\n`, `${BEGIN}\nnew\n${END}`);
    expect(changed).toBe(`before\n${BEGIN}\nnew\n${END}\nafter\n`);
    expect(() => updateDoc('no markers', 'x')).toThrow(/no generated block/);
  });
});
