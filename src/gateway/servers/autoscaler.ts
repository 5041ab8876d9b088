// The autoscaler of one server: every tick it samples the median number of calls in flight over the
// healthy replicas into a rolling window and decides (decide(), a pure function) whether to spawn or
// reap. Differences from the reference, on purpose:
//   - the window keeps every sample of the longest of scale_up_after and scale_down_after (plus a
//     tick), and a decision that needs "sustained" load or calm needs the window to span that whole
//     time, so idle-to-zero can actually fire;
//   - after registration the scale-down path needs scale_down_after of calm and then reaps one
//     replica per tick (no extra per-reap cooldown), always draining first;
//   - registration always starts at least one replica, even with min 0, so the server's tools are
//     known and listed; it goes to zero through idle-to-zero like any idle server.
// Ticks, cold starts and policy swaps are serialised on one chain.
import type { Logger } from '../../logging/logger.js';
import { type AutoscaleEvent, autoscaleChannel } from '../../observability/channels.js';
import type { AutoscaleDecision, AutoscaleDirection, AutoscalePolicy, AutoscaleStatus } from '../types.js';
import { backoffDelay } from './backoff.js';
import type { Replica } from './replica.js';
import { median, type ReplicaSet } from './replica-set.js';

export const DEFAULT_TICK_MS = 10_000;
export const DEFAULT_DRAIN_TIMEOUT_MS = 30_000;
const DEFAULT_DECISIONS_KEPT = 50;

export interface Sample {
  at: number;
  median: number;
  /** Calls dispatched since the previous sample (a call can start and end between two ticks). */
  calls: number;
}

export interface DecideInput {
  policy: AutoscalePolicy;
  now: number;
  /** Healthy replicas (in rotation). */
  healthy: number;
  /** Replicas still connecting: they count toward the target so they are not spawned twice. */
  starting: number;
  /** Every replica that is not draining (healthy, starting, restarting): bounded by max. */
  total: number;
  /** This tick's median in-flight over the healthy replicas. */
  median: number;
  /** Calls in flight on all replicas now. */
  inFlight: number;
  /** Samples, oldest first, including this tick's. */
  window: Sample[];
  /** When sampling began: a "sustained" condition needs the window to span its whole duration. */
  windowStart: number;
  lastUpAt: number | undefined;
  /** Spawns are held back until then after failures. */
  blockedUntil: number;
}

export interface Plan {
  direction: AutoscaleDirection;
  reason: string;
  current: number;
  target: number;
  medianInFlight: number;
  spawn: number;
  reap: boolean;
  detail?: string;
}

function samplesSince(window: Sample[], from: number): number[] {
  const out: number[] = [];
  for (const s of window) if (s.at >= from) out.push(s.median);
  return out;
}

/** No call in flight at any sample and none dispatched since `from`. */
function quiet(window: Sample[], from: number): boolean {
  for (const s of window) if (s.at >= from && (s.median > 0 || s.calls > 0)) return false;
  return true;
}

