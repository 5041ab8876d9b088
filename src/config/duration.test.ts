import { describe, expect, it } from 'vitest';
import { isDuration, parseDuration } from './duration.js';

describe('parseDuration', () => {
  it.each([
    ['0', 0],
    ['500ms', 500],
    ['30s', 30_000],
    ['1m30s', 90_000],
    ['1.5h', 5_400_000],
    ['2h45m', 9_900_000],
    ['-5s', -5000],
    ['100us', 0.1],
  ])('%s = %d ms', (s, ms) => {
    expect(parseDuration(s)).toBe(ms);
  });

  it.each(['', '5', 'soon', '1m30', 's', '5 s', '1d'])('rejects %j', (s) => {
    expect(() => parseDuration(s)).toThrow(/invalid duration/);
    expect(isDuration(s)).toBe(false);
  });
});
