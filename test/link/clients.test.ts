// The real client CLIs from npm read what gridctl writes: after a link, `claude mcp list` connects to
// the running gateway, and `codex mcp list` and `gemini mcp list` list it (Gemini connects too).
// Everything runs in a temp HOME; the CLIs get no network beyond the loopback gateway (updates,
// telemetry and error reporting off) and each run is bounded by a deadline.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EVERYTHING, gridctl, localServer, ROOT, type Sandbox, sandbox } from '../lifecycle/cli.js';
import { freePort } from '../support/net.js';

const BIN = join(ROOT, 'node_modules/.bin');

const sandboxes: Sandbox[] = [];
afterAll(async () => {
  for (const sb of sandboxes) await gridctl(sb, ['destroy', 'linked']).catch(() => undefined);
});

/** A sandbox whose HOME is a fresh folder, with the client CLIs kept quiet and offline. */
function clientSandbox(): Sandbox {
  const sb = sandbox();
  sandboxes.push(sb);
  const home = join(sb.dir, 'user');
  const tmp = join(sb.dir, 'tmp');
  mkdirSync(tmp, { recursive: true });
  Object.assign(sb.env, {
    HOME: home,
    TMPDIR: tmp,
    XDG_CONFIG_HOME: join(home, '.config'),
    DISABLE_AUTOUPDATER: '1',
    DISABLE_TELEMETRY: '1',
    DISABLE_ERROR_REPORTING: '1',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    GEMINI_CLI_NO_RELAUNCH: '1',
  });
  for (const k of [
    'CODEX_HOME',
    'CLAUDE_CONFIG_DIR',
    'ANTHROPIC_API_KEY',
    'OPENAI_API_KEY',
    'GEMINI_API_KEY',
  ]) {
    delete sb.env[k];
  }
  return sb;
}

