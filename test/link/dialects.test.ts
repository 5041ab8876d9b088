// Every client dialect round-trips on a fixture home: link writes the gateway's entry next to the
// user's own entries and comments, a second link changes nothing, unlink gives back the file's
// data with the comments still there, and a hand-edited entry is a conflict unless forced.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { stringify as toml } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import { stringify as yaml } from 'yaml';
import { type ClientEnv, DIALECTS, targetOf } from '../../src/link/dialects.js';
import { backupsOf } from '../../src/link/files.js';
import { parseDoc } from '../../src/link/formats.js';
import { Ledger } from '../../src/link/ledger.js';
import { link, unlink } from '../../src/link/linker.js';
import { tempDir } from '../support/temp.js';

function fixtureHome(): { ce: ClientEnv; ledger: Ledger } {
  const dir = tempDir('link');
  const home = join(dir, 'home');
  const cwd = join(dir, 'project');
  mkdirSync(cwd, { recursive: true });
  const ce: ClientEnv = { home, env: {}, platform: 'linux', cwd };
  return { ce, ledger: Ledger.open(join(dir, 'gridctl')) };
}

const nest = (key: readonly string[], v: unknown): Record<string, unknown> =>
  key.reduceRight<Record<string, unknown>>((acc, k) => ({ [k]: acc }), v as Record<string, unknown>);

describe.each(DIALECTS.map((d) => [d.slug, d] as const))('%s', (_slug, d) => {
  it('links next to unrelated entries and comments, idempotently, and unlinks back', () => {
    const { ce, ledger } = fixtureHome();
    const t = targetOf(d, ce);
    const other =
      t.container === 'list'
        ? [{ name: 'mine', command: 'my-server' }]
        : { mine: { command: 'my-server', args: ['-v'] } };
    const data = { theme: 'dark', ...nest(t.key, other) };
    const comment = t.format === 'json' ? '// my own settings' : '# my own settings';
    const body =
      t.format === 'json' ? JSON.stringify(data, null, 2) : t.format === 'yaml' ? yaml(data) : toml(data);
    const original = `${comment}\n${body.trimEnd()}\n`;
    mkdirSync(dirname(t.file), { recursive: true });
    writeFileSync(t.file, original);

    const first = link(d, ce, ledger, { port: 8181 });
    expect(first.action).toBe('linked');
    const after = readFileSync(t.file, 'utf8');
    expect(after).toContain(comment);
    const doc = parseDoc(after, t.format);
    expect(doc.theme).toBe('dark');
    expect(JSON.stringify(doc)).toContain('my-server');
    expect(JSON.stringify(doc)).toContain('http://localhost:8181/mcp');
    expect(first.backup && readFileSync(first.backup, 'utf8')).toBe(original);

    const again = link(d, ce, ledger, { port: 8181 });
    expect(again.action).toBe('already');
    expect(readFileSync(t.file, 'utf8')).toBe(after);
    expect(backupsOf(t.file)).toHaveLength(1);

    const gone = unlink(d, ce, ledger, {});
    expect(gone.action).toBe('unlinked');
    const back = readFileSync(t.file, 'utf8');
    expect(back).toContain(comment);
    expect(parseDoc(back, t.format)).toEqual(parseDoc(original, t.format));
    expect(unlink(d, ce, ledger, {}).action).toBe('not-linked');
  });

  it('creates the file when the client has none, with a group and a client id in the URL', () => {
    const { ce, ledger } = fixtureHome();
    const t = targetOf(d, ce);
    const out = link(d, ce, ledger, { port: 8180, group: 'docs', clientId: 'me' });
    expect(out.name).toBe('gridctl-docs');
    expect(out.url).toBe('http://localhost:8180/groups/docs/mcp?client=me');
    expect(existsSync(t.file)).toBe(true);
    expect(readFileSync(t.file, 'utf8')).toContain(out.url);
    expect(unlink(d, ce, ledger, { group: 'docs' }).action).toBe('unlinked');
  });

  it('treats a hand-edited or foreign entry as a conflict unless forced', () => {
    const { ce, ledger } = fixtureHome();
    const t = targetOf(d, ce);
    link(d, ce, ledger, { port: 8180 });
    // The user points the entry elsewhere by hand.
    writeFileSync(t.file, readFileSync(t.file, 'utf8').replace('8180', '9999'));
    const edited = readFileSync(t.file, 'utf8');
    const refused = unlink(d, ce, ledger, {});
    expect(refused.action).toBe('conflict');
    expect(refused.message).toContain('edited since gridctl wrote it');
    expect(readFileSync(t.file, 'utf8')).toBe(edited);
    expect(link(d, ce, ledger, { port: 8180 }).action).toBe('conflict');
    expect(link(d, ce, ledger, { port: 8180, force: true }).action).toBe('replaced');
    // A port change of an entry gridctl still owns is an update, no force needed.
    expect(link(d, ce, ledger, { port: 8190 }).action).toBe('updated');
    expect(unlink(d, ce, ledger, {}).action).toBe('unlinked');
  });

  it('keeps the newest 3 backups and writes nothing on a dry run', () => {
    const { ce, ledger } = fixtureHome();
    const t = targetOf(d, ce);
    for (const port of [8180, 8181, 8182, 8183, 8184]) link(d, ce, ledger, { port });
    expect(backupsOf(t.file)).toHaveLength(3);
    const before = readFileSync(t.file, 'utf8');
    const dry = link(d, ce, ledger, { port: 8200, dryRun: true });
    expect(dry.action).toBe('updated');
    expect(dry.after).toContain('8200');
    expect(readFileSync(t.file, 'utf8')).toBe(before);
  });
});

