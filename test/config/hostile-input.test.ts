// Stack files that look valid, or are garbage, through the real CLI: what validate says about them
// must be safe to print and must point at the right place.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadStack } from '../../src/config/index.js';
import { tempDir } from '../support/temp.js';
import { runCli, validateJson } from './cli.js';

const dir = tempDir('hostile');

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

async function issuesOf(file: string) {
  const { code, report } = await validateJson(file);
  return { code, issues: report.issues };
}

describe('files that are not stack files', () => {
  const child = (parent: string) => write(`name: child\nextends: ${parent}\nmcp-servers: []\n`);

  it('an extends FIFO, device or directory is refused at once, pointing at the extends line', async () => {
    const fifo = path.join(dir, 'parent.fifo');
    execFileSync('mkfifo', [fifo]);
    for (const [parent, kind] of [
      [fifo, 'a named pipe (FIFO)'],
      ['/dev/urandom', 'a device'],
      ['/dev/zero', 'a device'],
      [dir, 'a directory'],
    ] as const) {
      const started = Date.now();
      const { code, issues } = await issuesOf(child(parent));
      expect(Date.now() - started, parent).toBeLessThan(2000);
      expect(code).toBe(1);
      expect(issues).toEqual([
        expect.objectContaining({
          code: 'FILE_UNREADABLE',
          field: 'extends',
          message: `cannot read ${parent}: it is ${kind}, not a regular file`,
          line: 2,
          column: 10,
        }),
      ]);
    }
  }, 15_000);

  it('the stack file itself must be a regular file too', async () => {
    const fifo = path.join(dir, 'main.fifo');
    execFileSync('mkfifo', [fifo]);
    const { code, issues } = await issuesOf(fifo);
    expect(code).toBe(1);
    expect(issues[0]).toMatchObject({ code: 'FILE_UNREADABLE', message: expect.stringContaining('FIFO') });
  }, 15_000);

  it('a stack file over the 1 MiB cap is refused (main file and parent)', async () => {
    const big = write(`name: big\n# ${'x'.repeat(1024 * 1024)}\n`);
    const main = await issuesOf(big);
    expect(main.issues[0]).toMatchObject({
      code: 'FILE_UNREADABLE',
      message: expect.stringContaining('larger than the 1 MiB'),
    });
    const viaParent = await issuesOf(child(big));
    expect(viaParent.issues[0]).toMatchObject({ code: 'FILE_UNREADABLE', field: 'extends', line: 2 });
  });

  it('a parent that is not a mapping (like /etc/passwd) is an error, not a valid stack', async () => {
    const passwd = write(
      'root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n',
    );
    const list = write('- a\n- b\n');
    for (const [parent, holds] of [
      [passwd, 'a string'],
      [list, 'a list'],
      [write(''), 'nothing'],
    ] as const) {
      const { code, issues } = await issuesOf(child(parent));
      expect(code, parent).toBe(1);
      expect(issues).toEqual([
        expect.objectContaining({
          code: 'NOT_A_MAPPING',
          field: 'extends',
          message: `${parent} is not a stack file: it holds ${holds}, not a mapping of keys to values`,
          line: 2,
        }),
      ]);
    }
  });
});

