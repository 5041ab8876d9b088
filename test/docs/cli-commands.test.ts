// docs/cli.md covers the whole CLI: every command and alias has a row, every subcommand is named in
// its parent's row, and every flag is spelled out (long form) in that row or in a doc the row links
// to. The command tree is the real one the CLI builds, so a new command or flag without docs fails.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { createContext } from '../../src/cli/context.js';
import { allRegistrars, buildProgram } from '../../src/cli/main.js';

const DOCS = resolve(import.meta.dirname, '../../docs');
const CLI_MD = join(DOCS, 'cli.md');
const cliDoc = readFileSync(CLI_MD, 'utf8');
const rows = cliDoc.split('\n').filter((l) => l.startsWith('| `gridctl '));
/** The lines before the table: the flags every command takes (`--home`, `--no-color`, ...). */
const intro = cliDoc.slice(0, cliDoc.indexOf('\n|'));

const reEscape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** The table rows that document `gridctl NAME` (a row may cover two commands: `serve` / `stop`). */
const rowsFor = (name: string) =>
  rows.filter((r) => new RegExp(`\`gridctl ${reEscape(name)}(?![\\w-])`).test(r));

/** The intro, the rows' own text, and every local doc they link to. */
function textFor(rowsOfCommand: string[]): string {
  const files = new Set<string>();
  for (const row of rowsOfCommand) {
    for (const m of row.matchAll(/\]\(([\w./-]+\.md)(?:#[\w-]*)?\)/g))
      files.add(resolve(dirname(CLI_MD), m[1] ?? ''));
  }
  return [intro, ...rowsOfCommand, ...[...files].map((f) => readFileSync(f, 'utf8'))].join('\n');
}

async function program(): Promise<Command> {
  const ctx = createContext({
    stdout: new PassThrough(),
    stderr: new PassThrough(),
    env: {},
    cwd: process.cwd(),
  });
  return buildProgram(ctx, await allRegistrars());
}

const visible = (c: Command) => c.commands.filter((s) => !(s as unknown as { _hidden?: boolean })._hidden);
const flags = (c: Command) => c.options.filter((o) => !o.hidden && o.long).map((o) => o.long as string);

describe('README quick start', () => {
  it('ends with linking a client', () => {
    const readme = readFileSync(resolve(DOCS, '../README.md'), 'utf8');
    const start = readme.indexOf('## Quick start');
    const quick = readme.slice(start, readme.indexOf('\n## ', start + 1));
    const blocks = [...quick.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
    expect(blocks.at(-1)).toMatch(/gridctl -- link <your client>/);
  });
});

describe('docs/cli.md', () => {
  it('has a row for every command and alias, naming each subcommand', async () => {
    const missing: string[] = [];
    for (const cmd of visible(await program())) {
      if (cmd.name() === 'help') continue;
      const own = rowsFor(cmd.name());
      if (own.length === 0) missing.push(`gridctl ${cmd.name()}`);
      for (const alias of cmd.aliases())
        if (!cliDoc.includes(`gridctl ${alias}`)) missing.push(`gridctl ${alias}`);
      for (const sub of visible(cmd)) {
        if (!own.some((r) => new RegExp(`(?<![\\w-])${reEscape(sub.name())}(?![\\w-])`).test(r)))
          missing.push(`gridctl ${cmd.name()} ${sub.name()}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('spells out every flag of every command in its row or the doc the row links to', async () => {
    const missing: string[] = [];
    const check = (cmd: Command, path: string, text: string) => {
      for (const flag of flags(cmd)) {
        if (!new RegExp(`${reEscape(flag)}(?![\\w-])`).test(text)) missing.push(`${path} ${flag}`);
      }
    };
    for (const cmd of visible(await program())) {
      if (cmd.name() === 'help') continue;
      const text = textFor(rowsFor(cmd.name()));
      check(cmd, `gridctl ${cmd.name()}`, text);
      for (const sub of visible(cmd)) check(sub, `gridctl ${cmd.name()} ${sub.name()}`, text);
    }
    expect(missing).toEqual([]);
  });
});
