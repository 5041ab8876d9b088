import { describe, expect, it } from 'vitest';
import { backoffDelay } from './backoff.js';

describe('backoffDelay', () => {
  it('doubles from 1 s and caps at 30 s without jitter', () => {
    const mid = () => 0.5; // 2*0.5-1 = 0: no jitter
    expect([0, 1, 2, 3, 4, 5, 6, 20].map((a) => backoffDelay(a, {}, mid))).toEqual([
      1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000,
    ]);
  });

  it('stays within ±25 % jitter', () => {
    expect(backoffDelay(0, {}, () => 0)).toBe(750);
    expect(backoffDelay(0, {}, () => 0.999999)).toBe(1250);
    expect(backoffDelay(10, {}, () => 0)).toBe(22500);
  });

  it('honours custom bounds', () => {
    expect(backoffDelay(3, { initialMs: 10, maxMs: 50, jitter: 0 })).toBe(50);
    expect(backoffDelay(1, { initialMs: 10, maxMs: 50, jitter: 0 })).toBe(20);
  });
});
