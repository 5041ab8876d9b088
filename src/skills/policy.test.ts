import { describe, expect, it } from 'vitest';
import { globRegExp, skillAllowed } from './policy.js';

describe('skills policy', () => {
  it('matches globs like Go path.Match', () => {
    const m = (g: string, s: string) => globRegExp(g).test(s);
    expect(m('code-*', 'code-review')).toBe(true);
    expect(m('code-*', 'xcode-review')).toBe(false);
    expect(m('?a', 'ba')).toBe(true);
    expect(m('[a-c]x', 'bx')).toBe(true);
    expect(m('[^a-c]x', 'bx')).toBe(false);
    expect(m('a\\*', 'a*')).toBe(true);
    expect(m('a\\*', 'ab')).toBe(false);
    expect(m('a.b', 'axb')).toBe(false);
  });

  it('lets deny win, then allow, then the default', () => {
    const p = { default: 'deny' as const, allow: ['code-*', 'docs-*'], deny: ['docs-internal'] };
    expect(skillAllowed(p, 'code-review')).toBe(true);
    expect(skillAllowed(p, 'docs-internal')).toBe(false);
    expect(skillAllowed(p, 'other')).toBe(false);
    expect(skillAllowed({ default: 'allow', allow: [], deny: ['x-*'] }, 'other')).toBe(true);
    expect(skillAllowed({ default: 'allow', allow: [], deny: ['x-*'] }, 'x-1')).toBe(false);
    expect(skillAllowed(undefined, 'anything')).toBe(true);
  });
});
