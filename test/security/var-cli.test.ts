// `gridctl var` end to end, in-process, against an isolated GRIDCTL_HOME. The program is built the
// way src/cli/main.ts builds it, with the var registrar given a fake stdin / prompt and a cheap KDF.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { Command, CommanderError } from 'commander';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createContext } from '../../src/cli/context.js';
import { createRegisterVar, type VarInput } from '../../src/cli/var.js';
import { vaultFile } from '../../src/security/vault/index.js';
import { captureOutput } from '../support/cli.js';

const FAST = { N: 2 ** 10, r: 8, p: 1 };
const PASS = 'correct horse battery staple';
let home: string;

beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'gridctl-var-cli-'));
});
afterEach(() => {
  rmSync(home, { recursive: true, force: true });
});

interface RunOpts {
  /** Piped stdin text (not a TTY). */
  stdin?: string;
  /** Answers for hidden prompts; presence makes stdin a TTY. */
  answers?: string[];
  env?: NodeJS.ProcessEnv;
}

async function run(args: string[], opts: RunOpts = {}) {
  const { out, err, seen } = captureOutput();
  const prompts: string[] = [];
  const answers = [...(opts.answers ?? [])];
  const tty = opts.answers !== undefined;
  const stdin = Object.assign(Readable.from(opts.stdin !== undefined ? [opts.stdin] : []), {
    isTTY: tty,
  }) as VarInput;
  const ctx = createContext({
    stdout: out,
    stderr: err,
    env: { GRIDCTL_HOME: home, ...opts.env },
    cwd: home,
  });
  const program = new Command('gridctl')
    .exitOverride()
    .configureOutput({ writeOut: (s) => ctx.stdout.write(s), writeErr: (s) => ctx.stderr.write(s) });
  createRegisterVar({
    stdin,
    kdf: FAST,
    prompt: async (q) => {
      prompts.push(q);
      const a = answers.shift();
      if (a === undefined) throw new Error(`unexpected prompt: ${q}`);
      return a;
    },
  })(program, ctx);
  let code: number;
  try {
    await program.parseAsync(['node', 'gridctl', ...args]);
    code = ctx.exitCode;
  } catch (e) {
    if (!(e instanceof CommanderError)) throw e;
    code = e.exitCode === 0 ? 0 : 1;
  }
  return { code, ...seen, prompts };
}

async function ok(args: string[], opts?: RunOpts) {
  const r = await run(args, opts);
  expect(r.code, r.stderr).toBe(0);
  return r;
}

