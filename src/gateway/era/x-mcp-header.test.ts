import { describe, expect, it } from 'vitest';
import { mcpHeaderProblem } from './x-mcp-header.js';

const str = (h: unknown) => ({ type: 'string', 'x-mcp-header': h });
const obj = (properties: Record<string, unknown>, more: Record<string, unknown> = {}) => ({
  type: 'object',
  properties,
  ...more,
});

describe('x-mcp-header annotations (2026-07-28 streamable-http, Schema Extension)', () => {
  it('accepts primitive properties reachable through properties alone, nested included', () => {
    expect(mcpHeaderProblem(undefined)).toBeUndefined();
    expect(mcpHeaderProblem(obj({ q: { type: 'string' } }))).toBeUndefined();
    expect(
      mcpHeaderProblem(
        obj({
          region: str('Region'),
          on: { type: 'boolean', 'x-mcp-header': 'Dry-Run' },
          where: obj({ zone: { type: 'integer', 'x-mcp-header': "z0ne!#$%&'*+-.^_`|~" } }),
        }),
      ),
    ).toBeUndefined();
    // A property *named* x-mcp-header and data keywords are no annotations.
    expect(
      mcpHeaderProblem(obj({ 'x-mcp-header': { type: 'string' } }, { default: { 'x-mcp-header': '' } })),
    ).toBeUndefined();
  });

  it.each([
    ['empty', obj({ a: str('') }), 'is not a non-empty string'],
    ['not a string', obj({ a: str(7) }), 'is not a non-empty string'],
    ['a space', obj({ a: str('Re gion') }), 'is not an HTTP field-name token'],
    ['CR LF', obj({ a: str('A\r\nX-Evil') }), '"A\\r\\nX-Evil" of a is not an HTTP field-name token'],
    ['non-ASCII', obj({ a: str('Régión') }), 'is not an HTTP field-name token'],
    ['a colon', obj({ a: str('A:B') }), 'is not an HTTP field-name token'],
    ['type number', obj({ n: { type: 'number', 'x-mcp-header': 'N' } }), 'of type "number"'],
    ['type object', obj({ o: { ...obj({}), 'x-mcp-header': 'O' } }), 'of type "object"'],
    ['no type', obj({ u: { 'x-mcp-header': 'U' } }), 'of type null'],
    [
      'a type list',
      obj({ u: { type: ['string', 'null'], 'x-mcp-header': 'U' } }),
      'of type ["string","null"]',
    ],
    [
      'a case-insensitive repeat',
      obj({ a: str('Region'), b: str('REGION') }),
      '"REGION" of b repeats the one of a',
    ],
    [
      'under items',
      obj({ l: { type: 'array', items: obj({ a: str('A') }) } }),
      'at l.items.properties.a is not',
    ],
    ['under anyOf', obj({ a: { anyOf: [str('A')] } }), 'at a.anyOf.0 is not'],
    ['under allOf at the root', { allOf: [obj({ a: str('A') })] }, 'at allOf.0.properties.a is not'],
    [
      'under then',
      obj(
        {},
        Object.fromEntries([
          ['if', {}],
          ['then', obj({ a: str('A') })],
        ]),
      ),
      'at then.properties.a is not',
    ],
    ['in $defs', obj({ a: { $ref: '#/$defs/r' } }, { $defs: { r: str('R') } }), 'at $defs.r is not'],
    [
      'under additionalProperties',
      obj({}, { additionalProperties: str('A') }),
      'at additionalProperties is not',
    ],
    ['on the root', { type: 'string', 'x-mcp-header': 'Root' }, 'at the schema root is not'],
  ])('refuses an annotation with %s', (_what, schema, reason) => {
    expect(mcpHeaderProblem(schema)).toContain(reason);
  });
});
