// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are stack-file expansion syntax
import { describe, expect, it } from 'vitest';
import { type ExpandContext, type ExpandEvent, expandString } from './expand.js';

const env = { HOME: '/home/me', EMPTY: '', TOKEN: 'env-token' };
const validate: ExpandContext = { mode: 'validate', env };
const store = { get: (k: string) => ({ TOKEN: 'store-token', KEY: 'k1' })[k] };

function expand(s: string, ctx: ExpandContext = validate) {
  const events: ExpandEvent[] = [];
  return { out: expandString(s, ctx, events), events };
}

describe('expandString', () => {
  it.each([
    ['$HOME/x', '/home/me/x'],
    ['${HOME}/x', '/home/me/x'],
    ['${NOPE:-fallback}', 'fallback'],
    ['${EMPTY:-fallback}', 'fallback'],
    ['${HOME:-fallback}', '/home/me'],
    ['${HOME:+set}', 'set'],
    ['${EMPTY:+set}', ''],
    ['${NOPE:+set}', ''],
    ['$$HOME', '$HOME'],
    ['cost $$5', 'cost $5'],
    ['$$${HOME}', '$/home/me'],
    ['$1 and ${1} and $ and ${', '$1 and ${1} and $ and ${'],
    ['${HOME', '${HOME'],
    ['a$', 'a$'],
  ])('%s → %s', (input, expected) => {
    expect(expand(input).out).toBe(expected);
  });

  it('never re-scans substituted text', () => {
    expect(expand('$X', { mode: 'validate', env: { X: '$HOME' } }).out).toBe('$HOME');
  });

  it('reports an unset plain variable and expands it to ""', () => {
    expect(expand('a${NOPE}b')).toEqual({ out: 'ab', events: [{ kind: 'env-unset', name: 'NOPE' }] });
  });

  it('validate: ${var:KEY} without a store value stays as written', () => {
    expect(expand('${var:MISSING}')).toEqual({
      out: '${var:MISSING}',
      events: [{ kind: 'var-unresolved', key: 'MISSING' }],
    });
  });

  it('apply: a missing ${var:KEY} is reported; a default suppresses it', () => {
    const apply: ExpandContext = { mode: 'apply', env, resolver: store };
    expect(expand('${var:MISSING}', apply).events).toEqual([{ kind: 'var-missing', key: 'MISSING' }]);
    expect(expand('${var:MISSING:-d}', apply)).toEqual({ out: 'd', events: [] });
    expect(expand('${var:KEY:+yes}', apply)).toEqual({ out: 'yes', events: [] });
  });

  it('store first, then environment', () => {
    const apply: ExpandContext = { mode: 'apply', env, resolver: store };
    expect(expand('${var:TOKEN}', apply).out).toBe('store-token');
    expect(expand('$TOKEN', apply).out).toBe('store-token');
    expect(expand('${var:HOME}', apply).out).toBe('/home/me');
    // validate consults the store for var: refs only; plain names read the environment
    expect(expand('$TOKEN', { ...validate, resolver: store }).out).toBe('env-token');
  });

  it('${vault:KEY} works like ${var:KEY} and is flagged deprecated', () => {
    const apply: ExpandContext = { mode: 'apply', env, resolver: store };
    expect(expand('${vault:KEY}', apply)).toEqual({
      out: 'k1',
      events: [{ kind: 'vault-deprecated', key: 'KEY' }],
    });
  });
});
