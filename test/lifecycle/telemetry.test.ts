// telemetry.persist in a real daemon: call records, traces and a server's log lines land in
// <home>/telemetry/<stack>/<server>/*.jsonl (0600, no arguments or results), a server that opts out
// writes nothing, and after destroy and a new apply the usage totals and the traces are back.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/net.js';
import { waitFor } from '../support/wait.js';
import { EVERYTHING, gridctl, localServer, MEMORY, type Sandbox, sandbox, stackYaml } from './cli.js';

const sandboxes: Sandbox[] = [];
afterAll(async () => {
  for (const sb of sandboxes) await gridctl(sb, ['destroy', 'kept']).catch(() => undefined);
});

const lines = (file: string) =>
  existsSync(file)
    ? readFileSync(file, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l))
    : [];

describe('telemetry files', () => {
  it('persists calls, traces and logs per server and reads them back after a restart', async () => {
    const sb = sandbox();
    sandboxes.push(sb);
    const port = await freePort();
    const file = sb.write(
      'stack.yaml',
      `${stackYaml(
        'kept',
        localServer('everything', EVERYTHING, 'stdio') +
          localServer('memory', MEMORY) +
          '    telemetry:\n      persist: {metrics: false, traces: false, logs: false}\n',
      )}telemetry:\n  persist: {logs: true, metrics: true, traces: true}\n  retention: {max_size_mb: 5}\n`,
    );
    const up = async () => {
      const applied = await gridctl(sb, ['apply', file, '--port', String(port)]);
      expect(applied.code, applied.stderr).toBe(0);
      expect(applied.stderr).not.toMatch(/NOT_IMPLEMENTED/);
      const c = new Client({ name: 'telemetry-test', version: '1.0.0' });
      await c.connect(new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}/mcp`)));
      return c;
    };
    const dir = join(sb.home, 'telemetry', 'kept');
    const secret = 'an argument that must not be kept';
    let c = await up();
    await c.callTool({ name: 'everything__echo', arguments: { message: secret } });
    await c.callTool({ name: 'everything__echo', arguments: { message: secret } });
    await c.callTool({ name: 'memory__read_graph', arguments: {} });
    await c.close();

    const metrics = join(dir, 'everything', 'metrics.jsonl');
    const calls = await waitFor(() => (lines(metrics).length === 2 ? lines(metrics) : undefined), {
      what: 'two call records',
    });
    expect(calls[0]).toMatchObject({ server: 'everything', tool: 'echo', outcome: 'ok', inner: false });
    expect(calls[0].outputTokens).toBeGreaterThan(0);
    const traces = await waitFor(
      () =>
        lines(join(dir, 'everything', 'traces.jsonl')).length >= 2
          ? lines(join(dir, 'everything', 'traces.jsonl'))
          : undefined,
      { what: 'two traces' },
    );
    expect(traces[0].spanTree.map((s: { name: string }) => s.name)).toContain('tools/call everything');
    expect(existsSync(join(dir, 'everything', 'logs.jsonl'))).toBe(true);
    for (const f of ['metrics', 'traces', 'logs']) {
      const path = join(dir, 'everything', `${f}.jsonl`);
      expect(statSync(path).mode & 0o777, path).toBe(0o600);
      expect(readFileSync(path, 'utf8')).not.toContain(secret);
    }
    expect(statSync(join(dir, 'everything')).mode & 0o777).toBe(0o700);
    // memory opted out of every signal.
    expect(existsSync(join(dir, 'memory'))).toBe(false);

    // A new daemon starts from what the files hold.
    expect((await gridctl(sb, ['destroy', 'kept'])).code).toBe(0);
    c = await up();
    await c.close();
    const status = await gridctl(sb, ['status', '--tokens']);
    expect(status.stdout).toMatch(/kept usage since .*: 2 call\(s\)/);
    expect(status.stdout).toMatch(/everything\s+echo\s+2\s+0\s/);
    const listed = JSON.parse(
      (await gridctl(sb, ['traces', '--json', '--tool', 'echo'])).stdout,
    ) as unknown[];
    expect(listed).toHaveLength(2);
  });
});
