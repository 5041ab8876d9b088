// gridctl link / unlink / the link: block as a user drives them: the listing, dry runs that write
// nothing, conflicts that exit 1 with their code and leave the file alone, typo suggestions, JSON.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { reconcileLinks, unlinkDeclared } from '../../src/link/declared.js';
import type { ClientEnv } from '../../src/link/dialects.js';
import { runCli } from '../support/cli.js';
import { tempDir } from '../support/temp.js';

function fixture() {
  const dir = tempDir('linkcli');
  const user = join(dir, 'user');
  mkdirSync(join(user, '.cursor'), { recursive: true });
  const env = { HOME: user, XDG_CONFIG_HOME: join(user, '.config'), GRIDCTL_HOME: join(dir, 'gridctl') };
  return { dir, user, env, cursor: join(user, '.cursor', 'mcp.json') };
}

describe('gridctl link / unlink', () => {
  it('lists every client with detection and link state', async () => {
    const f = fixture();
    const r = await runCli(['link'], { env: f.env, cwd: f.dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^cursor\s+Cursor\s+yes\s+no\s+~\/\.cursor\/mcp\.json$/m);
    expect(r.stdout).toMatch(/^zed\s+Zed\s+no\s+no\s+/m);
    await runCli(['link', 'cursor', '-p', '9100'], { env: f.env, cwd: f.dir });
    const json = JSON.parse((await runCli(['link', '--json'], { env: f.env, cwd: f.dir })).stdout) as {
      client: string;
      linked: boolean;
      owned: boolean;
    }[];
    expect(json.find((c) => c.client === 'cursor')).toMatchObject({ linked: true, owned: true });
  });

  it('--dry-run prints the diff and writes nothing; --all links only detected clients', async () => {
    const f = fixture();
    writeFileSync(f.cursor, '{\n  // mine\n  "mcpServers": {}\n}\n');
    const dry = await runCli(['link', '--all', '--dry-run', '-p', '9100'], { env: f.env, cwd: f.dir });
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain(
      'Cursor: gridctl → http://localhost:9100/mcp would be linked in ~/.cursor/mcp.json',
    );
    expect(dry.stdout).toContain('+       "url": "http://localhost:9100/mcp"');
    expect(dry.stdout).not.toContain('Zed');
    expect(readFileSync(f.cursor, 'utf8')).toBe('{\n  // mine\n  "mcpServers": {}\n}\n');
  });

  it('a foreign entry is a conflict (exit 1, LINK_CONFLICT, file untouched) until --force', async () => {
    const f = fixture();
    const mine = '{"mcpServers": {"gridctl": {"url": "http://elsewhere:1/mcp"}}}\n';
    writeFileSync(f.cursor, mine);
    const r = await runCli(['link', 'cursor'], { env: f.env, cwd: f.dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('already has an entry "gridctl" that gridctl did not write');
    expect(r.stderr).toContain('(LINK_CONFLICT)');
    expect(readFileSync(f.cursor, 'utf8')).toBe(mine);
    const un = await runCli(['unlink', 'cursor'], { env: f.env, cwd: f.dir });
    expect(un.code).toBe(1);
    expect(un.stderr).toContain('was not written by gridctl; pass --force');
    const forced = await runCli(['link', 'cursor', '--force'], { env: f.env, cwd: f.dir });
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stdout).toContain('replaced in ~/.cursor/mcp.json');
    expect(forced.stdout).toContain('backup: ~/.cursor/mcp.json.gridctl-backup-');
    expect((await runCli(['unlink', '--all'], { env: f.env, cwd: f.dir })).stdout).toContain(
      'Cursor: gridctl removed from ~/.cursor/mcp.json',
    );
  });

  it('names the nearest client for a typo, rejects a bad port and an unreadable file', async () => {
    const f = fixture();
    const typo = await runCli(['link', 'cursr'], { env: f.env, cwd: f.dir });
    expect(typo.code).toBe(1);
    expect(typo.stderr).toContain('unknown client "cursr"; did you mean "cursor"?');
    expect(typo.stderr).toContain('(LINK_UNKNOWN_CLIENT)');
    const port = await runCli(['link', 'cursor', '-p', '70000'], { env: f.env, cwd: f.dir });
    expect(port.code).toBe(1);
    expect(port.stderr).toContain('--port 70000: use a whole number from 1 to 65535');
    writeFileSync(f.cursor, '{"mcpServers": {\n  "x": \n}');
    const bad = await runCli(['link', 'cursor'], { env: f.env, cwd: f.dir });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(
      /mcp\.json: not valid JSON at line \d+, column \d+; fix the file .*\(LINK_UNREADABLE\)/,
    );
  });

  it('group and client id shape the name and URL; --json reports each outcome', async () => {
    const f = fixture();
    const r = await runCli(
      ['link', 'cursor', '--group', 'docs', '--client-id', 'cur', '-p', '9200', '--json'],
      {
        env: f.env,
        cwd: f.dir,
      },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([
      expect.objectContaining({
        client: 'cursor',
        name: 'gridctl-docs',
        url: 'http://localhost:9200/groups/docs/mcp?client=cur',
        action: 'linked',
      }),
    ]);
    expect(JSON.parse(readFileSync(f.cursor, 'utf8'))).toEqual({
      mcpServers: { 'gridctl-docs': { url: 'http://localhost:9200/groups/docs/mcp?client=cur' } },
    });
  });
});

describe('unlink --all', () => {
  it('removes every entry gridctl recorded, group entries included', async () => {
    const f = fixture();
    await runCli(['link', 'cursor', '-p', '9100'], { env: f.env, cwd: f.dir });
    await runCli(['link', 'cursor', '--group', 'docs', '-p', '9100'], { env: f.env, cwd: f.dir });
    expect(Object.keys(JSON.parse(readFileSync(f.cursor, 'utf8')).mcpServers)).toEqual([
      'gridctl',
      'gridctl-docs',
    ]);
    const r = await runCli(['unlink', '--all'], { env: f.env, cwd: f.dir });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(readFileSync(f.cursor, 'utf8')).mcpServers).toEqual({});
    expect((await runCli(['unlink', '--all'], { env: f.env, cwd: f.dir })).stderr).toContain(
      'gridctl has linked no client',
    );
  });
});

describe('the link: block', () => {
  it('links detected clients, skips the rest, never overwrites a foreign entry, and unlinks only its own', () => {
    const f = fixture();
    mkdirSync(join(f.user, '.codex'), { recursive: true });
    const foreign = '{"mcpServers": {"gridctl": {"url": "http://mine:1/mcp"}}}\n';
    writeFileSync(f.cursor, foreign);
    const ce: ClientEnv = { home: f.user, env: {}, platform: 'linux', cwd: f.dir };
    const stack = { link: ['codex' as const, 'cursor' as const, { client: 'zed' as const }] };
    const results = reconcileLinks(stack, ce, f.env.GRIDCTL_HOME, { port: 9300 });
    expect(results.map((r) => (r.kind === 'done' ? r.outcome.action : r.reason))).toEqual([
      'linked',
      'conflict',
      'Zed is not installed here',
    ]);
    expect(readFileSync(f.cursor, 'utf8')).toBe(foreign);
    expect(readFileSync(join(f.user, '.codex', 'config.toml'), 'utf8')).toBe(
      '[mcp_servers.gridctl]\nurl = "http://localhost:9300/mcp"\n',
    );
    // A second apply changes nothing.
    const again = reconcileLinks(stack, ce, f.env.GRIDCTL_HOME, { port: 9300 });
    expect(again[0]).toMatchObject({ kind: 'done', outcome: { action: 'already' } });
    const gone = unlinkDeclared(stack, ce, f.env.GRIDCTL_HOME);
    expect(gone.map((r) => (r.kind === 'done' ? r.outcome.action : r.reason))).toEqual([
      'unlinked',
      'conflict',
      'not-linked',
    ]);
    expect(readFileSync(f.cursor, 'utf8')).toBe(foreign);
  });
});

describe('gridctl plan with a link: block', () => {
  it('lists what apply would do with each declared client, writing nothing', async () => {
    const f = fixture();
    const stack = join(f.dir, 'stack.yaml');
    writeFileSync(
      stack,
      'name: planned\nmcp-servers:\n  - name: a\n    command: [node, x.js]\nlink: [cursor, zed]\n',
    );
    const r = await runCli(['plan', stack], { env: f.env, cwd: f.dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Client links (made once apply is healthy):');
    expect(r.stdout).toContain(
      `link cursor: would be linked: gridctl → http://localhost:8180/mcp in ${f.cursor}`,
    );
    expect(r.stdout).toContain('link zed: skipped (Zed is not installed here)');
    expect(() => readFileSync(f.cursor)).toThrow();
    const json = JSON.parse(
      (await runCli(['plan', stack, '--format', 'json'], { env: f.env, cwd: f.dir })).stdout,
    );
    expect(json.clientLinks).toHaveLength(2);
    const bad = await runCli(['plan', stack, '--format', 'yaml'], { env: f.env, cwd: f.dir });
    expect(bad.stderr).toContain('--format yaml: use text or json');
  });
});
