// Concurrent writers in separate processes: every write lands, locked or not.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openVault } from '../../src/security/vault/index.js';

const ROOT = resolve(import.meta.dirname, '../..');
const TSX = pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href;
const WRITER = join(import.meta.dirname, 'vault-writer.ts');
const FAST = { N: 2 ** 10, r: 8, p: 1 };
const PASS = 'correct horse battery staple';
let root: string;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'gridctl-vault-proc-'));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

function writer(
  prefix: string,
  count: number,
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; stderr: string }> {
  return new Promise((done, reject) => {
    const child = spawn(process.execPath, ['--import', TSX, WRITER, root, prefix, String(count)], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c) => {
      stderr += c;
    });
    child.on('error', reject);
    child.on('exit', (code) => done({ code, stderr }));
  });
}

describe('variable store across processes', () => {
  it.each([
    ['an unlocked store', false],
    ['a locked store', true],
  ])('loses no write when four processes write %s at once', async (_name, locked) => {
    const seed = await openVault({ root, env: {}, kdf: FAST });
    seed.set('SEED', 'seed-value');
    if (locked) await seed.lock(PASS);
    else await seed.save();
    const env = locked ? { GRIDCTL_VAULT_PASSPHRASE: PASS } : { GRIDCTL_VAULT_PASSPHRASE: '' };
    const results = await Promise.all(['A', 'B', 'C', 'D'].map((p) => writer(p, 5, env)));
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    const final = await openVault({ root, env: {}, passphrase: locked ? PASS : undefined });
    expect(final.locked).toBe(locked);
    expect(final.keys()).toHaveLength(21);
    expect(final.get('C_4')).toBe('value-C-4');
  });
});
