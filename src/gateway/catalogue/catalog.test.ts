import { describe, expect, it } from 'vitest';
import { Catalog, type CatalogSource, decodeCursor, encodeCursor } from './catalog.js';

function src(name: string, over: Partial<CatalogSource> = {}): CatalogSource {
  return {
    name,
    unprefixed: false,
    available: true,
    hasResources: true,
    tools: [],
    prompts: [],
    resources: [],
    templates: [],
    ...over,
  };
}

describe('Catalog', () => {
  it('prefixes tools and prompts and routes back to the original name', () => {
    const echo = { name: 'echo', description: 'd', inputSchema: { type: 'object' }, annotations: { x: 1 } };
    const c = new Catalog([
      src('a', { tools: [echo], prompts: [{ name: 'p' }] }),
      src('b', { tools: [echo] }),
    ]);
    expect(c.lists.tools.map((t) => t.name)).toEqual(['a__echo', 'b__echo']);
    expect(c.lists.tools[0]).toEqual({ ...echo, name: 'a__echo' });
    expect(echo.name).toBe('echo'); // the upstream object is not mutated
    expect(c.toolRoute.get('b__echo')).toEqual({ server: 'b', name: 'echo' });
    expect(c.promptRoute.get('a__p')).toEqual({ server: 'a', name: 'p' });
    expect(JSON.parse(c.json.tools)).toEqual(c.lists.tools);
  });

  it('keeps unprefixed names as the same object and reports collisions for the later server', () => {
    const t = { name: 'echo' };
    const c = new Catalog([
      src('first', { unprefixed: true, tools: [t] }),
      src('second', { unprefixed: true, tools: [{ name: 'echo' }, { name: 'other' }] }),
    ]);
    expect(c.lists.tools[0]).toBe(t);
    expect(c.lists.tools.map((x) => x.name)).toEqual(['echo', 'other']);
    expect(c.toolRoute.get('echo')?.server).toBe('first');
    expect(c.collisions.get('second')).toEqual(['echo']);
    expect(c.collisions.get('first')).toBeUndefined();
  });

  it('leaves out unavailable servers', () => {
    const c = new Catalog([src('a', { available: false, tools: [{ name: 'x' }] })]);
    expect(c.lists.tools).toEqual([]);
    expect(c.toolRoute.size).toBe(0);
  });

  it('keeps unique resource URIs, wraps shared ones, and routes both back', () => {
    const c = new Catalog([
      src('a', {
        resources: [{ uri: 'test://only-a' }, { uri: 'shared://x' }],
        templates: [{ uriTemplate: 'test://template/{id}/data' }],
      }),
      src('b', { resources: [{ uri: 'shared://x' }, { uri: 'file:///tmp/f' }] }),
    ]);
    expect(c.lists.resources.map((r) => r.uri)).toEqual([
      'test://only-a',
      'gridctl:a/shared://x',
      'gridctl:b/shared://x',
      'file:///tmp/f',
    ]);
    expect(c.routeUri('test://only-a')).toEqual({ server: 'a', name: 'test://only-a' });
    expect(c.routeUri('gridctl:b/shared://x')).toEqual({ server: 'b', name: 'shared://x' });
    expect(c.routeUri('test://template/7/data')).toEqual({ server: 'a', name: 'test://template/7/data' });
    // not listed, but only b uses the file scheme
    expect(c.routeUri('file:///tmp/other')).toEqual({ server: 'b', name: 'file:///tmp/other' });
    expect(c.routeUri('nope://x')).toBeUndefined();
    expect(c.exposeUri('a', 'shared://x')).toBe('gridctl:a/shared://x');
    expect(c.exposeUri('a', 'test://only-a')).toBe('test://only-a');
  });

  it('routes anything to the only resource server', () => {
    const c = new Catalog([src('a'), src('b', { hasResources: false })]);
    expect(c.routeUri('x://y')).toEqual({ server: 'a', name: 'x://y' });
  });
});

describe('cursors', () => {
  it('round-trip and reject garbage', () => {
    expect(decodeCursor('tools', encodeCursor('tools', 40))).toBe(40);
    expect(decodeCursor('tools', undefined)).toBe(0);
    expect(() => decodeCursor('prompts', encodeCursor('tools', 1))).toThrow(/invalid cursor/);
    expect(() => decodeCursor('tools', 'garbage!')).toThrow(/invalid cursor/);
    expect(() => decodeCursor('tools', 12)).toThrow(/invalid cursor/);
  });
});