describe('gridctl var', () => {
  it('sets from an argument (with a history warning), from stdin and from a hidden prompt', async () => {
    const a = await ok(['var', 'set', 'FROM_ARG', 'arg-value']);
    expect(a.stderr).toMatch(/Warning: a value given on the command line can stay in your shell history/);
    expect(a.stderr).toMatch(/store is not locked/);
    expect(a.stdout).toBe('Set FROM_ARG.\n');

    const b = await ok(['var', 'set', 'FROM_STDIN'], { stdin: 'stdin-value\n' });
    expect(b.stderr).not.toMatch(/Warning/);
    const c = await ok(['var', 'set', 'FROM_PROMPT'], { answers: ['prompt-value'] });
    expect(c.prompts).toEqual(['Value for FROM_PROMPT: ']);
    for (const r of [a, b, c]) expect(r.stdout + r.stderr).not.toMatch(/-value/);

    expect((await ok(['var', 'get', 'FROM_ARG'])).stdout).toBe('arg-value\n');
    expect((await ok(['var', 'get', 'FROM_STDIN'])).stdout).toBe('stdin-value\n');
    expect((await ok(['var', 'get', 'FROM_PROMPT'])).stdout).toBe('prompt-value\n');
  });

  it('keeps everything but one trailing newline from stdin, and refuses an empty stdin', async () => {
    await ok(['var', 'set', 'MULTI'], { stdin: 'line one\nline two\n\n' });
    expect(JSON.parse((await ok(['var', 'get', 'MULTI', '--json'])).stdout)).toEqual({
      key: 'MULTI',
      set: null,
      value: 'line one\nline two\n',
    });
    const r = await run(['var', 'set', 'EMPTY'], { stdin: '' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^Error: no value on stdin/);
  });

  it('rejects an invalid key with a clear one-line error', async () => {
    const r = await run(['var', 'set', '9LIVES', 'x']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/invalid variable name "9LIVES": use letters, digits and underscores/);
    const g = await run(['var', 'get', 'bad-key']);
    expect(g.stderr).toMatch(/invalid variable name "bad-key"/);
  });

  it('lists names only, values with --show, and JSON', async () => {
    await ok(['var', 'set', 'API_TOKEN', 'tok-secret-1']);
    await ok(['var', 'set', 'TOKEN', 'gh-secret-2', '--set', 'github']);
    const l = await ok(['var', 'list']);
    expect(l.stdout).toBe('KEY        SET\nAPI_TOKEN  -\nTOKEN      github\n');
    expect(l.stdout + l.stderr).not.toMatch(/secret/);
    expect(l.stderr).toMatch(
      /^Note: the store is not locked: its data key is stored in plain beside the data/,
    );

    const s = await ok(['var', 'list', '--show', '--set', 'github']);
    expect(s.stdout).toBe('KEY    SET     VALUE\nTOKEN  github  gh-secret-2\n');

    const j = JSON.parse((await ok(['var', 'list', '--json'])).stdout);
    expect(j).toEqual({
      file: vaultFile(home),
      locked: false,
      protection: 'none',
      variables: [
        { key: 'API_TOKEN', set: null },
        { key: 'TOKEN', set: 'github' },
      ],
    });
    const js = JSON.parse((await ok(['var', 'list', '--json', '--show'])).stdout);
    expect(js.variables[0]).toEqual({ key: 'API_TOKEN', set: null, value: 'tok-secret-1' });
  });

  it('keeps sets apart and deletes per set', async () => {
    await ok(['var', 'set', 'TOKEN', 'gh-value', '--set', 'github']);
    await ok(['var', 'set', 'TOKEN', 'gl-value', '--set', 'gitlab']);
    expect((await ok(['var', 'get', 'TOKEN', '--set', 'gitlab'])).stdout).toBe('gl-value\n');
    const missing = await run(['var', 'get', 'TOKEN']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no variable TOKEN: list them with `gridctl var list`/);
    expect((await ok(['var', 'delete', 'TOKEN', '--set', 'github'])).stdout).toBe(
      'Deleted TOKEN in set github.\n',
    );
    const again = await run(['var', 'delete', 'TOKEN', '--set', 'github']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/no variable TOKEN in set github/);
    expect((await ok(['var', 'list'])).stdout).toBe('KEY    SET\nTOKEN  gitlab\n');
    const badSet = await run(['var', 'list', '--set', '../x']);
    expect(badSet.stderr).toMatch(/invalid set name/);
  });

  it('imports a .env file and exports it back', async () => {
    const env = join(home, 'in.env');
    writeFileSync(
      env,
      [
        '# tokens',
        'export GH_TOKEN=ghp_abc123',
        'DB_URL="postgres://u:p@h/db?x=1 # not a comment"',
        "RAW='$HOME stays'",
        'MULTI="a\\nb"',
        'EMPTY=',
        '',
      ].join('\n'),
    );
    await ok(['var', 'set', 'GH_TOKEN', 'old-value']);
    const imp = await ok(['var', 'import', env]);
    expect(imp.stdout).toBe('Imported 5 variable(s): 4 new, 1 updated.\n');
    expect(imp.stdout + imp.stderr).not.toMatch(/ghp_abc123|postgres/);
    const exp = await ok(['var', 'export']);
    expect(exp.stdout).toBe(
      [
        "DB_URL='postgres://u:p@h/db?x=1 # not a comment'",
        'EMPTY=',
        'GH_TOKEN=ghp_abc123',
        'MULTI="a\\nb"',
        "RAW='$HOME stays'",
        '',
      ].join('\n'),
    );
    // Into a set, from stdin; export of that set only.
    await ok(['var', 'import', '-', '--set', 'ci'], { stdin: 'CI_TOKEN=ci-value\n' });
    expect((await ok(['var', 'export', '--set', 'ci'])).stdout).toBe('CI_TOKEN=ci-value\n');
    expect((await ok(['var', 'export'])).stdout).not.toMatch(/CI_TOKEN/);
  });

  it('reports a bad .env line without its value and imports nothing', async () => {
    const env = join(home, 'bad.env');
    writeFileSync(env, 'GOOD=fine-value\nBAD="unterminated-secret\n');
    const r = await run(['var', 'import', env]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`Error: ${env}: line 2: unterminated "-quoted value; nothing was imported\n`);
    expect((await ok(['var', 'list'])).stdout).toMatch(/No variables stored/);
    const missing = await run(['var', 'import', join(home, 'nope.env')]);
    expect(missing.stderr).toMatch(/cannot read .*nope\.env: ENOENT/);
  });

  it('locks from GRIDCTL_VAULT_PASSPHRASE, then needs it; unlock keeps the data', async () => {
    await ok(['var', 'set', 'A', 'value-a']);
    const l = await ok(['var', 'lock'], { env: { GRIDCTL_VAULT_PASSPHRASE: PASS } });
    expect(l.stdout).toMatch(/^Locked .*store\.json with a passphrase/);
    expect(l.stdout + l.stderr).not.toContain(PASS);

    const noPass = await run(['var', 'list']);
    expect(noPass.code).toBe(1);
    expect(noPass.stderr).toBe(
      'Error: the variable store is locked: set GRIDCTL_VAULT_PASSPHRASE, or run the command in a terminal to be asked for the passphrase\n',
    );
    const listed = await ok(['var', 'list'], { env: { GRIDCTL_VAULT_PASSPHRASE: PASS } });
    expect(listed.stderr).toBe(''); // no "not locked" note any more
    expect(JSON.parse((await ok(['var', 'list', '--json'], { answers: [PASS] })).stdout).locked).toBe(true);

    const u = await ok(['var', 'unlock'], { env: { GRIDCTL_VAULT_PASSPHRASE: PASS } });
    expect(u.stdout).toMatch(/^Removed the passphrase\. Note: the store is not locked/);
    expect((await ok(['var', 'get', 'A'])).stdout).toBe('value-a\n');
    expect((await ok(['var', 'unlock'])).stdout).toBe('The store is not locked; nothing to do.\n');
  });

  it('locks on a terminal with the passphrase typed twice, and refuses a mismatch', async () => {
    await ok(['var', 'set', 'A', 'value-a']);
    const mismatch = await run(['var', 'lock'], { answers: [PASS, 'something else'] });
    expect(mismatch.code).toBe(1);
    expect(mismatch.stderr).toMatch(/passphrases do not match; nothing was changed/);
    expect(JSON.parse(readFileSync(vaultFile(home), 'utf8')).protection).toBe('none');

    const short = await run(['var', 'lock'], { answers: ['short', 'short'] });
    expect(short.stderr).toMatch(/at least 8 characters/);

    const r = await ok(['var', 'lock'], { answers: [PASS, PASS] });
    expect(r.prompts).toEqual(['Passphrase: ', 'Repeat the passphrase: ']);
    // Change it: current passphrase asked first, then the new one twice.
    const c = await ok(['var', 'lock'], { answers: [PASS, 'new passphrase!', 'new passphrase!'] });
    expect(c.prompts).toEqual([
      'Passphrase for the variable store: ',
      'New passphrase: ',
      'Repeat the passphrase: ',
    ]);
    expect(c.stdout).toMatch(/^Changed the passphrase/);
    expect((await ok(['var', 'get', 'A'], { answers: ['new passphrase!'] })).stdout).toBe('value-a\n');
  });

  it('changes the passphrase without a terminal only through GRIDCTL_VAULT_NEW_PASSPHRASE', async () => {
    await ok(['var', 'set', 'A', 'value-a']);
    await ok(['var', 'lock'], { env: { GRIDCTL_VAULT_PASSPHRASE: PASS } });
    const r = await run(['var', 'lock'], { env: { GRIDCTL_VAULT_PASSPHRASE: PASS } });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /already locked: to change its passphrase without a terminal, set GRIDCTL_VAULT_NEW_PASSPHRASE/,
    );
    await ok(['var', 'lock'], {
      env: { GRIDCTL_VAULT_PASSPHRASE: PASS, GRIDCTL_VAULT_NEW_PASSPHRASE: 'rotated passphrase' },
    });
    expect(
      (await ok(['var', 'get', 'A'], { env: { GRIDCTL_VAULT_PASSPHRASE: 'rotated passphrase' } })).stdout,
    ).toBe('value-a\n');
  });

  it('fails on a wrong passphrase with a clear message and changes nothing', async () => {
    await ok(['var', 'set', 'A', 'value-a']);
    await ok(['var', 'lock'], { env: { GRIDCTL_VAULT_PASSPHRASE: PASS } });
    const before = readFileSync(vaultFile(home));
    const r = await run(['var', 'set', 'B'], {
      stdin: 'value-b',
      env: { GRIDCTL_VAULT_PASSPHRASE: 'not the passphrase' },
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^Error: wrong passphrase for the variable store .*nothing was changed\n$/);
    expect(readFileSync(vaultFile(home)).equals(before)).toBe(true);
  });

  it('never leaves a value, key name or passphrase in the file, which is 0600 in a 0700 folder', async () => {
    await ok(['var', 'set', 'SOME_KEY_NAME', 'needle-one']);
    await ok(['var', 'lock'], { env: { GRIDCTL_VAULT_PASSPHRASE: PASS } });
    await ok(['var', 'set', 'OTHER'], { stdin: 'needle-two', env: { GRIDCTL_VAULT_PASSPHRASE: PASS } });
    const bytes = readFileSync(vaultFile(home));
    for (const s of ['needle-one', 'needle-two', 'SOME_KEY_NAME', 'OTHER', PASS])
      expect(bytes.includes(s), s).toBe(false);
    expect(statSync(vaultFile(home)).mode & 0o777).toBe(0o600);
    expect(statSync(join(home, 'vault')).mode & 0o777).toBe(0o700);
  });

  it('refuses a store written by a newer gridctl and leaves it alone', async () => {
    await ok(['var', 'set', 'A', 'value-a']);
    const f = JSON.parse(readFileSync(vaultFile(home), 'utf8'));
    f.version = 7;
    writeFileSync(vaultFile(home), JSON.stringify(f));
    const before = readFileSync(vaultFile(home));
    const r = await run(['var', 'set', 'B', 'value-b']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/format version 7, newer than this gridctl understands \(1\); upgrade gridctl/);
    expect(readFileSync(vaultFile(home)).equals(before)).toBe(true);
  });

  it('reports a tampered store as damaged, in one line, without values', async () => {
    await ok(['var', 'set', 'A', 'value-a']);
    const f = JSON.parse(readFileSync(vaultFile(home), 'utf8'));
    const ct = Buffer.from(f.data.ciphertext, 'base64');
    ct[ct.length - 1] = (ct[ct.length - 1] ?? 0) ^ 0x80;
    f.data.ciphertext = ct.toString('base64');
    writeFileSync(vaultFile(home), JSON.stringify(f));
    const r = await run(['var', 'get', 'A']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^Error: the variable store .* is damaged or was modified \(integrity check failed\)/,
    );
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).not.toContain('value-a');
  });

  it('loses no write when several `var set` run at once', async () => {
    await ok(['var', 'set', 'SEED', 'seed-value']);
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) => run(['var', 'set', `K${i}`], { stdin: `value-${i}` })),
    );
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    expect((await ok(['var', 'list'])).stdout.match(/^K\d/gm)).toEqual(['K0', 'K1', 'K2', 'K3', 'K4', 'K5']);
  });
});
