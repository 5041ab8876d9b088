import { describe, expect, it } from 'vitest';
import { diffStacks } from './diff.js';
import type { Stack } from './schema.js';

const base = (servers: Record<string, unknown>[], extra: Record<string, unknown> = {}) =>
  ({ name: 's', 'mcp-servers': servers, resources: [], ...extra }) as unknown as Stack;

describe('diffStacks', () => {
  it('finds added, removed and changed servers, sorted, with field-level details', () => {
    const a = base([
      { name: 'b', command: ['x'], replicas: 1 },
      { name: 'a', image: 'img:1', port: 80 },
      { name: 'gone', command: ['y'] },
    ]);
    const b = base([
      { name: 'a', image: 'img:2', port: 80 },
      { name: 'b', command: ['x'], replicas: 3 },
      { name: 'new', command: ['z'] },
    ]);
    const d = diffStacks(a, b);
    expect(d.items.map((i) => `${i.action} ${i.name}`)).toEqual([
      'add new',
      'change a',
      'change b',
      'remove gone',
    ]);
    expect(d.items.find((i) => i.name === 'a')!.details).toEqual(['image: img:1 → img:2']);
    expect(d.items.find((i) => i.name === 'b')!.details).toEqual(['replicas: 1 → 3']);
    expect(d.summary).toEqual({ add: 1, change: 2, remove: 1 });
  });

  it('never prints env values, only that they changed', () => {
    const d = diffStacks(
      base([{ name: 'a', command: ['x'], env: { TOKEN: 'old-secret' } }]),
      base([{ name: 'a', command: ['x'], env: { TOKEN: 'new-secret' } }]),
    );
    expect(d.items[0]!.details).toEqual(['env changed']);
    expect(JSON.stringify(d)).not.toContain('secret');
  });

  it('reports no changes for equal stacks whatever the key order', () => {
    const d = diffStacks(
      base([{ name: 'a', command: ['x'], env: { A: '1', B: '2' } }]),
      base([{ env: { B: '2', A: '1' }, command: ['x'], name: 'a' }]),
    );
    expect(d.hasChanges).toBe(false);
  });

  it('sees gateway, network and policy changes', () => {
    const d = diffStacks(
      base([], { gateway: { bind: '127.0.0.1' }, network: { name: 'n1' } }),
      base([], { gateway: { bind: '0.0.0.0' }, network: { name: 'n2' }, groups: { g: { servers: ['a'] } } }),
    );
    expect(d.items.map((i) => `${i.action} ${i.kind} ${i.name}`)).toEqual([
      'change gateway gateway',
      'change network network',
      'add policy groups',
    ]);
  });
});
