import { describe, expect, it } from 'vitest';
import { callCtx, recordingNext, textOf } from '../test-context.js';
import { groupInterceptor } from './group.js';

const names = new Map([
  ['read', 'fs__read'],
  ['fs__read', 'fs__read'],
]);
const groups = {
  view: (g: string) => (g === 'docs' ? { resolve: (n: string) => names.get(n), size: 1 } : undefined),
};

describe('group interceptor', () => {
  it('leaves calls outside a group alone', async () => {
    const next = recordingNext();
    await groupInterceptor(groups)(next)(callCtx({ name: 'x__y' }));
    expect(next.calls[0]?.name).toBe('x__y');
  });

  it('resolves an alias to the canonical name before anything else', async () => {
    const next = recordingNext();
    await groupInterceptor(groups)(next)(callCtx({ group: 'docs', name: 'read', requested: 'read' }));
    expect(next.calls[0]).toMatchObject({ name: 'fs__read', requested: 'read' });
  });

  it('refuses a non-member and a removed group with readable results', async () => {
    const next = recordingNext();
    const h = groupInterceptor(groups)(next);
    const out = await h(callCtx({ group: 'docs', name: 'git__push' }));
    expect(textOf(out)).toBe(
      'Tool "git__push" is not in group "docs". The group exposes 1 tool(s); list them with tools/list.',
    );
    const gone = await h(callCtx({ group: 'old', name: 'read' }));
    expect(textOf(gone)).toContain('group "old" no longer exists');
    expect(next.calls).toHaveLength(0);
  });
});
