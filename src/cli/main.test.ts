import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { VERSION } from '../version.js';
import { main } from './main.js';

function run(args: string[]) {
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = '';
  let stderr = '';
  out.on('data', (c) => {
    stdout += c;
  });
  err.on('data', (c) => {
    stderr += c;
  });
  return main(['node', 'gridctl', ...args], { stdout: out, stderr: err, env: {}, cwd: process.cwd() }).then(
    (code) => ({ code, stdout, stderr }),
  );
}

describe('gridctl CLI', () => {
  it('prints its version', async () => {
    const r = await run(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(VERSION);
  });

  it('rejects an unknown command with exit 1 and says so', async () => {
    const r = await run(['frobnicate']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/unknown command 'frobnicate'/);
  });
});
