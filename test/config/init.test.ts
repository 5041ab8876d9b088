import { existsSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../support/temp.js';
import { runCli } from './cli.js';

describe('gridctl init', () => {
  it('writes a commented starter stack.yaml that validates clean and points editors at the schema', async () => {
    const base = tempDir('init');
    const r = await runCli(['init', 'my project'], { cwd: base });
    expect(r.code).toBe(0);
    const file = path.join(base, 'my project', 'stack.yaml');
    expect(r.stdout).toContain(`Wrote ${path.join('my project', 'stack.yaml')}`);
    const text = readFileSync(file, 'utf8');
    const first = text.split('\n')[0]!;
    expect(first).toMatch(/^# yaml-language-server: \$schema=.*schema\/stack\.schema\.json$/);
    const schemaPath = path.resolve(path.dirname(file), first.split('$schema=')[1]!);
    expect(existsSync(schemaPath)).toBe(true);
    expect(text).toContain('name: my-project');
    const v = await runCli(['validate', file]);
    expect(v.stdout).toMatch(/^✓ .* is valid\n$/);
    expect(v.code).toBe(0);
  });

  it('refuses to overwrite without --force, and overwrites with it', async () => {
    const dir = tempDir('init');
    const file = path.join(dir, 'stack.yaml');
    await writeFile(file, 'name: mine\n');
    const refused = await runCli(['init', dir, '--name', 'other']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('already exists; use --force to overwrite it');
    expect(readFileSync(file, 'utf8')).toBe('name: mine\n');
    const forced = await runCli(['init', dir, '--name', 'other', '--force']);
    expect(forced.code).toBe(0);
    expect(readFileSync(file, 'utf8')).toContain('name: other');
  });
});
