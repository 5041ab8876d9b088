// The terminal prompt used for values and passphrases: echoes nothing, edits, cancels.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { hiddenPrompt, type VarInput } from '../../src/cli/var.js';

function fakeTty() {
  const input = new PassThrough() as PassThrough & VarInput;
  const modes: boolean[] = [];
  Object.assign(input, { isTTY: true, setRawMode: (m: boolean) => modes.push(m) });
  const output = new PassThrough();
  let written = '';
  output.on('data', (c) => {
    written += c;
  });
  return { input, output, modes, written: () => written };
}

describe('hidden prompt', () => {
  it('returns the typed line without echoing it, handling backspace and Ctrl-U, in raw mode', async () => {
    const t = fakeTty();
    const answer = hiddenPrompt(t.input, t.output, 'Value: ');
    t.input.write('wrong');
    t.input.write('\u0015'); // Ctrl-U clears
    t.input.write('s3cretX\u007f');
    t.input.write('!\r');
    await expect(answer).resolves.toBe('s3cret!');
    expect(t.written()).toBe('Value: \n');
    expect(t.modes).toEqual([true, false]);
  });

  it('cancels on Ctrl-C and restores the terminal', async () => {
    const t = fakeTty();
    const answer = hiddenPrompt(t.input, t.output, 'Passphrase: ');
    t.input.write('abc\u0003');
    await expect(answer).rejects.toThrow(/cancelled; nothing was changed/);
    expect(t.modes).toEqual([true, false]);
  });

  it('refuses to prompt when stdin is not a terminal', async () => {
    const input = new PassThrough() as PassThrough & VarInput;
    await expect(hiddenPrompt(input, new PassThrough(), 'Value: ')).rejects.toThrow(
      /stdin is not a terminal/,
    );
  });
});
