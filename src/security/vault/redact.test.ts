import { describe, expect, it } from 'vitest';
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
