// The skill problem and error codes and docs/skills.md's tables list the same codes the same way.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SKILL_ERRORS, SKILL_ISSUES } from './issues.js';

const doc = readFileSync(resolve(import.meta.dirname, '../../docs/skills.md'), 'utf8');

function rows(marker: string): string[][] {
  const start = doc.indexOf(`<!-- ${marker}:start -->`);
  const end = doc.indexOf(`<!-- ${marker}:end -->`);
  expect(start, `docs/skills.md has the ${marker} table`).toBeGreaterThan(0);
  return doc
    .slice(start, end)
    .split('\n')
    .filter((l) => l.startsWith('| `'))
    .map((l) =>
      l
        .slice(1, -1)
        .split(' | ')
        .map((c) => c.trim()),
    );
}

describe('skill codes', () => {
  it('match docs/skills.md row for row', () => {
    expect(rows('skill-issues')).toEqual(
      Object.entries(SKILL_ISSUES).map(([code, e]) => [`\`${code}\``, e.severity, e.summary]),
    );
    expect(rows('skill-errors')).toEqual(Object.entries(SKILL_ERRORS).map(([code, m]) => [`\`${code}\``, m]));
  });
});
