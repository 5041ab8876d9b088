// `gridctl apply` with no stack file starts the stackless gateway, as `gridctl serve` does (the
// reference's behaviour), and `gridctl stop` ends it.
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/net.js';
import { gridctl, type Sandbox, sandbox } from './cli.js';

const sandboxes: Sandbox[] = [];
afterAll(async () => {
  for (const sb of sandboxes) await gridctl(sb, ['stop']).catch(() => undefined);
});

describe('gridctl apply without a file', () => {
  it('runs the stackless gateway with a notice; stop ends it', async () => {
    const sb = sandbox();
    sandboxes.push(sb);
    const port = await freePort();
    const r = await gridctl(sb, ['apply', '-p', String(port)]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('No stack file given: starting the gateway without a stack');
    expect(r.stdout).toContain(`Gateway (no stack loaded) on http://localhost:${port}`);
    const health = await fetch(`http://127.0.0.1:${port}/health`);
    expect(health.status).toBe(200);
    const stopped = await gridctl(sb, ['stop']);
    expect(stopped.stdout).toMatch(/Stopped the stackless gateway \(PID \d+\)/);
  });
});
