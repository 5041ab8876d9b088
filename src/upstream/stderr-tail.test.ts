import { describe, expect, it } from 'vitest';
import { StderrTail, TAIL_BYTES, TAIL_LINES } from './stderr-tail.js';

describe('StderrTail', () => {
  it('keeps the newest lines, at most TAIL_LINES, and skips blank ones', () => {
    const t = new StderrTail();
    for (let i = 0; i < 50; i++) t.push(`line ${i}`);
    t.push('   ');
    const kept = t.snapshot();
    expect(kept).toHaveLength(TAIL_LINES);
    expect(kept.at(0)).toBe(`line ${50 - TAIL_LINES}`);
    expect(kept.at(-1)).toBe('line 49');
  });

  it('stays under TAIL_BYTES, cutting one huge line instead of dropping everything else', () => {
    const t = new StderrTail();
    t.push('before');
    t.push('é'.repeat(100_000));
    t.push('after');
    const kept = t.snapshot();
    expect(Buffer.byteLength(kept.join(''))).toBeLessThanOrEqual(TAIL_BYTES);
    expect(kept.at(-1)).toBe('after');
    expect(kept.at(-2)).toMatch(/^é+… \[cut\]$/);
  });
});
