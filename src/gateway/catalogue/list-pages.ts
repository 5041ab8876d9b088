// Serialised list pages, computed once per (catalogue generation, client view) and served as text.
// The key is the view object itself: a catalogue rebuild (server added, removed, reloaded, an
// upstream's list_changed, a pin decision) makes a new Catalog, and a scope or group change makes
// new views (ListViews is rebuilt or cleared), so a changed catalogue can never hit an old entry
// and dropped generations are collected with their views (WeakMap).
import { encodeCursor, type ListKind, type Obj } from './catalog.js';

export class ListPages {
  private readonly byView = new WeakMap<object, Map<string, string>>();
  /** Pages serialised since start (tests and the bench read it: a warm listing adds none). */
  built = 0;

  constructor(private readonly pageSize: number) {}

  /**
   * The `result` of one page, as JSON text: `{"tools":[...],"nextCursor":"..."}`. `view` is the
   * object the items come from (its identity is the cache key); `json` is the whole list,
   * serialised already, used as-is when one page holds everything.
   */
  result(view: object, kind: ListKind, offset: number, all: readonly Obj[], json: string): string {
    // Only the offsets our own cursors name are kept: a crafted cursor cannot grow the cache.
    if (offset % this.pageSize !== 0 || offset >= Math.max(1, all.length))
      return this.build(kind, offset, all, json);
    let pages = this.byView.get(view);
    if (!pages) {
      pages = new Map();
      this.byView.set(view, pages);
    }
    const key = `${kind}:${offset}`;
    const hit = pages.get(key);
    if (hit !== undefined) return hit;
    const out = this.build(kind, offset, all, json);
    pages.set(key, out);
    return out;
  }

  private build(kind: ListKind, offset: number, all: readonly Obj[], json: string): string {
    this.built++;
    if (offset === 0 && all.length <= this.pageSize) return `{"${kind}":${json}}`;
    const result: Obj = { [kind]: all.slice(offset, offset + this.pageSize) };
    if (offset + this.pageSize < all.length) result.nextCursor = encodeCursor(kind, offset + this.pageSize);
    return JSON.stringify(result);
  }
}
