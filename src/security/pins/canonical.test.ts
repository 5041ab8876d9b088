import { describe, expect, it } from 'vitest';
import {
  canonicalJson,
  changedFields,
  hashDefinition,
  pick,
  serverHash,
  toolDefinition,
} from './canonical.js';

describe('canonicalJson', () => {
  it('sorts keys at every depth and has no whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: 'x y' } })).toBe(
      '{"a":{"c":"x y","d":[3,{"y":2,"z":1}]},"b":1}',
    );
  });
  it('drops undefined members like JSON.stringify and keeps unicode as JSON escapes', () => {
    expect(canonicalJson({ a: undefined, b: null, c: [undefined] })).toBe('{"b":null,"c":[null]}');
    expect(canonicalJson('a\u200bb')).toBe(JSON.stringify('a\u200bb'));
  });
});

describe('tool definitions', () => {
  const tool = {
    name: 'echo',
    title: 'not pinned',
    description: 'Echo',
    inputSchema: { type: 'object', properties: { text: { type: 'string' } } },
    annotations: { readOnlyHint: true },
    outputSchema: null,
    _meta: { ignored: true },
  };
  it('keeps only the pinned fields; null is absent', () => {
    expect(toolDefinition(tool)).toEqual({
      name: 'echo',
      description: 'Echo',
      inputSchema: tool.inputSchema,
      annotations: tool.annotations,
    });
  });
  it('hashes independently of key order and of unpinned fields', () => {
    const reordered = {
      annotations: { readOnlyHint: true },
      inputSchema: { properties: { text: { type: 'string' } }, type: 'object' },
      description: 'Echo',
      name: 'echo',
      title: 'other',
    };
    expect(hashDefinition(toolDefinition(reordered))).toBe(hashDefinition(toolDefinition(tool)));
    expect(hashDefinition(toolDefinition(tool))).toMatch(/^sha256:[0-9a-f]{64}$/);
  });
  it('names the changed fields and picks them', () => {
    const a = toolDefinition(tool);
    const b = toolDefinition({ ...tool, description: 'Echo!', annotations: { readOnlyHint: false } });
    expect(changedFields(a, b)).toEqual(['description', 'annotations']);
    expect(pick(b, ['description'])).toEqual({ description: 'Echo!' });
    expect(changedFields(a, toolDefinition(tool))).toEqual([]);
  });
  it('server hash is order independent', () => {
    expect(
      serverHash([
        ['b', 'h2'],
        ['a', 'h1'],
      ]),
    ).toBe(
      serverHash([
        ['a', 'h1'],
        ['b', 'h2'],
      ]),
    );
  });
});
