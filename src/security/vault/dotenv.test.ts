import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatDotenv, parseDotenv } from './dotenv.js';

const asObject = (text: string) => Object.fromEntries(parseDotenv(text).map((e) => [e.key, e.value]));

describe('.env parsing', () => {
  it('reads comments, blank lines, export prefixes, spaces around = and inline comments', () => {
    const text = [
      '# a comment',
      '',
      'export A=1',
      '  B = two words  ',
      'C=value # trailing comment',
      'D=no#comment',
      'E=',
      'F= # only a comment',
      'export   G="x"',
    ].join('\n');
    expect(asObject(text)).toEqual({
      A: '1',
      B: 'two words',
      C: 'value',
      D: 'no#comment',
      E: '',
      F: '',
      G: 'x',
    });
  });

  it('reads quoted values: escapes in double quotes only, multi-line, # inside quotes', () => {
    const text = [
      'DQ="a\\nb\\t\\"c\\" \\\\ \\$HOME \\q"',
      'SQ=\'lit \\n $HOME "x"\'',
      'BT=`back # tick`',
      'ML="line one',
      'line two"',
      "ML2='first",
      "second' # comment",
      'HASH="a # b"',
      'AFTER=1',
    ].join('\n');
    expect(asObject(text)).toEqual({
      DQ: 'a\nb\t"c" \\ $HOME \\q',
      SQ: 'lit \\n $HOME "x"',
      BT: 'back # tick',
      ML: 'line one\nline two',
      ML2: 'first\nsecond',
      HASH: 'a # b',
      AFTER: '1',
    });
  });

  it('handles CRLF line endings and a byte-order mark; a later duplicate wins', () => {
    expect(asObject('\uFEFFA=1\r\nB="x\r\ny"\r\nA=2\r\n')).toEqual({ A: '2', B: 'x\ny' });
  });

  it('reports the line of each error without echoing the value', () => {
    expect(() => parseDotenv('A=1\nnot a pair\n')).toThrow(/^line 2: expected KEY=VALUE$/);
    expect(() => parseDotenv('A=1\n\n1BAD=x')).toThrow(/^line 3: invalid variable name "1BAD"/);
    expect(() => parseDotenv('A="secret-never-closed\nmore')).toThrow(
      /^line 1: unterminated "-quoted value$/,
    );
    expect(() => parseDotenv("A='s3cret' trailing")).toThrow(
      /^line 1: unexpected text after the closing quote$/,
    );
    // The error must be thrown and must not carry the value.
    let thrown: unknown;
    try {
      parseDotenv('A="secret-never-closed');
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(Error);
    expect((thrown as Error).message).toBe('line 1: unterminated "-quoted value');
    expect((thrown as Error).message).not.toContain('secret-never-closed');
  });

  it('counts lines through multi-line values', () => {
    expect(parseDotenv('A="x\ny\nz"\nB=1').map((e) => e.line)).toEqual([1, 4]);
  });
});

describe('.env writing', () => {
  it('quotes only what needs it', () => {
    expect(formatDotenv({ B: 'plain-value_1.2:3/4@x', A: '' })).toBe('A=\nB=plain-value_1.2:3/4@x\n');
    expect(formatDotenv({ A: 'has space $HOME #x' })).toBe("A='has space $HOME #x'\n");
    expect(formatDotenv({ A: "it's\n$HOME" })).toBe('A="it\'s\\n\\$HOME"\n');
  });

  it('reads back exactly what it writes, whatever the values', () => {
    const key = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,10}$/);
    fc.assert(
      fc.property(fc.dictionary(key, fc.string({ unit: 'binary' })), (vars) => {
        const back = asObject(formatDotenv(vars));
        expect(back).toEqual(Object.fromEntries(Object.entries(vars)));
      }),
      { numRuns: 200 },
    );
  });
});
