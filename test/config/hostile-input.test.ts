// Stack files that look valid, or are garbage, through the real CLI: what validate says about them
// must be safe to print and must point at the right place.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './cli.js';

const dir = mkdtempSync(path.join(tmpdir(), 'gridctl-hostile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
function write(text: string | Buffer, name = `case-${n++}.yaml`): string {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}

// Everything a terminal would act on: C0 (but newline), DEL, C1.
const CONTROL = /(?!\n)\p{Cc}/u;

describe('binary garbage in a stack file', () => {
  it('is escaped in the excerpt and in messages, and the caret stays under the column', async () => {
    const file = write(
      Buffer.concat([
        Buffer.from('name: x\nmcp-servers:\n  - name: a\x1b[31m\x07\x00: ['),
        Buffer.from([0x01, 0xff, 0xfe]),
        Buffer.from('\n'),
      ]),
    );
    const r = await runCli(['validate', file]);
    expect(r.code).toBe(1);
    expect(r.stdout).not.toMatch(CONTROL);
    const lines = r.stdout.split('\n');
    const at = lines.findIndex((l) => l.includes('3 |'));
    expect(lines[at]).toContain('- name: a\\x1b[31m\\x07\\x00: [\\x01\\ufffd\\ufffd');
    // The parser reports 3:11 (the `a`): the caret sits under it in the escaped line.
    expect(r.stdout).toContain(':3:11');
    expect(lines[at]![lines[at + 1]!.indexOf('^')]).toBe('a');
  });

  it('keys with control characters are escaped in field paths and messages', async () => {
    const file = write('name: x\n"bad\\e[2Jkey\\u0007": 1\n');
    const r = await runCli(['validate', file]);
    expect(r.stdout).not.toMatch(CONTROL);
    expect(r.stdout).toContain('bad\\x1b[2Jkey\\x07');
  });
});
