import { expect, it } from 'vitest';
import { readExpectedFailures, runConformance } from './run.js';

it('every expected failure has a reason', () => {
  expect(Array.isArray(readExpectedFailures())).toBe(true);
});

it('passes the official MCP conformance server suite (except listed expected failures)', async () => {
  const r = await runConformance({ timeoutMs: 170_000 });
  const summary = r.output.slice(r.output.indexOf('=== SUMMARY ==='));
  expect(r.code, summary || r.output.slice(-4000)).toBe(0);
  expect(summary).toMatch(/Total: \d+ passed/);
}, 180_000);
