// The aggregated view of every available server's tools, prompts, resources and templates, with
// the routing maps that send a call back to its owner under its original name. Rebuilt whole on
// any change (rare); read on every request (often), so lookups are single Map hits and each list
// is serialised once per rebuild.
import { ErrorCode, RpcError } from '../../protocol/jsonrpc.js';
import { templateMatcher, unwrapUri, uriScheme, wrapUri } from './uri.js';

export type Obj = Record<string, unknown>;

export const SEPARATOR = '__';

/**
 * The catalog source that holds the registry's skills. Not a valid server name (`@`), so no stack
 * server can own it, and routes that name it are answered by the gateway itself.
 */
export const SKILLS_SOURCE = '@skills';

export interface CatalogSource {
  name: string;
  unprefixed: boolean;
  /** Only available (healthy) servers contribute entries. */
  available: boolean;
  hasResources: boolean;
  tools: readonly Obj[];
  prompts: readonly Obj[];
  resources: readonly Obj[];
  templates: readonly Obj[];
}

export interface Route {
  server: string;
  /** The name (tools, prompts) or URI (resources, templates) as the server knows it. */
  name: string;
}

export type ListKind = 'tools' | 'prompts' | 'resources' | 'resourceTemplates';

export function exposedName(server: string, name: string, unprefixed: boolean): string {
  return unprefixed ? name : `${server}${SEPARATOR}${name}`;
}

export class Catalog {
  readonly lists: Record<ListKind, Obj[]> = { tools: [], prompts: [], resources: [], resourceTemplates: [] };
  /** `{"tools":[...]}` etc., serialised once per rebuild for the one-page fast path. */
  readonly json: Record<ListKind, string>;
  readonly toolRoute = new Map<string, Route>();
  readonly promptRoute = new Map<string, Route>();
  readonly uriRoute = new Map<string, Route>();
  readonly templateRoute = new Map<string, Route>();
  /** Per server, the exposed names it could not claim (an earlier server owns them). */
  readonly collisions = new Map<string, string[]>();
  private readonly matchers: { server: string; re: RegExp }[] = [];
  private readonly schemeOwners = new Map<string, Set<string>>();
  /** server → URIs that had to be wrapped because another server lists them too. */
  private readonly wrapped = new Map<string, Set<string>>();
  private readonly resourceServers: string[] = [];
  readonly servers: ReadonlySet<string>;

  constructor(sources: readonly CatalogSource[]) {
    this.servers = new Set(sources.map((s) => s.name));
    const live = sources.filter((s) => s.available);
    for (const s of live) {
      this.claim(s, s.tools, this.lists.tools, this.toolRoute);
      this.claim(s, s.prompts, this.lists.prompts, this.promptRoute);
      if (s.hasResources) this.resourceServers.push(s.name);
    }
    this.addUris(live, 'resources', 'uri', this.lists.resources, this.uriRoute);
    this.addUris(live, 'templates', 'uriTemplate', this.lists.resourceTemplates, this.templateRoute);
    this.json = {
      tools: JSON.stringify(this.lists.tools),
      prompts: JSON.stringify(this.lists.prompts),
      resources: JSON.stringify(this.lists.resources),
      resourceTemplates: JSON.stringify(this.lists.resourceTemplates),
    };
  }

  private claim(s: CatalogSource, items: readonly Obj[], out: Obj[], route: Map<string, Route>): void {
    for (const item of items) {
      const name = item.name;
      if (typeof name !== 'string') continue;
      const exposed = exposedName(s.name, name, s.unprefixed);
      if (route.has(exposed)) {
        const list = this.collisions.get(s.name) ?? [];
        list.push(exposed);
        this.collisions.set(s.name, list);
        continue;
      }
      route.set(exposed, { server: s.name, name });
      out.push(exposed === name ? item : { ...item, name: exposed });
    }
  }

  private addUris(
    live: readonly CatalogSource[],
    field: 'resources' | 'templates',
    key: 'uri' | 'uriTemplate',
    out: Obj[],
    route: Map<string, Route>,
  ): void {
    const owners = new Map<string, number>();
    for (const s of live) {
      const seen = new Set<string>();
      for (const item of s[field]) {
        const u = item[key];
        if (typeof u !== 'string' || seen.has(u)) continue;
        seen.add(u);
        owners.set(u, (owners.get(u) ?? 0) + 1);
      }
    }
    for (const s of live) {
      for (const item of s[field]) {
        const u = item[key];
        if (typeof u !== 'string') continue;
        const scheme = uriScheme(u);
        if (scheme) {
          const set = this.schemeOwners.get(scheme) ?? new Set<string>();
          set.add(s.name);
          this.schemeOwners.set(scheme, set);
        }
        if (field === 'templates') this.matchers.push({ server: s.name, re: templateMatcher(u) });
        let exposed = u;
        if ((owners.get(u) ?? 0) > 1) {
          exposed = wrapUri(s.name, u);
          const w = this.wrapped.get(s.name) ?? new Set<string>();
          w.add(u);
          this.wrapped.set(s.name, w);
        }
        if (route.has(exposed)) continue; // the same URI listed twice by one server
        route.set(exposed, { server: s.name, name: u });
        out.push(exposed === u ? item : { ...item, [key]: exposed });
      }
    }
  }

  /** How a server's URI appears to clients (wrapped only when another server lists it too). */
  exposeUri(server: string, uri: string): string {
    return this.wrapped.get(server)?.has(uri) ? wrapUri(server, uri) : uri;
  }

  /**
   * Which server owns a URI: the wrapped form names it; else an exact listed URI; else the first
   * server whose template matches; else the only server using that scheme; else the only server
   * with resources at all.
   */
  routeUri(uri: string): Route | undefined {
    const un = unwrapUri(uri);
    if (un && this.servers.has(un.server)) return { server: un.server, name: un.uri };
    const exact = this.uriRoute.get(uri) ?? this.templateRoute.get(uri);
    if (exact) return exact;
    for (const m of this.matchers) if (m.re.test(uri)) return { server: m.server, name: uri };
    const scheme = uriScheme(uri);
    const byScheme = scheme ? this.schemeOwners.get(scheme) : undefined;
    if (byScheme?.size === 1) return { server: [...byScheme][0]!, name: uri };
    if (this.resourceServers.length === 1) return { server: this.resourceServers[0]!, name: uri };
    return undefined;
  }
}

/** Opaque downstream cursors: base64url of {k: list kind, o: offset}. */
export function encodeCursor(kind: ListKind, offset: number): string {
  return Buffer.from(JSON.stringify({ k: kind, o: offset })).toString('base64url');
}

export function decodeCursor(kind: ListKind, cursor: unknown): number {
  if (cursor === undefined || cursor === null) return 0;
  if (typeof cursor === 'string') {
    try {
      const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { k?: unknown; o?: unknown };
      if (v.k === kind && typeof v.o === 'number' && Number.isInteger(v.o) && v.o >= 0) return v.o;
    } catch {
      // fall through
    }
  }
  throw new RpcError(ErrorCode.InvalidParams, `invalid cursor for ${kind} list`);
}
