import { describe, expect, it } from 'vitest';
import { nameProblem } from './names.js';
import { closest, editDistance } from './suggest.js';

describe('nameProblem', () => {
  it('accepts container-name characters', () => {
    for (const n of ['a', 'web', 'my-server_2', 'v1.2', '9lives']) expect(nameProblem(n)).toBeUndefined();
  });
  it('names the wrong character and where it is', () => {
    expect(nameProblem('a__b')).toMatch(/contains "__" at position 2/);
    expect(nameProblem('-web')).toBe("must start with a letter or digit, not '-'");
    expect(nameProblem('web/api')).toMatch(/character '\/' at position 4/);
    expect(nameProblem('tab\tx')).toMatch(/character U\+0009 at position 4/);
    expect(nameProblem('')).toBe('must not be empty');
  });
});

describe('closest', () => {
  it('finds typos, swaps and case/separator variants', () => {
    const keys = ['transport', 'port', 'tools', 'replicas', 'maxToolResultBytes'];
    expect(closest('transprot', keys)).toBe('transport');
    expect(closest('replica', keys)).toBe('replicas');
    expect(closest('max_tool_result_bytes', keys)).toBe('maxToolResultBytes');
    expect(closest('zzzzzz', keys)).toBeUndefined();
  });
  it('computes edit distance with adjacent swaps', () => {
    expect(editDistance('abc', 'acb')).toBe(1);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('kitten', 'sitting')).toBe(3);
  });
});
