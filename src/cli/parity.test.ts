// The reference's small commands and conventions: version, doctor, the vault alias, and options
// given before the command name.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../test/support/cli.js';
import { tempDir } from '../../test/support/temp.js';
import { VERSION } from '../version.js';
import { hoistGlobals } from './globals.js';

describe('gridctl version', () => {
  it('prints the version with Node and platform, or JSON', async () => {
    const r = await runCli(['version']);
    expect(r.stdout).toBe(
      `gridctl ${VERSION} (Node.js ${process.versions.node}, ${process.platform}-${process.arch})\n`,
    );
    expect(JSON.parse((await runCli(['version', '--json'])).stdout)).toMatchObject({ version: VERSION });
  });
});

describe('options before the command name', () => {
  it('--home, --no-color, --runtime and --log-level are moved where commands read them', () => {
    const h = hoistGlobals(
      [
        'node',
        'gridctl',
        '--home',
        '/h',
        '--no-color',
        '--runtime=podman',
        '--log-level',
        'debug',
        'apply',
        'f.yaml',
      ],
      {},
    );
    expect(h.argv).toEqual(['node', 'gridctl', 'apply', '--log-level', 'debug', 'f.yaml']);
    expect(h.env).toMatchObject({ GRIDCTL_HOME: '/h', NO_COLOR: '1', GRIDCTL_RUNTIME: 'podman' });
    const same = ['node', 'gridctl', 'status', '--home', '/x'];
    expect(hoistGlobals(same, {}).argv).toBe(same);
  });

  it('gridctl --home DIR doctor uses DIR', async () => {
    const dir = tempDir('parity');
    const r = await runCli(['--home', join(dir, 'g'), 'doctor', '--json'], {
      env: { PATH: process.env.PATH },
    });
    const out = JSON.parse(r.stdout) as { checks: { name: string; detail: string }[] };
    expect(out.checks.find((c) => c.name === 'home')!.detail).toBe(
      `${join(dir, 'g')} (created on first use)`,
    );
  });
});

describe('gridctl doctor', () => {
  it('reports each check with a fix, and exits 1 when something needs attention', async () => {
    const dir = tempDir('doctor');
    const home = join(dir, 'g');
    const user = join(dir, 'user');
    mkdirSync(join(home, 'state'), { recursive: true });
    // A stack whose daemon is gone, and a linked client whose entry was removed by hand.
    writeFileSync(
      join(home, 'state', 'gone.json'),
      JSON.stringify({
        schema_version: 1,
        stack_name: 'gone',
        pid: 2 ** 22 + 1,
        port: 1,
        bind: '127.0.0.1',
        started_at: new Date().toISOString(),
      }),
    );
    const env = { HOME: user, GRIDCTL_HOME: home, PATH: process.env.PATH };
    mkdirSync(join(user, '.cursor'), { recursive: true });
    expect((await runCli(['link', 'cursor'], { env })).code).toBe(0);
    writeFileSync(join(user, '.cursor', 'mcp.json'), '{"mcpServers": {}}');
    const r = await runCli(['doctor'], { env });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^✓ Node\.js: /m);
    expect(r.stdout).toContain('! stack gone: its daemon');
    expect(r.stdout).toContain('    fix: gridctl destroy gone');
    expect(r.stdout).toContain('! link cursor: the entry gridctl is gone from');
    expect(r.stdout).toContain('    fix: gridctl link cursor');
    const quiet = await runCli(['doctor', '-q'], { env });
    expect(quiet.stdout).not.toContain('✓');
  });
});

describe('gridctl vault', () => {
  it('is the var command under its old name', async () => {
    const dir = tempDir('vault');
    const env = { GRIDCTL_HOME: join(dir, 'g') };
    expect((await runCli(['vault', 'list'], { env })).code).toBe(0);
  });
});