describe('YAML anchors, aliases and merge keys', () => {
  it('a stack written with `<<: *base` validates, own keys winning, with x- keys as the anchor home', async () => {
    const file = write(
      [
        'name: merged',
        'x-base: &base',
        '  command: [node, server.js]',
        '  timeout: 5s',
        'x-more: &more',
        '  timeout: 9s',
        '  tools: [echo]',
        'mcp-servers:',
        '  - <<: *base',
        '    name: one',
        '  - <<: [*more, *base]',
        '    name: two',
        '    timeout: 1s',
        '',
      ].join('\n'),
    );
    const r = await runCli(['validate', file]);
    expect(r.stdout).toMatch(/is valid$/m);
    expect(r.code).toBe(0);
    const { stack } = await loadStack(file);
    expect(stack?.['mcp-servers'].map((s) => [s.name, s.command, s.timeout, s.tools])).toEqual([
      ['one', ['node', 'server.js'], '5s', []],
      ['two', ['node', 'server.js'], '1s', ['echo']],
    ]);
  });

  it('an issue in a merged or aliased field points at the line where the anchor wrote it', async () => {
    const file = write(
      [
        'name: merged',
        'x-base: &base',
        '  command: [node, server.js]',
        '  replicas: 40',
        'x-env: &env',
        '  A: [not, a, string]',
        'mcp-servers:',
        '  - <<: *base',
        '    name: one',
        '    env: *env',
        '',
      ].join('\n'),
    );
    const { code, issues } = await issuesOf(file);
    expect(code).toBe(1);
    expect(issues).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          field: 'mcp-servers[0].replicas',
          code: 'OUT_OF_RANGE',
          line: 4,
          column: 13,
        }),
        expect.objectContaining({
          field: 'mcp-servers[0].env[A]',
          code: 'TYPE_MISMATCH',
          line: 6,
          column: 6,
        }),
      ]),
    );
  });

  it('each use of an alias is expanded once (a shared `$$` is not expanded twice)', async () => {
    const file = write(
      'name: shared\nx-cmd: &cmd [sh, -c, "echo $$HOME"]\nmcp-servers:\n  - {name: a, command: *cmd}\n  - {name: b, command: *cmd}\n',
    );
    const { stack } = await loadStack(file, { env: { HOME: '/home/me' } });
    expect(stack?.['mcp-servers'].map((s) => s.command)).toEqual([
      ['sh', '-c', 'echo $HOME'],
      ['sh', '-c', 'echo $HOME'],
    ]);
  });

  it('alias bombs, through aliases or merge keys, stop at the alias cap with a coded issue', async () => {
    const level0 = `a0: &a0 {${Array.from({ length: 10 }, (_, i) => `k${i}: lol`).join(', ')}}`;
    const laughs = (use: (prev: string, i: number, l: number) => string) =>
      [
        'name: bomb',
        level0,
        ...Array.from(
          { length: 8 },
          (_, l) =>
            `a${l + 1}: &a${l + 1} {${Array.from({ length: 10 }, (_, i) => use(`a${l}`, i, l)).join(', ')}}`,
        ),
        'mcp-servers: []',
        '',
      ].join('\n');
    for (const text of [
      laughs((prev, i, l) => `k${i}${l}: *${prev}`),
      laughs((prev, i, l) => `m${i}${l}: {<<: *${prev}}`),
    ]) {
      const started = Date.now();
      const { code, issues } = await issuesOf(write(text));
      expect(Date.now() - started).toBeLessThan(3000);
      expect(code).toBe(1);
      expect(issues).toEqual([
        expect.objectContaining({ code: 'YAML_SYNTAX', message: expect.stringContaining('alias bomb') }),
      ]);
    }
  });
});

describe('names that would not fit a file, a DNS label or a tool name', () => {
  it('a 300-character stack name and a 260-character server name fail validate, with why', async () => {
    const file = write(
      `name: ${'s'.repeat(300)}\nmcp-servers:\n  - name: ${'a'.repeat(260)}\n    command: [x]\n`,
    );
    const r = await runCli(['validate', file]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/:1:7 {2}name: must be at most 24 characters, not 300/);
    expect(r.stdout).toMatch(/:3:11 {2}mcp-servers\[0\]\.name: must be at most 30 characters, not 260/);
    expect(r.stdout).toContain('hint: names are limited so that `gridctl-<stack>-<name>` is one DNS label');
    const ok = write(
      `name: ${'s'.repeat(24)}\nmcp-servers:\n  - name: ${'a'.repeat(30)}\n    command: [x]\n`,
    );
    expect((await runCli(['validate', ok])).code).toBe(0);
  });
});
