import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonSink, Logger } from '../../logging/logger.js';
import { REDACTED, redactor } from './redact.js';

describe('redactor', () => {
  it('replaces a value wherever it appears, also embedded in a longer string', () => {
    const r = redactor(['s3cr3t-token']);
    expect(r('Authorization: Bearer s3cr3t-token')).toBe(`Authorization: Bearer ${REDACTED}`);
    expect(r('url=https://x/?k=s3cr3t-tokenXYZ&again=s3cr3t-token')).toBe(
      `url=https://x/?k=${REDACTED}XYZ&again=${REDACTED}`,
    );
  });

  it('replaces JSON-escaped forms and keeps the JSON valid', () => {
    const value = 'pa"ss\\word\n';
    const r = redactor([value]);
    const line = JSON.stringify({ msg: `login with ${value} done`, nested: JSON.stringify({ value }) });
    const out = r(line);
    expect(out).not.toContain('pa\\"ss');
    expect(out).not.toContain('ss\\\\word');
    const parsed = JSON.parse(out) as { msg: string; nested: string };
    expect(parsed.msg).toBe(`login with ${REDACTED} done`);
    expect(JSON.parse(parsed.nested)).toEqual({ value: REDACTED });
  });

  it('handles several values, longest first, and special regex characters', () => {
    const r = redactor(['abcd', 'abcdefgh', 'a.b*c+(d)']);
    expect(r('abcdefgh abcd a.b*c+(d) aXbbcd')).toBe(`${REDACTED} ${REDACTED} ${REDACTED} aXbbcd`);
  });

  it('leaves values shorter than 4 characters alone, and is the identity with nothing to hide', () => {
    expect(redactor(['abc', ''])('abc abc')).toBe('abc abc');
    expect(redactor([])('anything')).toBe('anything');
  });
});

describe('redactor on JSON text', () => {
  it('plugs into the logger: no sink, ring entry or subscriber sees a value', () => {
    const lines: string[] = [];
    const log = Logger.create({ sinks: [jsonSink((l) => lines.push(l))] });
    log.setRedactor(redactor(['tok-"quoted"\\x', 'plain-secret']));
    const seen: string[] = [];
    log.subscribe((e) => seen.push(JSON.stringify(e)));
    log.info('calling with Bearer plain-secret-suffix', {
      header: 'tok-"quoted"\\x',
      nested: { deep: ['plain-secret'] },
    });
    const all = [...lines, ...seen, JSON.stringify(log.recent())].join('\n');
    expect(all).not.toContain('plain-secret');
    expect(all).not.toContain('quoted');
    expect(log.recent()[0]).toMatchObject({
      msg: `calling with Bearer ${REDACTED}-suffix`,
      header: REDACTED,
      nested: { deep: [REDACTED] },
    });
  });

  it('widens a match to whole escapes when JSON is embedded in plain text', () => {
    const r = redactor(['nopass123', 'tail\\']);
    // An escaped newline followed by "opass123", and a value ending in a backslash before a quote.
    const text = `payload=${JSON.stringify({ a: 'x\nopass123', b: 'tail\\' })}`;
    const out = r(text);
    expect(out.startsWith('payload=')).toBe(true);
    expect(JSON.parse(out.slice('payload='.length))).toEqual({ a: `x${REDACTED}`, b: REDACTED });
  });

  it('redacts a JSON document value by value, so values shaped like JSON cannot break it', () => {
    const r = redactor(['","b":"', '12345', 'truex']);
    const out = r(`  ${JSON.stringify({ a: 'x","b":"y', n: 12345, list: ['ok', 'truex'] })}\n`);
    expect(out.startsWith('  ') && out.endsWith('\n')).toBe(true);
    expect(JSON.parse(out)).toEqual({ a: `x${REDACTED}y`, n: REDACTED, list: ['ok', REDACTED] });
    expect(r('not json: "12345"')).toBe(`not json: "${REDACTED}"`);
  });

  // A small alphabet rich in escapes and JSON structure, so awkward overlaps come up often.
  const alphabet = fc.constantFrom('a', 'n', 'u', '0', '\\', '"', '\n', '\u0001', ',', ':', '{', '}');
  const str = (min: number) => fc.string({ unit: alphabet, minLength: min, maxLength: 7 });
  const values = fc.array(str(4), { minLength: 1, maxLength: 3 });
  const message = (vs: string[], parts: string[]) =>
    parts.flatMap((p, i) => [p, vs[i % vs.length]!]).join('');

  it('always leaves a JSON document valid, with no value left in it', () => {
    fc.assert(
      fc.property(values, fc.array(str(0), { maxLength: 4 }), (vs, parts) => {
        const msg = message(vs, parts);
        const out = redactor(vs)(JSON.stringify({ msg, nested: JSON.stringify({ msg }) }));
        const parsed = JSON.parse(out) as { msg: string; nested: string };
        for (const v of vs) {
          expect(parsed.msg.includes(v)).toBe(false);
          expect(parsed.nested.includes(v)).toBe(false);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('leaves no value, raw or escaped, in plain text', () => {
    fc.assert(
      fc.property(values, fc.array(str(0), { maxLength: 4 }), (vs, parts) => {
        const msg = message(vs, parts);
        const out = redactor(vs)(`raw=${msg} json=${JSON.stringify(msg)}`);
        for (const v of vs) {
          expect(out.includes(v)).toBe(false);
          expect(out.includes(JSON.stringify(v).slice(1, -1))).toBe(false);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
