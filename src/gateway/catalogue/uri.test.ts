import { describe, expect, it } from 'vitest';
import { templateMatcher, unwrapUri, uriScheme, wrapUri } from './uri.js';

describe('resource URI scheme', () => {
  it('wraps and unwraps reversibly, even URIs with slashes and colons', () => {
    for (const uri of ['file:///tmp/a b', 'test://static-text', 'gridctl:x/y', 'urn:isbn:1']) {
      const w = wrapUri('srv-1', uri);
      expect(unwrapUri(w)).toEqual({ server: 'srv-1', uri });
    }
  });

  it('does not unwrap URIs that are not ours', () => {
    expect(unwrapUri('file:///x')).toBeUndefined();
    expect(unwrapUri('gridctl:/x')).toBeUndefined();
    expect(unwrapUri('gridctl:noslash')).toBeUndefined();
  });

  it('reads the scheme', () => {
    expect(uriScheme('File:///x')).toBe('file');
    expect(uriScheme('no scheme')).toBeUndefined();
  });
});

describe('templateMatcher', () => {
  it('matches simple expressions within one segment', () => {
    const m = templateMatcher('test://template/{id}/data');
    expect(m.test('test://template/42/data')).toBe(true);
    expect(m.test('test://template/4/2/data')).toBe(false);
    expect(m.test('test://other/42/data')).toBe(false);
  });

  it('matches reserved and query expansions', () => {
    expect(templateMatcher('file://{+path}').test('file:///a/b/c.txt')).toBe(true);
    expect(templateMatcher('api://items{?page,size}').test('api://items?page=2')).toBe(true);
    expect(templateMatcher('api://items{?page,size}').test('api://items')).toBe(true);
  });

  it('escapes literal regex characters', () => {
    expect(templateMatcher('a.b://{x}').test('aXb://1')).toBe(false);
  });
});
