// The replicas of one server and how a call picks one. Members stay ordered by id (ids are
// monotonic), which makes "ties go to the lowest id" a plain first-wins scan. Only healthy replicas
// are picked: starting, unhealthy, failed and draining ones are skipped.

import type { ReplicaPolicy } from '../types.js';
import type { Replica } from './replica.js';

export class ReplicaSet {
  readonly members: Replica[] = [];
  private cursor = 0;
  private nextId = 0;
  /** Client session → its replica (session-affinity); weak, so ended sessions cost nothing. */
  private affinity = new WeakMap<object, Replica>();

  constructor(public policy: ReplicaPolicy = 'round-robin') {}

  get size(): number {
    return this.members.length;
  }

  newId(): number {
    return this.nextId++;
  }

  add(r: Replica): void {
    this.members.push(r);
    this.members.sort((a, b) => a.id - b.id);
  }

  remove(r: Replica): void {
    const i = this.members.indexOf(r);
    if (i >= 0) this.members.splice(i, 1);
  }

  /** Healthy replicas, in id order. */
  healthy(): Replica[] {
    return this.members.filter((r) => r.state === 'healthy');
  }

  healthyCount(): number {
    let n = 0;
    for (const r of this.members) if (r.state === 'healthy') n++;
    return n;
  }

  /** Replicas connecting for the first time or after a restart request. */
  startingCount(): number {
    let n = 0;
    for (const r of this.members) if (r.state === 'starting') n++;
    return n;
  }

  /** The replica for one call, or undefined when none is healthy. `key` identifies the client session. */
  pick(key?: object): Replica | undefined {
    switch (this.policy) {
      case 'least-connections':
        return this.leastConnections();
      case 'session-affinity': {
        if (key === undefined) return this.leastConnections();
        const stuck = this.affinity.get(key);
        if (stuck && stuck.state === 'healthy') return stuck;
        // New (or orphaned) sessions are dealt round-robin, so sessions spread even when idle.
        const r = this.roundRobin();
        if (r) this.affinity.set(key, r);
        return r;
      }
      default:
        return this.roundRobin();
    }
  }

  private roundRobin(): Replica | undefined {
    const m = this.members;
    const n = m.length;
    for (let i = 0; i < n; i++) {
      const at = (this.cursor + i) % n;
      const r = m[at]!;
      if (r.state === 'healthy') {
        this.cursor = at + 1;
        return r;
      }
    }
    return undefined;
  }

  /** Fewest calls in flight among the healthy; ties to the lowest id. */
  private leastConnections(): Replica | undefined {
    let best: Replica | undefined;
    for (const r of this.members) {
      if (r.state === 'healthy' && (best === undefined || r.inFlight < best.inFlight)) best = r;
    }
    return best;
  }

  setPolicy(policy: ReplicaPolicy): void {
    if (policy === this.policy) return;
    this.policy = policy;
    this.affinity = new WeakMap();
  }
}

/** Median of the values (0 for none). */
export function median(values: number[]): number {
  if (values.length === 0) return 0;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
