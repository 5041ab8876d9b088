// The reference's spellings of the variable commands: `var set --value`, `var import` of a .json
// file, `var sets`, and `vault` for `var`.
import { writeFileSync } from 'node:fs';
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
});
