// Rate limits (the stack's `limits.rate_limits`): a token bucket per entry, keyed by client, server
// or tool. A call passes only when every bucket that matches it has a token, and only then are
// tokens taken, so a call denied by one limit does not spend the others (the reference spends them).
import { callError } from '../../../errors/catalogue.js';
import { normalizeClientId } from '../identity.js';
import type { CallContext, Interceptor } from '../types.js';

export type LimitScope = 'client' | 'server' | 'tool';

export interface RateLimitSpec {
  scope: LimitScope;
  key: string;
  callsPerMinute: number;
  /** 0 or absent: max(5, calls_per_minute / 6), as the reference. */
  burst?: number;
}

export interface BucketState {
  scope: LimitScope;
  key: string;
  callsPerMinute: number;
  burst: number;
  /** Whole tokens left now. */
  tokens: number;
  state: 'ok' | 'exceeded';
  /** Seconds until the next token when exceeded. */
  retryAfterSeconds?: number;
  allowed: number;
  denied: number;
}

class Bucket {
  tokens: number;
  private at: number;
  allowed = 0;
  denied = 0;

  constructor(
    readonly spec: Required<RateLimitSpec>,
    now: number,
  ) {
    this.tokens = spec.burst;
    this.at = now;
  }

  refill(now: number): number {
    const perMs = this.spec.callsPerMinute / 60_000;
    this.tokens = Math.min(this.spec.burst, this.tokens + (now - this.at) * perMs);
    this.at = now;
    return this.tokens;
  }

  /** Milliseconds until one token is there. */
  waitMs(): number {
    return this.tokens >= 1 ? 0 : ((1 - this.tokens) * 60_000) / this.spec.callsPerMinute;
  }

  get id(): string {
    return bucketId(this.spec);
  }
}

function bucketId(s: Required<RateLimitSpec>): string {
  return `${s.scope}\0${s.key}\0${s.callsPerMinute}\0${s.burst}`;
}

export function defaultBurst(callsPerMinute: number): number {
  return Math.max(5, Math.floor(callsPerMinute / 6));
}

export class RateLimiter {
  private readonly buckets: Bucket[] = [];
  private readonly byScope: Record<LimitScope, Map<string, Bucket>> = {
    client: new Map(),
    server: new Map(),
    tool: new Map(),
  };

  /**
   * `previous`: the limiter this one replaces (a reload); its buckets whose scope, key, rate and
   * burst are unchanged carry over with their tokens and counts.
   */
  constructor(
    specs: readonly RateLimitSpec[],
    previous?: RateLimiter,
    private readonly now: () => number = Date.now,
  ) {
    const old = new Map(previous?.buckets.map((b) => [b.id, b]));
    for (const raw of specs) {
      const key = raw.scope === 'client' ? normalizeClientId(raw.key) : raw.key;
      const spec = {
        scope: raw.scope,
        key,
        callsPerMinute: raw.callsPerMinute,
        burst: raw.burst && raw.burst > 0 ? raw.burst : defaultBurst(raw.callsPerMinute),
      };
      if (this.byScope[spec.scope].has(key)) continue; // first entry wins
      const b = old.get(bucketId(spec)) ?? new Bucket(spec, this.now());
      this.buckets.push(b);
      this.byScope[spec.scope].set(key, b);
    }
  }

  get empty(): boolean {
    return this.buckets.length === 0;
  }

  /** Undefined when the call may go (its tokens are taken); else the bucket that denies it. */
  take(ctx: Pick<CallContext, 'accessId' | 'server' | 'name'>): Bucket | undefined {
    const now = this.now();
    const hit: Bucket[] = [];
    const c = this.byScope.client.get(ctx.accessId);
    if (c) hit.push(c);
    const s = ctx.server === undefined ? undefined : this.byScope.server.get(ctx.server);
    if (s) hit.push(s);
    const t = this.byScope.tool.get(ctx.name);
    if (t) hit.push(t);
    for (const b of hit) {
      if (b.refill(now) < 1) {
        b.denied++;
        return b;
      }
    }
    for (const b of hit) {
      b.tokens -= 1;
      b.allowed++;
    }
    return undefined;
  }

  snapshot(): BucketState[] {
    const now = this.now();
    return this.buckets.map((b) => {
      const tokens = b.refill(now);
      const exceeded = tokens < 1;
      return {
        scope: b.spec.scope,
        key: b.spec.key,
        callsPerMinute: b.spec.callsPerMinute,
        burst: b.spec.burst,
        tokens: Math.floor(tokens),
        state: exceeded ? 'exceeded' : 'ok',
        ...(exceeded ? { retryAfterSeconds: Math.ceil(b.waitMs() / 1000) } : {}),
        allowed: b.allowed,
        denied: b.denied,
      };
    });
  }
}

/** Runs after the scope check, before routing to a replica: a denied call never reaches a server. */
export function rateLimitInterceptor(limiter: RateLimiter): Interceptor {
  return (next) => (ctx) => {
    const denied = limiter.take(ctx);
    if (!denied) return next(ctx);
    return Promise.resolve(
      callError('RATE_LIMITED', {
        scope: denied.spec.scope,
        key: denied.spec.key,
        rate: denied.spec.callsPerMinute,
        retry: Math.max(1, Math.ceil(denied.waitMs() / 1000)),
      }),
    );
  };
}
