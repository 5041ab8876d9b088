import { describe, expect, it } from 'vitest';
import { runCli } from '../../test/support/cli.js';
import { VERSION } from '../version.js';

describe('gridctl CLI', () => {
  it('prints its version', async () => {
    const r = await runCli(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(VERSION);
  });

  it('rejects an unknown command with exit 1 and says so', async () => {
    const r = await runCli(['frobnicate']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/unknown command 'frobnicate'/);
  });
});
