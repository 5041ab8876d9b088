import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createContext } from './context.js';

describe('the CLI output writer', () => {
  it('passes every string written to stdout and stderr through the redactor once it is set', () => {
    const out = Object.assign(new PassThrough(), { isTTY: false });
    const err = new PassThrough();
    const seen = { out: '', err: '' };
    out.on('data', (c) => {
      seen.out += c;
    });
    err.on('data', (c) => {
      seen.err += c;
    });
    const ctx = createContext({ stdout: out, stderr: err, env: {}, cwd: '/' });
    ctx.stdout.write('before: s3cret-value\n');
    ctx.setRedactor((t) => t.replaceAll('s3cret-value', '[REDACTED]'));
    ctx.stdout.write('reason: cannot start /bin-s3cret-value\n');
    ctx.stderr.write('Error: s3cret-value\n');
    expect(seen.out).toBe('before: s3cret-value\nreason: cannot start /bin-[REDACTED]\n');
    expect(seen.err).toBe('Error: [REDACTED]\n');
    // Still the stream underneath: its properties and events work as before.
    expect(ctx.stdout.isTTY).toBe(false);
    expect(typeof ctx.stdout.on).toBe('function');
  });
});
