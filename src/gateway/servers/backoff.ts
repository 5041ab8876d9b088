// Restart delays: exponential from `initialMs`, doubling per attempt, capped at `maxMs`, each with
// ±25 % jitter so a fleet of servers that died together does not come back in lockstep.
export interface BackoffOptions {
  initialMs?: number;
  maxMs?: number;
  /** Fraction of the delay added or removed at random (0.25 = ±25 %). */
  jitter?: number;
}

export function backoffDelay(attempt: number, opts: BackoffOptions = {}, random: () => number = Math.random) {
  const initial = opts.initialMs ?? 1000;
  const max = opts.maxMs ?? 30_000;
  const jitter = opts.jitter ?? 0.25;
  const base = Math.min(max, initial * 2 ** Math.min(Math.max(attempt, 0), 30));
  return Math.max(0, Math.round(base * (1 + jitter * (2 * random() - 1))));
}
