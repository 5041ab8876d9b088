// gridctl import reads each client's own stdio and HTTP servers back into a stack file: gridctl's
// entry is skipped, plaintext secrets land in the variable store (the YAML holds ${var:...}), the
// file validates, and nothing secret is printed.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { stringify as toml } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import { parse, stringify as yaml } from 'yaml';
import { type ClientEnv, DIALECTS, targetOf } from '../../src/link/dialects.js';
import { openVault } from '../../src/security/vault/index.js';
import { runCli } from '../support/cli.js';
import { tempDir } from '../support/temp.js';

const SECRET = 'sk-test-9f8e7d6c5b4a';

/** The client's own way of writing a local server. */
function stdioEntry(slug: string, name: string): Record<string, unknown> {
  const args = ['-y', '@modelcontextprotocol/server-memory'];
  const env = { MEMORY_FILE_PATH: '/tmp/memory.jsonl', API_TOKEN: SECRET };
  switch (slug) {
    case 'opencode':
      return { type: 'local', command: ['npx', ...args], environment: env };
    case 'goose':
      return { name, type: 'stdio', cmd: 'npx', args, envs: env, enabled: true };
    case 'continue':
      return { name, command: 'npx', args, env };
    case 'zed':
      return { command: { path: 'npx', args, env } };
    default:
      return { command: 'npx', args, env };
  }
}

const nest = (key: readonly string[], v: unknown): Record<string, unknown> =>
  key.reduceRight<Record<string, unknown>>((acc, k) => ({ [k]: acc }), v as Record<string, unknown>);

describe.each(DIALECTS.map((d) => [d.slug, d] as const))('import from %s', (slug, d) => {
  it('adds its stdio and HTTP servers, skips gridctl, moves the secret into the store', async () => {
    const dir = tempDir('import');
    const ce: ClientEnv = { home: join(dir, 'user'), env: {}, platform: 'linux', cwd: join(dir, 'project') };
    mkdirSync(ce.cwd, { recursive: true });
    const t = targetOf(d, ce);
    const entries: [string, Record<string, unknown>][] = [
      ['memory', stdioEntry(slug, 'memory')],
      ['remote', t.entry('https://mcp.example.invalid/mcp', 'remote')],
      ['gridctl', t.entry('http://localhost:8180/mcp', 'gridctl')],
    ];
    const container =
      t.container === 'list'
        ? entries.map(([, e]) => e)
        : Object.fromEntries(entries.map(([n, e]) => [n, e]));
    const data = nest(t.key, container);
    mkdirSync(dirname(t.file), { recursive: true });
    writeFileSync(
      t.file,
      t.format === 'json' ? JSON.stringify(data, null, 2) : t.format === 'yaml' ? yaml(data) : toml(data),
    );
    const stack = join(ce.cwd, 'stack.yaml');
    writeFileSync(stack, '# my stack\nversion: "1"\nname: mine\nmcp-servers: []\n');
    const home = join(dir, 'gridctl');
    const env = { HOME: ce.home, XDG_CONFIG_HOME: join(ce.home, '.config'), GRIDCTL_HOME: home };

    const r = await runCli(['import', slug, '-f', stack], { env, cwd: ce.cwd });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Added 2 server(s) to');
    expect(r.stdout).toContain('Moved 1 secret(s) into the variable store: MEMORY_API_TOKEN');
    expect(r.stderr).toContain("gridctl (gridctl's own entry)");
    expect(r.stdout + r.stderr).not.toContain(SECRET);

    const text = readFileSync(stack, 'utf8');
    expect(text).toContain('# my stack');
    expect(text).not.toContain(SECRET);
    const servers = parse(text)['mcp-servers'] as Record<string, unknown>[];
    expect(servers).toEqual([
      {
        name: 'memory',
        command: ['npx', '-y', '@modelcontextprotocol/server-memory'],
        // biome-ignore lint/suspicious/noTemplateCurlyInString: stack-file expansion syntax, not a template
        env: { MEMORY_FILE_PATH: '/tmp/memory.jsonl', API_TOKEN: '${var:MEMORY_API_TOKEN}' },
      },
      { name: 'remote', url: 'https://mcp.example.invalid/mcp', transport: 'http' },
    ]);
    const vault = await openVault({ root: home, env: {} });
    expect(vault.get('MEMORY_API_TOKEN')).toBe(SECRET);
    expect((await runCli(['validate', stack], { env, cwd: ce.cwd })).code).toBe(0);

    // A second import finds both already there.
    const again = await runCli(['import', slug, '-f', stack], { env, cwd: ce.cwd });
    expect(again.stdout).toContain('Nothing to import');
  });
});

describe('import options', () => {
  it('--dry-run writes nothing and --no-vault keeps the value in the YAML (never printed)', async () => {
    const dir = tempDir('import');
    const user = join(dir, 'user');
    const file = join(user, '.cursor', 'mcp.json');
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify({ mcpServers: { memory: stdioEntry('cursor', 'memory') } }));
    const stack = join(dir, 'stack.yaml');
    const env = { HOME: user, GRIDCTL_HOME: join(dir, 'gridctl') };
    const dry = await runCli(['import', 'cursor', '-f', stack, '--dry-run'], { env, cwd: dir });
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('Would add 1 server(s)');
    expect(dry.stdout).toContain('+ mcp-servers:');
    expect(() => readFileSync(stack)).toThrow();
    const kept = await runCli(['import', 'cursor', '-f', stack, '--no-vault'], { env, cwd: dir });
    expect(kept.code, kept.stderr).toBe(0);
    expect(kept.stdout).not.toContain(SECRET);
    expect(readFileSync(stack, 'utf8')).toContain(SECRET);
    expect(parse(readFileSync(stack, 'utf8')).name).toBe(dir.split('/').at(-1)!.toLowerCase());
  });
});

describe('import from OpenCode 1', () => {
  it('reads servers straight under mcp as well as under mcp.servers', async () => {
    const dir = tempDir('import');
    const user = join(dir, 'user');
    const file = join(user, '.config', 'opencode', 'opencode.json');
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(
      file,
      JSON.stringify({
        mcp: {
          old: { type: 'remote', url: 'https://old.example.invalid/mcp', enabled: true },
          servers: { new: { type: 'local', command: ['node', 'server.js'] } },
        },
      }),
    );
    const stack = join(dir, 'stack.yaml');
    const env = { HOME: user, GRIDCTL_HOME: join(dir, 'gridctl') };
    const r = await runCli(['import', 'opencode', '-f', stack], { env, cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(parse(readFileSync(stack, 'utf8'))['mcp-servers']).toEqual([
      { name: 'new', command: ['node', 'server.js'] },
      { name: 'old', url: 'https://old.example.invalid/mcp', transport: 'http' },
    ]);
  });
});
