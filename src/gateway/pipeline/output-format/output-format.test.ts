import { decode as decodeToon } from '@toon-format/toon';
import { parse as parseCsv } from 'csv-parse/sync';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { callCtx } from '../test-context.js';
import type { CallHandler, ToolResult } from '../types.js';
import { convertResult, type Format, MAX_CONVERT_BYTES, outputFormat } from './output-format.js';

const ctx = (server: string | undefined) => callCtx({ name: `${server}__t`, server, tool: 't' });

function handler(format: Format, perServer: Record<string, Format> = {}, result?: ToolResult): CallHandler {
  return outputFormat({ format, perServer: new Map(Object.entries(perServer)) })(async () => result ?? {});
}

const textOf = (r: ToolResult, i = 0) => (r.content as Array<{ text: string }>)[i]!.text;
const jsonResult = (value: unknown, extra: ToolResult = {}): ToolResult => ({
  content: [{ type: 'text', text: JSON.stringify(value, null, 2) }],
  ...extra,
});

// The shape server-memory's read_graph answers with.
const graph = {
  entities: [
    { type: 'entity', name: 'Ada', entityType: 'person', observations: ['wrote the first program'] },
    { type: 'entity', name: 'Engine', entityType: 'machine', observations: ['analytical', 'never built'] },
  ],
  relations: [{ type: 'relation', from: 'Ada', to: 'Engine', relationType: 'programmed' }],
};
const files = [
  { name: 'a.txt', size: 12, dir: false },
  { name: 'src, old', size: 4096, dir: true },
  { name: 'say "hi"\n.md', size: null, dir: false, note: 'extra' },
];

describe('outputFormat', () => {
  it('is no interceptor at all when no format converts', () => {
    const next: CallHandler = async () => ({});
    expect(outputFormat({ format: 'json', perServer: new Map() })(next)).toBe(next);
    expect(outputFormat({ format: 'text', perServer: new Map([['a', 'json']]) })(next)).toBe(next);
    expect(outputFormat({ format: 'json', perServer: new Map([['a', 'toon']]) })(next)).not.toBe(next);
  });

  it('re-encodes a JSON text result as TOON that decodes back to the same value', async () => {
    const upstream = jsonResult(graph, { _meta: { m: 1 }, structuredContent: graph });
    const out = await handler('toon', {}, upstream)(ctx('memory'));
    expect(textOf(out)).toContain('relations[1]{type,from,to,relationType}:');
    expect(decodeToon(textOf(out))).toEqual(graph);
    expect(out.structuredContent).toBe(graph);
    expect(out._meta).toEqual({ m: 1 });
    expect(textOf(upstream)).toBe(JSON.stringify(graph, null, 2));
  });

  it("uses the server's format over the gateway's", async () => {
    const upstream = jsonResult(graph);
    expect(await handler('json', { memory: 'toon' }, upstream)(ctx('memory'))).not.toBe(upstream);
    expect(await handler('json', { memory: 'toon' }, upstream)(ctx('other'))).toBe(upstream);
    expect(await handler('toon', { memory: 'json' }, upstream)(ctx('memory'))).toBe(upstream);
    expect(await handler('toon', { memory: 'json' }, upstream)(ctx(undefined))).not.toBe(upstream);
  });

  it('writes an array of flat objects as RFC 4180 CSV with every key as a column', async () => {
    const out = await handler('csv', {}, jsonResult(files))(ctx('fs'));
    expect(textOf(out)).toBe(
      'name,size,dir,note\na.txt,12,false,\n"src, old",4096,true,\n"say ""hi""\n.md",,false,extra\n',
    );
  });

  it('never reads a column named like an Object.prototype member from a row that lacks it', async () => {
    const out = await handler('csv', {}, jsonResult([{}, { valueOf: false, constructor: 'x' }]))(ctx('fs'));
    expect(textOf(out)).toBe('valueOf,constructor\n,\nfalse,x\n');
  });

  it('leaves CSV-unfit JSON alone: nested values, objects, empty arrays', async () => {
    for (const value of [graph, [{ a: { b: 1 } }], [{ a: [1] }], [], [1, 2], [{}], { a: 1 }]) {
      const upstream = jsonResult(value);
      expect(await handler('csv', {}, upstream)(ctx('fs')), JSON.stringify(value)).toBe(upstream);
    }
  });

  it('returns the result itself for isError, prose, scalars, empty JSON, cut JSON, long numbers, huge text', async () => {
    const big = JSON.stringify(Array.from({ length: 40_000 }, (_, i) => ({ i, pad: 'xxxxxxxxxxxxxxxx' })));
    expect(big.length).toBeGreaterThan(MAX_CONVERT_BYTES);
    const cut = `${JSON.stringify(files).slice(0, 40)} [truncated: 200 bytes, showing first 40 bytes]`;
    const cases: ToolResult[] = [
      jsonResult(files, { isError: true }),
      { content: [{ type: 'text', text: 'Created 2 entities.' }] },
      { content: [{ type: 'text', text: '42' }] },
      { content: [{ type: 'text', text: '{}' }] },
      { content: [{ type: 'text', text: ' [ ] ' }] },
      { content: [{ type: 'text', text: cut }] },
      { content: [{ type: 'text', text: '[{"id": 1234567890123456789}]' }] },
      { content: [{ type: 'text', text: big }] },
      { content: [{ type: 'image', data: 'AAAA', mimeType: 'image/png' }] },
      { structuredContent: { a: 1 } },
    ];
    for (const format of ['toon', 'csv'] as const) {
      for (const upstream of cases) expect(await handler(format, {}, upstream)(ctx('fs'))).toBe(upstream);
    }
  });

  it('converts each text item on its own and keeps the others as they are', async () => {
    const image = { type: 'image', data: 'AAAA', mimeType: 'image/png' };
    const upstream = {
      content: [{ type: 'text', text: 'Found:' }, { type: 'text', text: JSON.stringify(files) }, image],
    };
    const out = await handler('toon', {}, upstream)(ctx('fs'));
    expect(textOf(out, 0)).toBe('Found:');
    expect(decodeToon(textOf(out, 1))).toEqual(files);
    expect((out.content as unknown[])[2]).toBe(image);
  });

  it('keeps the original when the converter throws', () => {
    const upstream = jsonResult(files);
    const failing = () => {
      throw new Error('boom');
    };
    expect(convertResult(upstream, failing)).toBe(upstream);
  });
});