/** The decision rule (docs/scaling.md). */
export function decide(i: DecideInput): Plan {
  const p = i.policy;
  const current = i.healthy;
  const live = i.healthy + i.starting;
  const floor = p.min + p.warmPool;
  const load = current > 0 ? Math.ceil((current * i.median) / p.targetInFlight) : 0;
  let target = Math.min(p.max, Math.max(0, Math.max(load, p.min) + p.warmPool));
  const spansDown = i.now - i.windowStart >= p.scaleDownAfterMs;
  const calmSamples = samplesSince(i.window, i.now - p.scaleDownAfterMs);
  const idle =
    p.idleToZero &&
    p.min === 0 &&
    spansDown &&
    i.inFlight === 0 &&
    i.starting === 0 &&
    quiet(i.window, i.now - p.scaleDownAfterMs);
  if (idle) target = 0;
  const base = { current, target, medianInFlight: i.median, spawn: 0, reap: false };

  if (target > live) {
    const room = Math.max(0, p.max - i.total);
    const want = Math.min(target - live, room);
    if (want === 0) return { ...base, direction: 'up-noop', reason: 'at_max' };
    if (i.now < i.blockedUntil) {
      return {
        ...base,
        direction: 'up-noop',
        reason: 'spawn_failed',
        detail: `spawning again after ${new Date(i.blockedUntil).toISOString()}`,
      };
    }
    if (live < floor)
      return { ...base, direction: 'up', reason: 'warm_pool', spawn: Math.min(floor - live, room) };
    if (i.lastUpAt !== undefined && i.now - i.lastUpAt < p.scaleUpAfterMs) {
      return { ...base, direction: 'up-noop', reason: 'cooldown' };
    }
    const spansUp = i.now - i.windowStart >= p.scaleUpAfterMs;
    const sustained = median(samplesSince(i.window, i.now - p.scaleUpAfterMs));
    if (!spansUp || sustained < p.targetInFlight) {
      return {
        ...base,
        direction: 'up-noop',
        reason: 'insufficient_signal',
        detail: spansUp
          ? `median over scale_up_after ${sustained} < target_in_flight ${p.targetInFlight}`
          : 'window shorter than scale_up_after',
      };
    }
    return { ...base, direction: 'up', reason: 'load', spawn: want };
  }

  if (target < current) {
    if (i.starting > 0)
      return { ...base, direction: 'down-noop', reason: 'cooldown', detail: 'a replica is starting' };
    if (idle) return { ...base, direction: 'down', reason: 'idle_to_zero', reap: true };
    if (current <= floor) return { ...base, direction: 'down-noop', reason: 'at_floor' };
    if (i.lastUpAt !== undefined && i.now - i.lastUpAt < p.scaleDownAfterMs) {
      return { ...base, direction: 'down-noop', reason: 'cooldown', detail: 'recent scale-up' };
    }
    const calm = median(calmSamples);
    if (!spansDown || calm > p.targetInFlight / 2) {
      return {
        ...base,
        direction: 'down-noop',
        reason: 'insufficient_signal',
        detail: spansDown
          ? `median over scale_down_after ${calm} > target_in_flight/2`
          : 'window shorter than scale_down_after',
      };
    }
    return { ...base, direction: 'down', reason: 'load', reap: true };
  }
  return { ...base, direction: 'noop', reason: 'steady' };
}

/** What the autoscaler drives: the server's replica set. */
export interface AutoscaleHost {
  /** The server's name (for the autoscale diagnostics channel). */
  readonly name: string;
  readonly set: ReplicaSet;
  /** Start one more replica; resolves it once in rotation, or undefined if it failed (and was dropped). */
  spawn(): Promise<Replica | undefined>;
  /** Drain then close and drop `r`; resolves false when the drain timed out (it is back in rotation). */
  reap(r: Replica, drainTimeoutMs: number): Promise<boolean>;
  /** Whether the server's lists are known (a replica once came up). */
  readonly listed: boolean;
  /** Calls dispatched since the last call of this (resets the count). */
  takeCalls(): number;
  /** Calls waiting for a replica to come up. */
  waiting(): number;
}

export interface AutoscalerDefaults {
  tickMs?: number;
  drainTimeoutMs?: number;
  decisionsKept?: number;
}

export class Autoscaler {
  private window: Sample[] = [];
  private windowStart = Date.now();
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<unknown> = Promise.resolve();
  private lastUpAt: number | undefined;
  private lastDownAt: number | undefined;
  private lastPlan: Plan | undefined;
  private failures = 0;
  private blockedUntil = 0;
  private readonly decisions: AutoscaleDecision[] = [];
  private stopped = false;
  private ticking = false;

  constructor(
    private policy: AutoscalePolicy,
    private readonly host: AutoscaleHost,
    private readonly defaults: AutoscalerDefaults,
    private readonly log: Logger | undefined,
  ) {}

  get tickMs(): number {
    return Math.max(1, this.policy.tickMs ?? this.defaults.tickMs ?? DEFAULT_TICK_MS);
  }

