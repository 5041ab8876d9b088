// The issue catalogue and the configuration reference list the same codes with the same severities.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ISSUE_CODES } from '../../src/config/index.js';

const docs = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');

describe('issue catalogue', () => {
  it('documents every code with its severity, and nothing else', () => {
    const rows = [...docs.matchAll(/^\|\s*`([A-Z_]+)`\s*\|\s*(error|warning|info)\s*\|/gm)].map((m) => [
      m[1],
      m[2],
    ]);
    const catalogue = Object.entries(ISSUE_CODES).map(([code, c]) => [code, c.severity]);
    expect(rows).toEqual(catalogue);
  });
});