describe('outputFormat properties', () => {
  const convert = async (format: Format, text: string): Promise<string> =>
    textOf(await handler(format, {}, { content: [{ type: 'text', text }] })(ctx('s')));

  it('TOON decodes back to the JSON it replaced, or leaves the text as it was', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue({ maxDepth: 4 }), async (value) => {
        const text = JSON.stringify(value);
        const out = await convert('toon', text);
        // Passed through only when there is nothing to gain or a number might be rounded.
        const empty = typeof value !== 'object' || value === null || Object.keys(value).length === 0;
        if (out === text) return empty || /(?:\d\.?){16}/.test(text);
        expect(decodeToon(out)).toEqual(JSON.parse(text));
        return true;
      }),
      { numRuns: 400, interruptAfterTimeLimit: 3000 },
    );
  });

  const scalar = fc.oneof(
    fc.string(),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.boolean(),
    fc.constant(null),
  );
  // Names of Object.prototype members too: a row lacking one must not read the inherited value.
  const key = fc.oneof(
    fc.string({ minLength: 1, maxLength: 8 }),
    fc.constantFrom('valueOf', 'toString', 'constructor', '__proto__'),
  );
  const flatRows = fc.array(fc.dictionary(key, scalar, { maxKeys: 5 }), { minLength: 1, maxLength: 8 });

  it('CSV parses back to the rows it replaced, cell by cell', async () => {
    await fc.assert(
      fc.asyncProperty(flatRows, async (rows) => {
        const text = JSON.stringify(rows);
        const out = await convert('csv', text);
        const parsed = JSON.parse(text) as Array<Record<string, unknown>>;
        const columns = [...new Set(parsed.flatMap((r) => Object.keys(r)))];
        if (out === text) return columns.length === 0 || /(?:\d\.?){16}/.test(text);
        const back = parseCsv(out, { columns: true, relax_column_count: false }) as Array<
          Record<string, string>
        >;
        expect(back).toEqual(
          parsed.map((r) =>
            Object.fromEntries(
              columns.map((c) => [c, !Object.hasOwn(r, c) || r[c] === null ? '' : String(r[c])]),
            ),
          ),
        );
        return true;
      }),
      { numRuns: 400, interruptAfterTimeLimit: 3000 },
    );
  });

  it('never throws on any text, and leaves non-JSON text as it was', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string({ unit: 'binary' }), fc.json()), async (text) => {
        for (const format of ['toon', 'csv'] as const) {
          const out = await convert(format, text);
          let json = true;
          try {
            JSON.parse(text);
          } catch {
            json = false;
          }
          if (!json) expect(out).toBe(text);
        }
        return true;
      }),
      { numRuns: 400, interruptAfterTimeLimit: 3000 },
    );
  });
});
