// The listing side of the pipeline: what one session sees of the catalogue, after the same client
// scope the call path enforces, then its group. Views are cached per (scope, group) and dropped
// whenever the catalogue, the groups or the policies change, so a listing of an unchanged
// catalogue is a Map hit plus a prebuilt JSON string.
import type { Catalog, ListKind, Obj } from '../catalogue/catalog.js';
import type { Groups } from '../catalogue/groups.js';
import type { ClientScopes, Scope } from './scope/scope.js';

export interface ListView {
  readonly lists: Readonly<Record<ListKind, readonly Obj[]>>;
  readonly json: Readonly<Record<ListKind, string>>;
}

export class ListViews {
  // Per catalogue object: the shared one and any principal's own (held sessions) live side by side,
  // and a dropped catalogue takes its views with it.
  private cache = new WeakMap<Catalog, Map<Scope, Map<string, ListView>>>();

  constructor(private readonly scopes: ClientScopes) {}

  /** Forget every view (the groups changed). */
  clear(): void {
    this.cache = new WeakMap();
  }

  /** Undefined when the session's group no longer exists. */
  view(catalog: Catalog, groups: Groups, accessId: string, group: string | undefined): ListView | undefined {
    const scope = this.scopes.of(accessId);
    if (scope.all && group === undefined) return catalog; // no policy: the catalogue as it is
    let byScope = this.cache.get(catalog);
    if (!byScope) {
      byScope = new Map();
      this.cache.set(catalog, byScope);
    }
    let byGroup = byScope.get(scope);
    if (!byGroup) {
      byGroup = new Map();
      byScope.set(scope, byGroup);
    }
    const key = group ?? '';
    let v = byGroup.get(key);
    if (v) return v;
    v = build(catalog, groups, scope, group);
    if (v) byGroup.set(key, v);
    return v;
  }
}

function build(
  catalog: Catalog,
  groups: Groups,
  scope: Scope,
  group: string | undefined,
): ListView | undefined {
  const server = (r: { server: string } | undefined) => r?.server;
  let tools: readonly Obj[];
  if (group !== undefined) {
    const g = groups.view(group, catalog);
    if (!g) return undefined;
    tools = scope.all
      ? g.tools
      : g.tools.filter((_t, i) => {
          const canonical = g.canonical[i] as string;
          return scope.tool(canonical, server(catalog.toolRoute.get(canonical)));
        });
  } else {
    tools = catalog.lists.tools.filter((t) =>
      scope.tool(t.name as string, server(catalog.toolRoute.get(t.name as string))),
    );
  }
  const lists: Record<ListKind, readonly Obj[]> = scope.all
    ? { ...catalog.lists, tools }
    : {
        tools,
        prompts: catalog.lists.prompts.filter((p) =>
          scope.server(server(catalog.promptRoute.get(p.name as string))),
        ),
        resources: catalog.lists.resources.filter((r) =>
          scope.server(server(catalog.uriRoute.get(r.uri as string))),
        ),
        resourceTemplates: catalog.lists.resourceTemplates.filter((t) =>
          scope.server(server(catalog.templateRoute.get(t.uriTemplate as string))),
        ),
      };
  const json = {
    tools: tools === catalog.lists.tools ? catalog.json.tools : JSON.stringify(tools),
    prompts: lists.prompts === catalog.lists.prompts ? catalog.json.prompts : JSON.stringify(lists.prompts),
    resources:
      lists.resources === catalog.lists.resources ? catalog.json.resources : JSON.stringify(lists.resources),
    resourceTemplates:
      lists.resourceTemplates === catalog.lists.resourceTemplates
        ? catalog.json.resourceTemplates
        : JSON.stringify(lists.resourceTemplates),
  };
  return { lists, json };
}