// The entry each client is given, as its documentation (or its own CLI) spells it; the source of
// each is in docs/clients.md. A change here is a change of what users' clients read.
const U = 'http://localhost:8180/mcp';
const ENTRIES: Record<string, unknown> = {
  claude: { command: 'npx', args: ['-y', 'mcp-remote', U, '--allow-http'] },
  'claude-code': { type: 'http', url: U },
  'claude-code-project': { type: 'http', url: U },
  codex: { url: U },
  copilot: { type: 'http', url: U, tools: ['*'] },
  cursor: { url: U },
  windsurf: { serverUrl: U },
  vscode: { type: 'http', url: U },
  gemini: { type: 'http', url: U },
  antigravity: { serverUrl: U },
  opencode: { type: 'remote', url: U },
  grok: { url: U },
  continue: { name: 'gridctl', type: 'streamable-http', url: U },
  cline: { type: 'streamableHttp', url: U, disabled: false, autoApprove: [] },
  roo: { type: 'streamable-http', url: U, disabled: false, alwaysAllow: [] },
  anythingllm: { type: 'streamable', url: U },
  lmstudio: { url: U },
  zed: { url: U },
  goose: { name: 'gridctl', type: 'streamable_http', enabled: true, timeout: 300, uri: U },
};

describe('entry shapes', () => {
  it.each(DIALECTS.map((d) => [d.slug, d] as const))('%s gets its documented entry', (slug, d) => {
    const { ce, ledger } = fixtureHome();
    link(d, ce, ledger, { port: 8180 });
    const t = targetOf(d, ce);
    let at: unknown = parseDoc(readFileSync(t.file, 'utf8'), t.format);
    for (const k of t.key) at = (at as Record<string, unknown>)[k];
    const entry =
      t.container === 'list'
        ? (at as { name?: string }[]).find((e) => e.name === 'gridctl')
        : (at as Record<string, unknown>).gridctl;
    expect(entry).toEqual(ENTRIES[slug]);
  });

  it('grok follows $GROK_HOME', () => {
    const { ce, ledger } = fixtureHome();
    const grokHome = join(ce.home, 'elsewhere');
    const moved = { ...ce, env: { GROK_HOME: grokHome } };
    const d = DIALECTS.find((x) => x.slug === 'grok')!;
    expect(targetOf(d, moved).file).toBe(join(grokHome, 'config.toml'));
    link(d, moved, ledger, { port: 8180 });
    expect(readFileSync(join(grokHome, 'config.toml'), 'utf8')).toContain(U);
  });
});

describe('the dialect table', () => {
  it('covers exactly the clients a stack file may name under `link:`', async () => {
    const { LINK_CLIENTS } = await import('../../src/config/schema.js');
    expect([...DIALECTS.map((d) => d.slug)].sort()).toEqual([...LINK_CLIENTS].sort());
  });
});

describe('docs/clients.md', () => {
  it('has a row for every client with its file key and the source of its entry shape', async () => {
    const { readFileSync: read } = await import('node:fs');
    const doc = read(join(import.meta.dirname, '../../docs/clients.md'), 'utf8');
    const ce: ClientEnv = { home: '~', env: {}, platform: 'linux', cwd: '<project>' };
    for (const d of DIALECTS) {
      const row = doc.split('\n').find((l) => l.startsWith(`| \`${d.slug}\` |`));
      expect(row, d.slug).toBeDefined();
      const t = d.targets(ce)[0]!;
      expect(row).toContain(`\`${t.file}\``);
      expect(row).toContain(`\`${t.key.join('.')}\``);
      expect(row).toContain(d.source.replace(/(https:\/\/\S+)/, '<$1>'));
    }
  });
});