describe('gridctl logs --tail / -s', () => {
  it('are the reference names of --lines and the stack argument', async () => {
    const home = join(tempDir('logs'), 'g');
    mkdirSync(join(home, 'logs'), { recursive: true });
    writeFileSync(join(home, 'logs', 'old.log'), 'first line\nsecond line\nthird line\n');
    const r = await runCli(['logs', '-s', 'old', '--tail', '2'], { env: { GRIDCTL_HOME: home } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('second line\nthird line\n');
  });
});

describe('gridctl init --example', () => {
  it('copies an example that validates where it lands, with its schema comment fixed', async () => {
    const dir = join(tempDir('init'), 'q');
    const r = await runCli(['init', dir, '--example', 'quickstart', '--name', 'mine']);
    expect(r.code, r.stderr).toBe(0);
    const { readFileSync } = await import('node:fs');
    const text = readFileSync(join(dir, 'stack.yaml'), 'utf8');
    expect(text).toMatch(/^name: mine$/m);
    const ref = /\$schema=(\S+)/.exec(text)![1]!;
    const { existsSync } = await import('node:fs');
    expect(existsSync(join(dir, ref))).toBe(true);
    expect((await runCli(['validate', join(dir, 'stack.yaml')])).code).toBe(0);
    const bad = await runCli(['init', join(dir, 'x'), '--example', 'nope']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('init: no example "nope"; choose one of');
  });
});

describe('gridctl info and status --plain', () => {
  it('info states the home and where it came from; status takes --plain but not with --json', async () => {
    const home = join(tempDir('info'), 'g');
    const info = JSON.parse((await runCli(['info', '--json'], { env: { GRIDCTL_HOME: home } })).stdout);
    expect(info).toMatchObject({ version: VERSION, home, home_from: 'GRIDCTL_HOME' });
    expect((await runCli(['status', '--plain'], { env: { GRIDCTL_HOME: home } })).code).toBe(0);
    const both = await runCli(['status', '--plain', '--json'], { env: { GRIDCTL_HOME: home } });
    expect(both.code).toBe(1);
    expect(both.stderr).toContain('--plain and --json contradict each other');
  });
});

describe('a GRIDCTL_HOME shared with the reference design', () => {
  it('doctor says where each one keeps its files', async () => {
    const root = tempDir('refhome');
    mkdirSync(join(root, '.gridctl', 'state'), { recursive: true });
    const r = await runCli(['doctor', '--json'], { env: { GRIDCTL_HOME: root, PATH: process.env.PATH } });
    const check = (JSON.parse(r.stdout) as { checks: { name: string; detail: string }[] }).checks.find(
      (c) => c.name === 'reference home',
    );
    expect(check?.detail).toContain(`this gridctl uses ${root} itself`);
    expect(check?.detail).not.toContain('--from-reference');
    mkdirSync(join(root, '.gridctl', 'vault'), { recursive: true });
    writeFileSync(join(root, '.gridctl', 'vault', 'secrets.json'), '{"version":2,"variables":[]}');
    const again = await runCli(['doctor', '--json'], { env: { GRIDCTL_HOME: root, PATH: process.env.PATH } });
    expect(
      (JSON.parse(again.stdout) as { checks: { name: string; detail: string }[] }).checks.find(
        (c) => c.name === 'reference home',
      )?.detail,
    ).toContain('copy its variables with `gridctl var import --from-reference`');
  });
});

describe('docs/cli.md', () => {
  it('has an entry for every command (and alias)', async () => {
    const { readFileSync } = await import('node:fs');
    const { allRegistrars, buildProgram } = await import('./main.js');
    const { createContext } = await import('./context.js');
    const { PassThrough } = await import('node:stream');
    const ctx = createContext({
      stdout: new PassThrough(),
      stderr: new PassThrough(),
      env: {},
      cwd: process.cwd(),
    });
    const program = buildProgram(ctx, await allRegistrars());
    const doc = readFileSync(new URL('../../docs/cli.md', import.meta.url), 'utf8');
    const names = program.commands.flatMap((c) => [c.name(), ...c.aliases()]);
    expect(names.filter((n) => !doc.includes(`gridctl ${n}`))).toEqual([]);
  });
});
