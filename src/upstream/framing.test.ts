import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LineSplitter } from './framing.js';

function split(chunks: Buffer[]): string[] {
  const out: string[] = [];
  const s = new LineSplitter((l) => out.push(l.toString('utf8')));
  for (const c of chunks) s.push(c);
  s.flush();
  return out;
}

describe('LineSplitter', () => {
  it('splits lines across arbitrary chunk boundaries, multi-byte characters included', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit: 'grapheme' }).map((s) => s.replace(/\n/g, ''))),
        fc.array(fc.nat(40)),
        (lines, cuts) => {
          const bytes = Buffer.from(lines.map((l) => `${l}\n`).join(''));
          const chunks: Buffer[] = [];
          let pos = 0;
          for (const c of cuts) {
            if (pos >= bytes.length) break;
            chunks.push(bytes.subarray(pos, pos + c + 1));
            pos += c + 1;
          }
          if (pos < bytes.length) chunks.push(bytes.subarray(pos));
          expect(split(chunks)).toEqual(lines);
        },
      ),
    );
  });

  it('keeps a last line without newline for flush()', () => {
    expect(split([Buffer.from('a\nb')])).toEqual(['a', 'b']);
  });

  it('joins a 5 MB line delivered in 64 KiB chunks quickly', () => {
    const big = Buffer.alloc(5 * 1024 * 1024, 0x61);
    const chunks: Buffer[] = [];
    for (let i = 0; i < big.length; i += 65536) chunks.push(big.subarray(i, i + 65536));
    chunks.push(Buffer.from('\n'));
    const started = performance.now();
    const out = split(chunks);
    expect(performance.now() - started).toBeLessThan(500);
    expect(out.length).toBe(1);
    expect(out[0]?.length).toBe(big.length);
  });
});