/** Runs a client CLI with a deadline; its output, whatever the exit code. */
function client(
  sb: Sandbox,
  bin: string,
  args: string[],
  timeoutMs = 45_000,
): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(join(BIN, bin), args, {
      cwd: sb.dir,
      env: sb.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c) => {
      out += c;
    });
    child.stderr.on('data', (c) => {
      out += c;
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${bin} ${args.join(' ')} did not finish in ${timeoutMs} ms\n${out}`));
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

describe('real client CLIs read what gridctl link writes', () => {
  it('claude, codex and gemini list the gateway; the stack links codex and gemini itself, destroy --unlink removes them', async () => {
    const sb = clientSandbox();
    const home = sb.env.HOME!;
    // The clients are "installed": Claude Code's folder, Codex's, and Gemini's settings with the
    // user's own (offline) choices and a comment, which must survive the link.
    mkdirSync(join(home, '.claude'), { recursive: true });
    mkdirSync(join(home, '.codex'), { recursive: true });
    mkdirSync(join(home, '.gemini'), { recursive: true });
    const settings = join(home, '.gemini', 'settings.json');
    writeFileSync(
      settings,
      '{\n  // kept offline\n  "general": {"disableAutoUpdate": true},\n  "telemetry": {"enabled": false},\n  "privacy": {"usageStatisticsEnabled": false}\n}\n',
    );
    // Gemini uses no MCP server in an untrusted folder.
    writeFileSync(join(home, '.gemini', 'trustedFolders.json'), JSON.stringify({ [sb.dir]: 'TRUST_FOLDER' }));
    const port = await freePort();
    const file = sb.write(
      'stack.yaml',
      `name: linked\nmcp-servers:\n${localServer('everything', EVERYTHING, 'stdio')}link: [codex, gemini]\n`,
    );

    const applied = await gridctl(sb, ['apply', file, '-p', String(port)]);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stderr).not.toContain('NOT_IMPLEMENTED');
    const url = `http://localhost:${port}/mcp`;
    expect(applied.stderr).toContain(`link codex: linked: gridctl → ${url}`);
    expect(applied.stderr).toContain(`link gemini: linked: gridctl → ${url}`);
    expect(readFileSync(settings, 'utf8')).toContain('// kept offline');

    const linked = await gridctl(sb, ['link', 'claude-code']);
    expect(linked.code, linked.stderr).toBe(0);
    expect(linked.stdout).toContain(`gridctl → ${url} linked in ~/.claude.json`);
    // Port from the running stack, and a second link is a no-op.
    expect((await gridctl(sb, ['link', 'claude-code'])).stdout).toContain('already linked');

    const claude = await client(sb, 'claude', ['mcp', 'list']);
    expect(claude.out).toMatch(
      new RegExp(`gridctl: ${url.replace(/[./]/g, '\\$&')} \\(HTTP\\) - \\S+ Connected`),
    );
    const codex = await client(sb, 'codex', ['mcp', 'list']);
    expect(codex.code, codex.out).toBe(0);
    expect(codex.out).toMatch(new RegExp(`gridctl\\s+${url.replace(/[./]/g, '\\$&')}\\s+-\\s+enabled`));
    const gemini = await client(sb, 'gemini', ['mcp', 'list']);
    expect(gemini.out).toMatch(new RegExp(`gridctl: ${url.replace(/[./]/g, '\\$&')} \\(http\\) - Connected`));

    const destroyed = await gridctl(sb, ['destroy', 'linked', '--unlink']);
    expect(destroyed.code, destroyed.stderr).toBe(0);
    expect(destroyed.stdout).toContain('link codex: unlinked');
    expect(destroyed.stdout).toContain('link gemini: unlinked');
    expect(readFileSync(settings, 'utf8')).toContain('// kept offline');
    expect((await gridctl(sb, ['unlink', 'claude-code'])).stdout).toContain(
      'gridctl removed from ~/.claude.json',
    );

    expect((await client(sb, 'claude', ['mcp', 'list'])).out).not.toContain('gridctl');
    expect((await client(sb, 'codex', ['mcp', 'list'])).out).not.toContain('gridctl');
    expect((await client(sb, 'gemini', ['mcp', 'list'])).out).not.toContain('gridctl');
    expect(existsSync(join(sb.home, 'links.json'))).toBe(true);
    expect(JSON.parse(readFileSync(join(sb.home, 'links.json'), 'utf8')).links).toEqual([]);
  }, 240_000);

  it('apply --flash links every detected client once the gateway is ready', async () => {
    const sb = clientSandbox();
    mkdirSync(join(sb.env.HOME!, '.cursor'), { recursive: true });
    const port = await freePort();
    const file = sb.write(
      'stack.yaml',
      `name: linked\nmcp-servers:\n${localServer('everything', EVERYTHING, 'stdio')}`,
    );
    const applied = await gridctl(sb, ['apply', file, '-p', String(port), '--flash']);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stderr).toContain(`link cursor: linked: gridctl → http://localhost:${port}/mcp`);
    expect(applied.stderr).not.toContain('link codex');
    const cursor = JSON.parse(readFileSync(join(sb.env.HOME!, '.cursor', 'mcp.json'), 'utf8'));
    expect(cursor).toEqual({ mcpServers: { gridctl: { url: `http://localhost:${port}/mcp` } } });
    expect((await gridctl(sb, ['destroy', 'linked'])).code).toBe(0);
  });

  it('GET /api/clients and the link routes: preview, link, conflict (409), unlink; cross-site writes refused', async () => {
    const sb = clientSandbox();
    const cursorFile = join(sb.env.HOME!, '.cursor', 'mcp.json');
    mkdirSync(dirname(cursorFile), { recursive: true });
    const port = await freePort();
    const file = sb.write(
      'stack.yaml',
      `name: linked\nmcp-servers:\n${localServer('everything', EVERYTHING, 'stdio')}link: [cursor]\n`,
    );
    expect((await gridctl(sb, ['apply', file, '-p', String(port)])).code).toBe(0);
    const base = `http://127.0.0.1:${port}/api/clients`;
    type Row = {
      slug: string;
      detected: boolean;
      linked: boolean;
      owned: boolean;
      declared: boolean;
      file: string;
    };
    const rows = (await (await fetch(base)).json()) as Row[];
    expect(rows).toHaveLength(19);
    expect(rows.find((r) => r.slug === 'cursor')).toMatchObject({
      detected: true,
      linked: true,
      owned: true,
      declared: true,
      file: cursorFile,
    });
    expect(rows.find((r) => r.slug === 'zed')).toMatchObject({ detected: false, linked: false });

    const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
      fetch(`${base}/${path}`, {
        method: 'POST',
        body: JSON.stringify(body),
        headers: { 'content-type': 'application/json', ...headers },
      });
    const preview = await post('cursor/link/preview', { group: 'g1', client_id: 'ui' });
    expect(preview.status).toBe(200);
    const p = (await preview.json()) as { action: string; diff: string; dryRun: boolean };
    expect(p).toMatchObject({ action: 'linked', dryRun: true });
    expect(p.diff).toContain(`+       "url": "http://localhost:${port}/groups/g1/mcp?client=ui"`);
    expect(readFileSync(cursorFile, 'utf8')).not.toContain('gridctl-g1');

    const linked = await post('cursor/link', { name: 'gw' });
    expect(linked.status).toBe(200);
    expect(JSON.parse(readFileSync(cursorFile, 'utf8')).mcpServers.gw).toEqual({
      url: `http://localhost:${port}/mcp`,
    });
    writeFileSync(
      cursorFile,
      readFileSync(cursorFile, 'utf8').replace(
        `${port}/mcp"\n    }\n  }`,
        `${port}/mcp", "x": 1\n    }\n  }`,
      ),
    );
    const del = (q: string, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
      fetch(`${base}/cursor/link${q}`, { method: 'DELETE', headers });
    expect((await del('?name=gw', {})).status).toBe(400); // the write guard wants JSON
    const refused = await del('?name=gw');
    expect(refused.status).toBe(409);
    expect(((await refused.json()) as { error: { code: string; message: string } }).error.message).toContain(
      'edited since gridctl wrote it',
    );
    expect((await del('?name=gw&force=true')).status).toBe(200);
    expect(JSON.parse(readFileSync(cursorFile, 'utf8')).mcpServers.gw).toBeUndefined();

    const crossSite = await post('cursor/link', {}, { origin: 'https://evil.example' });
    expect(crossSite.status).toBe(403);
    // A cross-site form can send text/plain without a preflight: refused before anything is read.
    expect((await post('cursor/link', {}, { 'content-type': 'text/plain' })).status).toBe(400);
    expect(
      (
        await fetch(`${base}/nope/link`, {
          method: 'DELETE',
          headers: { 'content-type': 'application/json' },
        })
      ).status,
    ).toBe(404);
    expect((await gridctl(sb, ['destroy', 'linked', '--unlink'])).code).toBe(0);
    expect(JSON.parse(readFileSync(cursorFile, 'utf8')).mcpServers).toEqual({});
  });
});
