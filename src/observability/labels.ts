// Label values that come from clients (a client id, a tool name on a server that is down) are
// unbounded; a metric labelled with them could grow without end. A budget admits the first `max`
// distinct values and folds the rest into one, so a series count stays below a known ceiling.
export const OTHER = '_other';

export class LabelBudget {
  private readonly seen = new Set<string>();

  constructor(
    readonly max: number,
    admitted: Iterable<string> = [],
  ) {
    for (const v of admitted) this.seen.add(v);
  }

  /** `value` if it is known or there is room for it, else `_other`. */
  of(value: string): string {
    if (this.seen.has(value)) return value;
    if (this.seen.size >= this.max) return OTHER;
    this.seen.add(value);
    return value;
  }
}
