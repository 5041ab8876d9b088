// The reference's spellings of the variable commands: `var set --value`, `var import` of a .json
// file, `var sets`, and `vault` for `var`.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { tempDir } from '../support/temp.js';

describe('var parity', () => {
  it('set --value, import .json, sets', async () => {
    const dir = tempDir('varpar');
    const env = { GRIDCTL_HOME: join(dir, 'g') };
    const set = await runCli(['var', 'set', 'API_URL', '--value', 'https://x.example'], { env });
    expect(set.code, set.stderr).toBe(0);
    expect(set.stderr).toContain('can stay in your shell history');
    expect((await runCli(['var', 'get', 'API_URL'], { env })).stdout).toBe('https://x.example\n');
    const twice = await runCli(['var', 'set', 'API_URL', 'a', '--value', 'b'], { env });
    expect(twice.stderr).toContain('give the value once');

    const json = join(dir, 'vars.json');
    writeFileSync(json, JSON.stringify({ GH_TOKEN: 'ghp-abc', RETRIES: 3, DEBUG: false }));
    const imported = await runCli(['vault', 'import', json, '--set', 'github'], { env });
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stdout).toContain('Imported 3 variable(s) in set github: 3 new, 0 updated.');
    expect((await runCli(['var', 'get', 'RETRIES', '--set', 'github'], { env })).stdout).toBe('3\n');
    expect((await runCli(['var', 'sets'], { env })).stdout).toBe('github  3 key(s)\n');

    writeFileSync(json, JSON.stringify({ 'bad-name': 'x' }));
    const bad = await runCli(['var', 'import', json], { env });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('invalid variable name "bad-name"');
    writeFileSync(json, '[1]');
    expect((await runCli(['var', 'import', json], { env })).stderr).toContain(
      'expected an object of names and values',
    );
  });

  it('set --type checks the value and stores nothing that is not of the type', async () => {
    const env = { GRIDCTL_HOME: join(tempDir('vartype'), 'g') };
    const set = (...args: string[]) => runCli(['var', 'set', ...args], { env });
    const ok = await set('RETRIES', '--value', '3', '--type', 'number');
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toBe('Set RETRIES (checked: a valid number).\n');
    expect((await set('CFG', '--value', '{"a":[1]}', '--type', 'json')).code).toBe(0);
    expect((await set('ON', '--value', 'true', '--type', 'bool', '--secret')).code).toBe(0);
    expect((await runCli(['var', 'get', 'CFG'], { env })).stdout).toBe('{"a":[1]}\n');

    const notNumber = await set('PORT', '--value', 'eighty', '--type', 'number');
    expect(notNumber.code).toBe(1);
    expect(notNumber.stderr).toContain('PORT: --type number needs a number such as 42 or -1.5');
    expect(notNumber.stderr).toContain('[VAULT_TYPE_MISMATCH]');
    expect(notNumber.stderr).not.toContain('eighty'); // a value never reaches an error message
    const notJson = await set('CFG2', '--value', '{nope', '--type', 'json');
    expect(notJson.stderr).toContain('needs valid JSON');
    expect((await set('ON2', '--value', 'yes', '--type', 'bool')).stderr).toContain('needs true or false');
    expect((await runCli(['var', 'get', 'PORT'], { env })).code).toBe(1); // nothing was stored

    const list = await set('HOSTS', '--value', 'a,b', '--type', 'list');
    expect(list.code).toBe(1);
    expect(list.stderr).toContain('--type list: the reference does not document how it encodes a list');
    expect(list.stderr).toContain('[VAULT_TYPE_UNSUPPORTED]');
    expect((await set('X', '--value', '1', '--type', 'float')).stderr).toContain(
      '--type float: use string, json, number, bool',
    );
  });

  it('set --plaintext is refused with the reason, and stores nothing', async () => {
    const env = { GRIDCTL_HOME: join(tempDir('varplain'), 'g') };
    const r = await runCli(['var', 'set', 'REGION', '--value', 'eu-west-1', '--plaintext'], { env });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('--plaintext: every stored value is a secret here');
    expect(r.stderr).toContain('[VAULT_PLAINTEXT_UNSUPPORTED]');
    expect((await runCli(['var', 'get', 'REGION'], { env })).code).toBe(1);
  });

  it("import --from-reference reads the reference's plaintext vault; its encrypted one needs a passphrase", async () => {
    const dir = tempDir('varref');
    // As the reference lays it out: its home is $GRIDCTL_HOME/.gridctl, ours $GRIDCTL_HOME.
    const env = { GRIDCTL_HOME: join(dir, 'g') };
    const refVault = join(dir, 'g', '.gridctl', 'vault');
    mkdirSync(refVault, { recursive: true });
    writeFileSync(
      join(refVault, 'secrets.json'),
      JSON.stringify({
        version: 2,
        variables: [
          { key: 'GH_TOKEN', value: 'ghp-ref', type: 'string', is_secret: true, set: 'github' },
          { key: 'REGION', value: 'eu-west-1', type: 'string', is_secret: false },
          { key: 'LIMITS', value: '{"rps":5}', type: 'json', is_secret: true },
        ],
        sets: [{ name: 'github', description: 'GitHub credentials' }],
      }),
    );
    const r = await runCli(['var', 'import', '--from-reference'], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(
      `Imported 3 variable(s) from ${join(refVault, 'secrets.json')}: 3 new, 0 updated.\n`,
    );
    expect(r.stderr).toContain(
      '1 of them were plaintext in the reference; every stored value is masked here',
    );
    expect((await runCli(['var', 'get', 'GH_TOKEN', '--set', 'github'], { env })).stdout).toBe('ghp-ref\n');
    expect((await runCli(['var', 'get', 'LIMITS'], { env })).stdout).toBe('{"rps":5}\n');
    expect((await runCli(['var', 'sets'], { env })).stdout).toBe('github  1 key(s)\n');

    const enc = join(dir, 'secrets.enc');
    writeFileSync(
      enc,
      JSON.stringify({ version: 1, encrypted: true, kdf: { algorithm: 'argon2id' }, dek: {}, data: {} }),
    );
    const refused = await runCli(['var', 'import', '--from-reference', enc], { env });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      "is the reference's encrypted vault: set GRIDCTL_REFERENCE_VAULT_PASSPHRASE",
    );
    expect(refused.stderr).toContain('[VAULT_REFERENCE_ENCRYPTED]');

    writeFileSync(enc, JSON.stringify({ version: 7, variables: [] }));
    expect((await runCli(['var', 'import', '--from-reference', enc], { env })).stderr).toContain(
      'store version 7, expected 2',
    );
    expect((await runCli(['var', 'import'], { env })).stderr).toContain('give the file to import');
  });
});
