import { describe, expect, it } from 'vitest';
import type { AutoscalePolicy } from '../types.js';
import { type DecideInput, decide, type Sample } from './autoscaler.js';

const policy: AutoscalePolicy = {
  min: 1,
  max: 4,
  targetInFlight: 2,
  scaleUpAfterMs: 30_000,
  scaleDownAfterMs: 300_000,
  warmPool: 0,
  idleToZero: false,
};
const NOW = 1_000_000_000;

/** One sample per 10 s tick over `spanMs`, all with the same median. */
function samples(spanMs: number, median: number, calls = 0): Sample[] {
  const out: Sample[] = [];
  for (let at = NOW - spanMs; at <= NOW; at += 10_000) out.push({ at, median, calls });
  return out;
}

function input(over: Partial<DecideInput>): DecideInput {
  return {
    policy,
    now: NOW,
    healthy: 1,
    starting: 0,
    total: 1,
    median: 0,
    inFlight: 0,
    window: samples(400_000, 0),
    windowStart: NOW - 400_000,
    lastUpAt: undefined,
    blockedUntil: 0,
    ...over,
  };
}

describe('decide', () => {
  it('refills eagerly below min + warm_pool, without cooldown or signal', () => {
    const p = decide(input({ policy: { ...policy, warmPool: 1 }, lastUpAt: NOW - 1 }));
    expect(p).toMatchObject({ direction: 'up', reason: 'warm_pool', spawn: 1, target: 2 });
  });

  it('scales up on sustained load, not on a spike, not within the cooldown', () => {
    const load = { median: 6, inFlight: 6, window: samples(400_000, 6) };
    expect(decide(input(load))).toMatchObject({ direction: 'up', reason: 'load', spawn: 2, target: 3 });
    const spike = {
      median: 6,
      inFlight: 6,
      window: [...samples(400_000, 0), { at: NOW, median: 6, calls: 1 }],
    };
    expect(decide(input(spike))).toMatchObject({ direction: 'up-noop', reason: 'insufficient_signal' });
    expect(decide(input({ ...load, lastUpAt: NOW - 5_000 }))).toMatchObject({
      direction: 'up-noop',
      reason: 'cooldown',
    });
    expect(decide(input({ ...load, windowStart: NOW - 5_000 }))).toMatchObject({
      reason: 'insufficient_signal',
    });
    expect(decide(input({ ...load, total: 4 }))).toMatchObject({ direction: 'up-noop', reason: 'at_max' });
  });

  it('scales down one at a time after scale_down_after of calm, never below the floor', () => {
    expect(decide(input({ healthy: 3, total: 3 }))).toMatchObject({
      direction: 'down',
      reason: 'load',
      reap: true,
    });
    const busy = { healthy: 3, total: 3, window: samples(400_000, 2) };
    expect(decide(input(busy))).toMatchObject({ direction: 'down-noop', reason: 'insufficient_signal' });
    const young = { healthy: 3, total: 3, windowStart: NOW - 60_000 };
    expect(decide(input(young))).toMatchObject({ direction: 'down-noop', reason: 'insufficient_signal' });
    const recentUp = { healthy: 3, total: 3, lastUpAt: NOW - 60_000 };
    expect(decide(input(recentUp))).toMatchObject({ direction: 'down-noop', reason: 'cooldown' });
    expect(decide(input({}))).toMatchObject({ direction: 'noop' });
  });

  it('idle_to_zero reaps to zero (warm pool included) only after a quiet scale_down_after', () => {
    const p = { ...policy, min: 0, warmPool: 1, idleToZero: true };
    expect(decide(input({ policy: p }))).toMatchObject({
      direction: 'down',
      reason: 'idle_to_zero',
      target: 0,
    });
    // A call between two ticks breaks the quiet.
    const window = [...samples(400_000, 0), { at: NOW, median: 0, calls: 1 }];
    expect(decide(input({ policy: p, window }))).toMatchObject({ direction: 'noop', target: 1 });
    // At zero and still quiet: stays at zero.
    expect(decide(input({ policy: p, healthy: 0, total: 0 }))).toMatchObject({
      direction: 'noop',
      target: 0,
    });
  });
});
