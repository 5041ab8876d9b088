import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type SseEvent, SseParser } from './sse-parser.js';

function parse(chunks: string[]): SseEvent[] {
  const out: SseEvent[] = [];
  const p = new SseParser((e) => out.push(e));
  for (const c of chunks) p.push(c);
  return out;
}

describe('SseParser', () => {
  it('parses fields, multi-line data, comments, ids and retry', () => {
    expect(
      parse([
        ': keep-alive\n',
        'event: endpoint\ndata: /message?sessionId=1\n\n',
        'id: 7\nretry: 500\ndata: a\ndata: b\n\n',
      ]),
    ).toEqual([
      { event: 'endpoint', data: '/message?sessionId=1' },
      { event: 'message', data: 'a\nb', id: '7', retry: 500 },
    ]);
  });

  it('keeps priming events (id, empty data) so the id can be used to resume', () => {
    expect(parse(['id: p1\nretry: 10\ndata: \n\n'])).toEqual([
      { event: 'message', data: '', id: 'p1', retry: 10 },
    ]);
  });

  it('gives the same events for CRLF, CR or LF and for any chunking', () => {
    const events = ['{"a":1}', 'x'.repeat(100), 'é✓'];
    fc.assert(
      fc.property(fc.constantFrom('\n', '\r\n', '\r'), fc.array(fc.nat(30)), (nl, cuts) => {
        const text = events.map((d) => `data: ${d}${nl}${nl}`).join('');
        const chunks: string[] = [];
        let pos = 0;
        for (const c of cuts) {
          if (pos >= text.length) break;
          chunks.push(text.slice(pos, pos + c + 1));
          pos += c + 1;
        }
        if (pos < text.length) chunks.push(text.slice(pos));
        expect(parse(chunks).map((e) => e.data)).toEqual(events);
      }),
    );
  });

  it('assembles a 5 MB data line from small chunks quickly', () => {
    const big = 'y'.repeat(5 * 1024 * 1024);
    const text = `data: ${big}\n\n`;
    const chunks: string[] = [];
    for (let i = 0; i < text.length; i += 16384) chunks.push(text.slice(i, i + 16384));
    const started = performance.now();
    const out = parse(chunks);
    expect(performance.now() - started).toBeLessThan(500);
    expect(out[0]?.data.length).toBe(big.length);
  });
});
