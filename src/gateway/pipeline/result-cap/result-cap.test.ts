import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { callCtx } from '../test-context.js';
import type { ToolResult } from '../types.js';
import { capResult, DEFAULT_MAX_TOOL_RESULT_BYTES, resultCap } from './result-cap.js';

/** Runs the interceptor over a fake upstream answering `result`. */
async function call(maxBytes: number, result: ToolResult): Promise<ToolResult> {
  return resultCap({ maxBytes })(async () => result)(callCtx());
}

/** Freezes the whole result, so any write to the upstream's object throws. */
function frozen<T>(v: T): T {
  if (typeof v === 'object' && v !== null) {
    for (const x of Object.values(v)) frozen(x);
    Object.freeze(v);
  }
  return v;
}

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');
const marker = (orig: number, limit: number) => ` [truncated: ${orig} bytes, showing first ${limit} bytes]`;
const text = (r: ToolResult, i = 0) => (r.content as Array<{ text: string }>)[i]!.text;

describe('resultCap', () => {
  it('returns the upstream result object itself when nothing is over the cap', async () => {
    const result = frozen({
      content: [
        { type: 'text', text: 'a'.repeat(100) },
        { type: 'image', data: 'QUJD'.repeat(10), mimeType: 'image/png' },
        { type: 'resource_link', uri: 'file:///x', name: 'x' },
      ],
      structuredContent: { ok: true },
    });
    expect(await call(100, result)).toBe(result);
    expect(await call(0, { content: [] })).toEqual({ content: [] });
  });

  it('cuts a text item over the cap and appends the marker, leaving the upstream object alone', async () => {
    const long = 'x'.repeat(1000);
    const result = frozen({
      content: [
        { type: 'text', text: 'short' },
        { type: 'text', text: long },
      ],
      _meta: { k: 1 },
    });
    const out = await call(100, result);
    expect(out).not.toBe(result);
    expect(text(out, 0)).toBe('short');
    expect(text(out, 1)).toBe(`${'x'.repeat(100)}${marker(1000, 100)}`);
    expect(out._meta).toEqual({ k: 1 });
    expect(text(result, 1)).toBe(long);
  });

  it('never splits a multi-byte character', async () => {
    // 'é' is 2 bytes and '😀' 4: a 5-byte cap fits "éé" but not a third 'é'; 4 bytes fit "a" but not "a😀".
    expect(text(await call(5, { content: [{ type: 'text', text: 'éééé' }] }))).toBe(`éé${marker(8, 5)}`);
    expect(text(await call(4, { content: [{ type: 'text', text: 'a😀😀' }] }))).toBe(`a${marker(9, 4)}`);
  });

  it('keeps a lone surrogate as it was instead of turning it into U+FFFD', async () => {
    // '\uD800' alone encodes as 3 bytes (EF BF BD); the kept prefix is sliced from the original string.
    expect(text(await call(4, { content: [{ type: 'text', text: 'a\uD800bcd' }] }))).toBe(
      `a\uD800${marker(7, 4)}`,
    );
  });

  it('caps isError results too', async () => {
    const out = await call(10, { content: [{ type: 'text', text: 'e'.repeat(50) }], isError: true });
    expect(out.isError).toBe(true);
    expect(text(out)).toBe(`${'e'.repeat(10)}${marker(50, 10)}`);
  });

  it('drops a structuredContent over the cap and says so in a text item', async () => {
    const structuredContent = { rows: Array.from({ length: 50 }, (_, i) => ({ i })) };
    const size = bytes(JSON.stringify(structuredContent));
    const result = frozen({ content: [{ type: 'text', text: 'see structure' }], structuredContent });
    const out = await call(200, result);
    expect(out).not.toHaveProperty('structuredContent');
    expect(out.isError).toBe(true);
    expect(out.content).toEqual([
      { type: 'text', text: 'see structure' },
      { type: 'text', text: `[structuredContent dropped: ${size} bytes exceeds the 200-byte result limit]` },
    ]);
    expect(result.structuredContent).toBe(structuredContent);
  });

  it('keeps binary items while they fit one budget per result, and replaces the rest with a note', async () => {
    const png = { type: 'image', data: 'A'.repeat(60), mimeType: 'image/png' };
    const wav = { type: 'audio', data: 'B'.repeat(60), mimeType: 'audio/wav' };
    const small = { type: 'image', data: 'C'.repeat(40), mimeType: 'image/gif' };
    const out = await call(100, frozen({ content: [png, wav, small] }));
    expect(out.content).toEqual([
      png,
      { type: 'text', text: '[audio (audio/wav) dropped: 60 bytes exceeds the 100-byte result limit]' },
      small,
    ]);
  });

  it('counts embedded resources, blob or text, and names their URI', async () => {
    const blob = {
      type: 'resource',
      resource: { uri: 'file:///r/a.pdf', mimeType: 'application/pdf', blob: 'Z'.repeat(500) },
    };
    const doc = { type: 'resource', resource: { uri: 'mem://notes', text: 'ü'.repeat(300) } };
    const out = await call(400, { content: [blob, doc] });
    expect(out.content).toEqual([
      {
        type: 'text',
        text: '[resource file:///r/a.pdf (application/pdf) dropped: 500 bytes exceeds the 400-byte result limit]',
      },
      { type: 'text', text: '[resource mem://notes dropped: 600 bytes exceeds the 400-byte result limit]' },
    ]);
  });

  it('reads 0 as the default of 65536 bytes', async () => {
    expect(DEFAULT_MAX_TOOL_RESULT_BYTES).toBe(65_536);
    const at = { content: [{ type: 'text', text: 'y'.repeat(65_536) }] };
    expect(await call(0, at)).toBe(at);
    const over = await call(0, { content: [{ type: 'text', text: 'y'.repeat(65_537) }] });
    expect(text(over)).toBe(`${'y'.repeat(65_536)}${marker(65_537, 65_536)}`);
  });
});

