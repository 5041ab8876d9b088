// Tool groups: a curated, optionally renamed slice of the aggregated tool list served at
// /groups/<name>/mcp. A group view is derived from one catalog and one group definition and cached
// until either changes, so a group session's list is a Map hit plus a prebuilt JSON string.
import type { Catalog, Obj } from './catalog.js';

/** Per-tool rewrite inside a group, keyed by the canonical (exposed) tool name. */
export interface GroupOverride {
  /** Flat alias shown and accepted instead of the canonical name. */
  name?: string;
  /** Replaces the tool's description. */
  description?: string;
  read_only_hint?: boolean;
  destructive_hint?: boolean;
  idempotent_hint?: boolean;
  open_world_hint?: boolean;
}

/** One entry of the stack's `groups` map (validated when the stack loads). */
export interface GroupSpec {
  description?: string;
  /** Every tool of these servers is a member. */
  servers?: readonly string[];
  /** These canonical `server__tool` names are members. */
  tools?: readonly string[];
  /** Never members, whatever `servers` and `tools` say. */
  exclude?: readonly string[];
  overrides?: Readonly<Record<string, GroupOverride>>;
}

export type GroupMap = Readonly<Record<string, GroupSpec>>;

const HINTS = [
  ['read_only_hint', 'readOnlyHint'],
  ['destructive_hint', 'destructiveHint'],
  ['idempotent_hint', 'idempotentHint'],
  ['open_world_hint', 'openWorldHint'],
] as const;

/** A group applied to one catalog. */
export class GroupView {
  /** The rewritten tools, in catalog order. */
  readonly tools: Obj[] = [];
  /** The canonical exposed name of each entry of `tools`, same order (for scope filtering). */
  readonly canonical: string[] = [];
  readonly json: string;
  /** Name as the group shows it (alias or canonical) → canonical exposed name. */
  private readonly names = new Map<string, string>();

  constructor(
    readonly name: string,
    spec: GroupSpec,
    catalog: Catalog,
  ) {
    const servers = new Set(spec.servers ?? []);
    const listed = new Set(spec.tools ?? []);
    const excluded = new Set(spec.exclude ?? []);
    const overrides = spec.overrides ?? {};
    for (const tool of catalog.lists.tools) {
      const canonical = tool.name as string;
      if (excluded.has(canonical)) continue;
      if (!listed.has(canonical) && !servers.has(catalog.toolRoute.get(canonical)?.server ?? '')) continue;
      const ov = overrides[canonical];
      const shown = ov ? rewrite(tool, ov) : tool;
      this.tools.push(shown);
      this.canonical.push(canonical);
      this.names.set(shown.name as string, canonical);
    }
    // The canonical name of a renamed member stays callable unless an alias took it.
    for (const [shown, canonical] of [...this.names]) {
      if (shown !== canonical && !this.names.has(canonical)) this.names.set(canonical, canonical);
    }
    this.json = JSON.stringify(this.tools);
  }

  /** The canonical name for a name the client used, or undefined when it is not a member. */
  resolve(name: string): string | undefined {
    return this.names.get(name);
  }

  get size(): number {
    return this.tools.length;
  }
}

function rewrite(tool: Obj, ov: GroupOverride): Obj {
  const out: Obj = { ...tool };
  if (ov.name !== undefined) out.name = ov.name;
  if (ov.description !== undefined) out.description = ov.description;
  let annotations: Obj | undefined;
  for (const [key, hint] of HINTS) {
    const v = ov[key];
    if (v === undefined) continue;
    annotations ??= { ...((tool.annotations as Obj | undefined) ?? {}) };
    annotations[hint] = v;
  }
  if (annotations) out.annotations = annotations;
  return out;
}

/** Group views for the current catalog and groups, built on first use. */
export class Groups {
  private views = new Map<string, GroupView>();
  private catalog: Catalog | undefined;

  constructor(private specs: GroupMap = {}) {}

  has(name: string): boolean {
    return Object.hasOwn(this.specs, name);
  }

  get size(): number {
    return Object.keys(this.specs).length;
  }

  names(): string[] {
    return Object.keys(this.specs);
  }

  description(name: string): string | undefined {
    return this.has(name) ? this.specs[name]?.description : undefined;
  }

  replace(specs: GroupMap): void {
    this.specs = specs;
    this.views = new Map();
  }

  /** The group applied to `catalog`; undefined when the group does not exist (any more). */
  view(name: string, catalog: Catalog): GroupView | undefined {
    if (this.catalog !== catalog) {
      this.catalog = catalog;
      this.views = new Map();
    }
    let v = this.views.get(name);
    if (v) return v;
    const spec = this.has(name) ? this.specs[name] : undefined;
    if (!spec) return undefined;
    v = new GroupView(name, spec, catalog);
    this.views.set(name, v);
    return v;
  }
}
