// A server that fails at start-up says why: the last lines of its stderr (bounded) appear in the
// apply summary, `gridctl status` (human and --json), /api/status and /api/mcp-servers, with the
// store's secrets masked. The real CLI, a real daemon, an isolated home.
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/net.js';
import { gridctl, type Sandbox, sandbox, stackYaml } from './cli.js';

const sandboxes: Sandbox[] = [];
afterAll(async () => {
  for (const sb of sandboxes) {
    await gridctl(sb, ['destroy', 'tail']).catch(() => undefined);
    rmSync(sb.dir, { recursive: true, force: true });
  }
});

interface Row {
  name: string;
  state: string;
  reason?: string;
  stderr?: string[];
  replicas: { stderr?: string[] }[];
}

const server = (name: string, code: string, extra = '') =>
  `  - name: ${name}\n    command: ${JSON.stringify(['node', '-e', code])}\n${extra}`;

/** Applies the three failing servers; the summary, status and status --json a user would see. */
async function applyFailing() {
  const sb = sandbox();
  sandboxes.push(sb);
  expect((await gridctl(sb, ['var', 'set', 'TAIL_SECRET', 'hunter2-tail-secret'])).code).toBe(0);
  const port = await freePort();
  // `loud` floods stderr (300 lines of 2 KiB), then names its last line and exits (exitCode, not
  // process.exit(), which would drop what is still queued for the pipe).
  const flood = `for (let i = 0; i < 300; i++) console.error(i + ' ' + 'x'.repeat(2048)); console.error('last line of loud'); process.exitCode = 1`;
  const file = sb.write(
    'stack.yaml',
    stackYaml(
      'tail',
      server('boom', "console.error('boom: missing FOO'); process.exit(3)") +
        server('loud', flood) +
        server(
          'leaky',
          "console.error('token is ' + process.env.TOKEN); process.exit(2)",
          // biome-ignore lint/suspicious/noTemplateCurlyInString: stack-file syntax
          '    env:\n      TOKEN: "${var:TAIL_SECRET}"\n',
        ),
    ),
  );

  const applied = await gridctl(sb, ['apply', file, '--port', String(port)]);
  expect(applied.code).toBe(0);
  const status = await gridctl(sb, ['status']);
  expect(status.code).toBe(0);
  const json = await gridctl(sb, ['status', '--json']);
  return { port, applied, status, json };
}

// One stack serves both tests (an apply with three failing servers takes a while).
let shared: ReturnType<typeof applyFailing> | undefined;
const failing = () => {
  shared ??= applyFailing();
  return shared;
};

describe('the stderr of a server that fails', () => {
  it('is shown, bounded, by apply, status, status --json and the API', async () => {
    const { port, applied, status, json } = await failing();
    expect(applied.stdout).toMatch(/boom\s+local\s+stdio\s+failed \(.*exited with code 3\)/);
    expect(applied.stdout).toContain('boom: last stderr lines\n  | boom: missing FOO\n');
    expect(applied.stdout).toContain('  | last line of loud\n');

    expect(status.stdout).toContain('boom: last stderr lines\n  | boom: missing FOO\n');

    const rows = (JSON.parse(json.stdout) as { gateways: { servers: Row[] }[] }).gateways[0]!.servers;
    const byName = Object.fromEntries(rows.map((r) => [r.name, r]));
    expect(byName.boom).toMatchObject({ state: 'failed', stderr: ['boom: missing FOO'] });
    expect(byName.boom!.replicas[0]!.stderr).toEqual(['boom: missing FOO']);
    // Bounded: at most 20 lines and 4 KiB, the newest kept, an over-long line cut.
    const loud = byName.loud!.stderr!;
    expect(loud.length).toBeLessThanOrEqual(20);
    expect(Buffer.byteLength(loud.join('\n'))).toBeLessThanOrEqual(4096);
    expect(loud.at(-1)).toBe('last line of loud');
    expect(loud.at(-2)).toMatch(/^299 x+… \[cut\]$/);

    for (const path of ['/api/status', '/api/mcp-servers']) {
      const res = await fetch(`http://127.0.0.1:${port}${path}`);
      const text = await res.text();
      expect(text, path).toContain('"boom: missing FOO"');
    }
  }, 120_000);

  it('has the store’s secrets masked wherever it is shown', async () => {
    const { port, applied, status, json } = await failing();
    expect(status.stdout).toContain('leaky: last stderr lines\n  | token is [REDACTED]\n');
    expect(applied.stdout).toContain('  | token is [REDACTED]\n');
    for (const path of ['/api/status', '/api/mcp-servers']) {
      const text = await (await fetch(`http://127.0.0.1:${port}${path}`)).text();
      expect(text, path).toContain('token is [REDACTED]');
      expect(text, path).not.toContain('hunter2');
    }
    for (const out of [applied.stdout, status.stdout, json.stdout]) expect(out).not.toContain('hunter2');
  }, 120_000);
});
