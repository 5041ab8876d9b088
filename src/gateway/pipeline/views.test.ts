import { describe, expect, it } from 'vitest';
import { Catalog } from '../catalogue/catalog.js';
import { Groups } from '../catalogue/groups.js';
import { ClientScopes } from './scope/scope.js';
import { ListViews } from './views.js';

const src = (name: string, tools: string[]) => ({
  name,
  unprefixed: false,
  available: true,
  hasResources: true,
  tools: tools.map((t) => ({ name: t, inputSchema: { type: 'object' } })),
  prompts: [{ name: 'p' }],
  resources: [{ uri: `${name}://r`, name: 'r' }],
  templates: [{ uriTemplate: `${name}://t/{x}`, name: 't' }],
});
const catalog = new Catalog([src('fs', ['read', 'write']), src('git', ['log'])]);
const groups = new Groups({
  ro: { tools: ['fs__read', 'git__log'], overrides: { fs__read: { name: 'read' } } },
});

describe('per-session list views', () => {
  it('with no policy and no group is the catalogue itself (no copy, no re-serialisation)', () => {
    const v = new ListViews(new ClientScopes(undefined));
    expect(v.view(catalog, groups, 'x', undefined)).toBe(catalog);
  });

  it('filters tools, prompts, resources and templates by the client scope', () => {
    const v = new ListViews(
      new ClientScopes({
        default: 'deny',
        profiles: { a: { servers: ['git'] }, b: { tools: ['fs__read'] } },
      }),
    );
    const a = v.view(catalog, groups, 'a', undefined)!;
    expect(a.lists.tools.map((t) => t.name)).toEqual(['git__log']);
    expect(a.lists.prompts.map((p) => p.name)).toEqual(['git__p']);
    expect(a.lists.resources.map((r) => r.uri)).toEqual(['git://r']);
    expect(a.lists.resourceTemplates.map((r) => r.uriTemplate)).toEqual(['git://t/{x}']);
    expect(JSON.parse(a.json.tools)).toEqual(a.lists.tools);
    const b = v.view(catalog, groups, 'b', undefined)!;
    expect(b.lists.tools.map((t) => t.name)).toEqual(['fs__read']);
    expect(b.lists.prompts.map((p) => p.name)).toEqual(['fs__p']);
    const nobody = v.view(catalog, groups, 'stranger', undefined)!;
    expect(nobody.lists.tools).toEqual([]);
    expect(nobody.json.prompts).toBe('[]');
  });

  it('applies the scope first, then the group (on canonical names, aliases kept)', () => {
    const v = new ListViews(new ClientScopes({ default: 'deny', profiles: { a: { servers: ['fs'] } } }));
    expect(v.view(catalog, groups, 'a', 'ro')!.lists.tools.map((t) => t.name)).toEqual(['read']);
    expect(v.view(catalog, groups, 'a', 'gone')).toBeUndefined();
  });

  it('caches per scope and group until the catalogue changes', () => {
    const v = new ListViews(new ClientScopes({ default: 'deny', profiles: { a: { servers: ['fs'] } } }));
    const first = v.view(catalog, groups, 'a', undefined);
    expect(v.view(catalog, groups, 'a', undefined)).toBe(first);
    const next = new Catalog([src('fs', ['read'])]);
    const fresh = v.view(next, groups, 'a', undefined)!;
    expect(fresh).not.toBe(first);
    expect(fresh.lists.tools.map((t) => t.name)).toEqual(['fs__read']);
  });
});
