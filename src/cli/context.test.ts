import { describe, expect, it } from 'vitest';
import { captureOutput } from '../../test/support/cli.js';
import { createContext } from './context.js';

describe('the CLI output writer', () => {
  it('passes every string written to stdout and stderr through the redactor once it is set', () => {
    const { out, err, seen } = captureOutput();
    const ctx = createContext({
      stdout: Object.assign(out, { isTTY: false }),
      stderr: err,
      env: {},
      cwd: '/',
    });
    ctx.stdout.write('before: s3cret-value\n');
    ctx.setRedactor((t) => t.replaceAll('s3cret-value', '[REDACTED]'));
    ctx.stdout.write('reason: cannot start /bin-s3cret-value\n');
    ctx.stderr.write('Error: s3cret-value\n');
    expect(seen.stdout).toBe('before: s3cret-value\nreason: cannot start /bin-[REDACTED]\n');
    expect(seen.stderr).toBe('Error: [REDACTED]\n');
    // Still the stream underneath: its properties and events work as before.
    expect(ctx.stdout.isTTY).toBe(false);
    expect(typeof ctx.stdout.on).toBe('function');
  });
});