describe('resultCap properties', () => {
  // Full Unicode, weighted to multi-byte characters, and lengths around the cap.
  const unicodeText = fc.string({ unit: 'binary', maxLength: 400 });
  const limits = fc.integer({ min: 1, max: 300 });

  it('always yields well-formed text within the cap plus the marker, cut from the original', () => {
    fc.assert(
      fc.property(unicodeText, limits, (input, limit) => {
        const out = text(capResult(limit)({ content: [{ type: 'text', text: input }] }));
        const size = bytes(input);
        if (size <= limit) return out === input;
        const m = marker(size, limit);
        const kept = out.slice(0, out.length - m.length);
        const nextChar = String.fromCodePoint(input.slice(kept.length).codePointAt(0)!);
        return (
          out.endsWith(m) &&
          Buffer.from(out, 'utf8').toString('utf8') === out && // valid UTF-8: no U+FFFD introduced
          input.startsWith(kept) &&
          bytes(kept) <= limit &&
          bytes(kept + nextChar) > limit && // the longest prefix that fits
          bytes(out) <= limit + bytes(m)
        );
      }),
      { numRuns: 500, interruptAfterTimeLimit: 3000 },
    );
  });

  it('drops structuredContent exactly when its JSON is over the cap', () => {
    // Strings of control characters, quotes and astral characters stress the cheap size bound.
    const tricky = fc.string({
      unit: fc.constantFrom('a', 'é', '\u0001', '"', '\\', '😀', '\n'),
      maxLength: 40,
    });
    const value = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: 'small' },
        tricky,
        fc.double(),
        fc.boolean(),
        fc.constant(null),
        fc.array(tie('node'), { maxLength: 4 }),
        fc.dictionary(tricky, tie('node'), { maxKeys: 4 }),
      ),
    })).node;
    fc.assert(
      fc.property(value, fc.integer({ min: 1, max: 600 }), (structuredContent, limit) => {
        const out = capResult(limit)({ content: [], structuredContent });
        const over = bytes(JSON.stringify(structuredContent)) > limit;
        return over ? !('structuredContent' in out) : Object.is(out.structuredContent, structuredContent);
      }),
      { numRuns: 500, interruptAfterTimeLimit: 3000 },
    );
  });

  it('returns the same object whenever everything is under the cap', () => {
    fc.assert(
      fc.property(fc.array(unicodeText, { maxLength: 4 }), (texts) => {
        const result = { content: texts.map((t) => ({ type: 'text', text: t })) };
        const limit = Math.max(1, ...texts.map(bytes));
        return capResult(limit)(result) === result;
      }),
      { numRuns: 300, interruptAfterTimeLimit: 2000 },
    );
  });
});