  private get drainTimeoutMs(): number {
    return this.policy.drainTimeoutMs ?? this.defaults.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS;
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn);
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** Registration: bring up min + warm_pool replicas (at least one, to learn the lists), then tick. */
  async start(): Promise<void> {
    await this.serial(async () => {
      const want = Math.max(1, Math.min(this.policy.max, this.policy.min + this.policy.warmPool));
      const spawned = await this.spawnN(want);
      this.record(
        {
          direction: spawned.length > 0 ? 'up' : 'up-noop',
          reason: spawned.length === want ? 'registration' : 'spawn_failed',
          current: this.host.set.healthyCount(),
          target: want,
          medianInFlight: 0,
          spawn: want,
          reap: false,
        },
        spawned,
      );
    });
    this.windowStart = Date.now();
    this.schedule();
  }

  private schedule(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = setInterval(() => {
      if (this.ticking || this.stopped) return;
      this.ticking = true;
      void this.tick().finally(() => {
        this.ticking = false;
      });
    }, this.tickMs);
    this.timer.unref();
  }

  /** One decision (also callable by tests). */
  tick(): Promise<Plan> {
    return this.serial(() => this.tickOnce());
  }

  private async tickOnce(): Promise<Plan> {
    const set = this.host.set;
    const now = Date.now();
    const healthy = set.healthy();
    let inFlight = this.host.waiting();
    for (const r of set.members) inFlight += r.inFlight;
    const m = median(healthy.map((r) => r.inFlight));
    this.window.push({ at: now, median: m, calls: this.host.takeCalls() });
    const keep = Math.max(this.policy.scaleUpAfterMs, this.policy.scaleDownAfterMs) + 2 * this.tickMs;
    while (this.window.length > 0 && this.window[0]!.at < now - keep) this.window.shift();
    const plan = decide({
      policy: this.policy,
      now,
      healthy: healthy.length,
      starting: set.startingCount(),
      total: set.members.filter((r) => r.state !== 'draining').length,
      median: m,
      inFlight,
      window: this.window,
      windowStart: this.windowStart,
      lastUpAt: this.lastUpAt,
      blockedUntil: this.blockedUntil,
    });
    if (!this.host.listed && plan.spawn === 0 && set.size === 0 && now >= this.blockedUntil) {
      // Registration never succeeded: keep trying (with backoff) so the tools become known.
      plan.direction = 'up';
      plan.reason = 'registration';
      plan.spawn = 1;
    }
    if (plan.spawn > 0) {
      // Recorded before the spawns (they take a while); their ids are filled in as they come up.
      const d = this.record(plan);
      const spawned = await this.spawnN(plan.spawn, d);
      if (spawned.length < plan.spawn) {
        this.record(
          {
            ...plan,
            direction: 'up-noop',
            reason: 'spawn_failed',
            detail: `${spawned.length} of ${plan.spawn} spawned; retry after ${new Date(this.blockedUntil).toISOString()}`,
          },
          spawned,
        );
      }
      return plan;
    }
    if (plan.reap) {
      const victim = this.candidate();
      if (!victim) {
        plan.direction = 'down-noop';
        plan.reason = 'no_candidate';
        this.record(plan);
        return plan;
      }
      this.record(plan, [victim]);
      this.lastDownAt = Date.now();
      // The drain runs outside the chain: one reap is chosen per tick, and ticks go on meanwhile.
      void this.host.reap(victim, this.drainTimeoutMs).then((drained) => {
        if (!drained) {
          this.record(
            {
              ...plan,
              direction: 'down-noop',
              reason: 'drain_timeout',
              detail: 'replica put back in rotation',
            },
            [victim],
          );
        }
      });
      return plan;
    }
    this.record(plan);
    return plan;
  }

  /** Fewest calls in flight, ties to the oldest. */
  private candidate(): Replica | undefined {
    let best: Replica | undefined;
    for (const r of this.host.set.members) {
      if (r.state !== 'healthy') continue;
      if (
        !best ||
        r.inFlight < best.inFlight ||
        (r.inFlight === best.inFlight && r.startedAt < best.startedAt)
      )
        best = r;
    }
    return best;
  }

  private async spawnN(n: number, decision?: AutoscaleDecision): Promise<Replica[]> {
    const out: Replica[] = [];
    for (let k = 0; k < n && !this.stopped; k++) {
      const r = await this.host.spawn();
      if (!r) {
        this.blockedUntil = Date.now() + backoffDelay(this.failures++);
        break;
      }
      this.failures = 0;
      this.blockedUntil = 0;
      out.push(r);
      if (decision) decision.replicas = out.map((x) => x.id);
    }
    if (out.length > 0) this.lastUpAt = Date.now();
    return out;
  }

