import { describe, expect, it } from 'vitest';
import { callCtx, recordingNext, textOf } from '../test-context.js';
import { defaultBurst, RateLimiter, rateLimitInterceptor } from './rate-limit.js';

function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('rate limits', () => {
  it('burst defaults to max(5, cpm/6)', () => {
    expect(defaultBurst(6)).toBe(5);
    expect(defaultBurst(600)).toBe(100);
  });

  it('allows a burst, then denies naming the scope and when to retry, then refills', async () => {
    const c = clock();
    const limiter = new RateLimiter(
      [{ scope: 'tool', key: 'fs__read', callsPerMinute: 60, burst: 2 }],
      undefined,
      c.now,
    );
    const next = recordingNext();
    const h = rateLimitInterceptor(limiter)(next);
    expect((await h(callCtx())).isError).toBeUndefined();
    expect((await h(callCtx())).isError).toBeUndefined();
    const denied = await h(callCtx());
    expect(denied.isError).toBe(true);
    expect(textOf(denied)).toBe('Rate limit exceeded for tool "fs__read": 60 calls/min. Retry after ~1s.');
    expect(next.calls).toHaveLength(2);
    c.advance(1000);
    expect((await h(callCtx())).isError).toBeUndefined();
    expect(limiter.snapshot()[0]).toMatchObject({ allowed: 3, denied: 1, state: 'exceeded' });
  });

  it('a call denied by one bucket spends no token of the others', () => {
    const c = clock();
    const limiter = new RateLimiter(
      [
        { scope: 'client', key: 'Claude Code', callsPerMinute: 60, burst: 5 },
        { scope: 'server', key: 'fs', callsPerMinute: 60, burst: 1 },
      ],
      undefined,
      c.now,
    );
    const ctx = { accessId: 'claude-code', server: 'fs', name: 'fs__read' };
    expect(limiter.take(ctx)).toBeUndefined();
    expect(limiter.take(ctx)?.spec.scope).toBe('server');
    expect(limiter.take(ctx)?.spec.scope).toBe('server');
    const client = limiter.snapshot().find((b) => b.scope === 'client');
    expect(client).toMatchObject({ key: 'claude-code', tokens: 4 });
  });

  it('only buckets that match the call are consulted', () => {
    const limiter = new RateLimiter([{ scope: 'server', key: 'git', callsPerMinute: 1, burst: 1 }]);
    for (let i = 0; i < 5; i++)
      expect(limiter.take({ accessId: '', server: 'fs', name: 'fs__x' })).toBeUndefined();
  });

  it('the first entry for a scope and key wins', () => {
    const limiter = new RateLimiter([
      { scope: 'tool', key: 't', callsPerMinute: 10 },
      { scope: 'tool', key: 't', callsPerMinute: 99 },
    ]);
    expect(limiter.snapshot()).toHaveLength(1);
    expect(limiter.snapshot()[0]?.callsPerMinute).toBe(10);
  });

  it('a reload keeps unchanged buckets with their state and starts changed ones afresh', () => {
    const c = clock();
    const specs = [
      { scope: 'tool' as const, key: 'a', callsPerMinute: 60, burst: 3 },
      { scope: 'tool' as const, key: 'b', callsPerMinute: 60, burst: 3 },
    ];
    const before = new RateLimiter(specs, undefined, c.now);
    for (const key of ['a', 'a', 'b']) before.take({ accessId: '', server: undefined, name: key });
    const after = new RateLimiter(
      [specs[0] as (typeof specs)[0], { scope: 'tool', key: 'b', callsPerMinute: 120, burst: 3 }],
      before,
      c.now,
    );
    const snap = Object.fromEntries(after.snapshot().map((b) => [b.key, b]));
    expect(snap.a).toMatchObject({ tokens: 1, allowed: 2 });
    expect(snap.b).toMatchObject({ tokens: 3, allowed: 0 });
  });
});