  /**
   * A call found no replica at all: start one now (serialised with ticks). Resolves once a replica
   * is in rotation or the attempt failed; the caller bounds the wait with its own deadline.
   */
  coldStart(): Promise<boolean> {
    return this.serial(async () => {
      const set = this.host.set;
      if (set.healthyCount() > 0) return true;
      if (set.members.some((r) => r.state !== 'draining')) return set.startingCount() > 0;
      const spawned = await this.spawnN(1);
      this.record(
        {
          direction: spawned.length > 0 ? 'up' : 'up-noop',
          reason: 'cold_start',
          current: 0,
          target: 1,
          medianInFlight: 0,
          spawn: 1,
          reap: false,
        },
        spawned,
      );
      return spawned.length > 0;
    });
  }

  /** Reload that only touched `autoscale`: swap the policy in place; replicas keep running. */
  update(policy: AutoscalePolicy): void {
    const tickChanged = (policy.tickMs ?? 0) !== (this.policy.tickMs ?? 0);
    this.policy = policy;
    if (tickChanged && this.timer) this.schedule();
    this.log?.info('autoscale policy updated', { min: policy.min, max: policy.max });
  }

  private record(plan: Plan, replicas?: Replica[]): AutoscaleDecision {
    const d: AutoscaleDecision = {
      at: new Date().toISOString(),
      direction: plan.direction,
      reason: plan.reason,
      current: plan.current,
      target: plan.target,
      medianInFlight: plan.medianInFlight,
    };
    if (replicas && replicas.length > 0) d.replicas = replicas.map((r) => r.id);
    if (plan.detail) d.detail = plan.detail;
    const prev = this.decisions[this.decisions.length - 1];
    const acted = d.direction === 'up' || d.direction === 'down';
    const same =
      prev &&
      !acted &&
      prev.direction === d.direction &&
      prev.reason === d.reason &&
      prev.current === d.current &&
      prev.target === d.target;
    this.lastPlan = plan;
    if (same) {
      // A repeated no-op: refresh it instead of flooding the history (and the log).
      this.decisions[this.decisions.length - 1] = d;
      return d;
    }
    this.decisions.push(d);
    const kept = this.defaults.decisionsKept ?? DEFAULT_DECISIONS_KEPT;
    if (this.decisions.length > kept) this.decisions.splice(0, this.decisions.length - kept);
    const fields = {
      direction: d.direction,
      reason: d.reason,
      current: d.current,
      target: d.target,
      median_in_flight: d.medianInFlight,
      ...(d.replicas ? { replicas: d.replicas } : {}),
      ...(d.detail ? { detail: d.detail } : {}),
    };
    if (autoscaleChannel.hasSubscribers) {
      const ev: AutoscaleEvent = { server: this.host.name, direction: d.direction, reason: d.reason };
      autoscaleChannel.publish(ev);
    }
    if (acted) this.log?.info('autoscale decision', fields);
    else this.log?.debug('autoscale decision', fields);
    return d;
  }

  status(): AutoscaleStatus {
    const p = this.policy;
    const s: AutoscaleStatus = {
      min: p.min,
      max: p.max,
      targetInFlight: p.targetInFlight,
      warmPool: p.warmPool,
      idleToZero: p.idleToZero,
      scaleUpAfterMs: p.scaleUpAfterMs,
      scaleDownAfterMs: p.scaleDownAfterMs,
      tickMs: this.tickMs,
      current: this.host.set.healthyCount(),
      target: this.lastPlan?.target ?? p.min + p.warmPool,
      medianInFlight: this.lastPlan?.medianInFlight ?? 0,
      decisions: this.decisions.map((d) => ({ ...d })),
    };
    if (this.lastUpAt !== undefined) s.lastScaleUpAt = new Date(this.lastUpAt).toISOString();
    if (this.lastDownAt !== undefined) s.lastScaleDownAt = new Date(this.lastDownAt).toISOString();
    const last = this.decisions[this.decisions.length - 1];
    if (last) s.lastDecision = { ...last };
    return s;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
