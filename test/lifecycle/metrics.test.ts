// Metrics and token counts of a real daemon: calls from a real MCP client show up in /metrics
// (behind the gateway's auth, and on the loopback scrape port without it), a real Prometheus
// scrapes them and answers the same counts through its query API, and `gridctl status --tokens`
// and /api/usage report the tokens of the real results.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { countTokens } from 'gpt-tokenizer/encoding/cl100k_base';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/net.js';
import { waitFor } from '../support/wait.js';
import { EVERYTHING, gridctl, localServer, MEMORY, type Sandbox, sandbox, stackYaml } from './cli.js';

const TOKEN = 'metrics-test-token-0123456789';
const sandboxes: Sandbox[] = [];
const children: ChildProcess[] = [];
afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  for (const sb of sandboxes) await gridctl(sb, ['destroy', 'observed']).catch(() => undefined);
});

/** The value of one series in Prometheus text format, or undefined when it is absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const m = /^([^{\s]+)(?:\{(.*)\})?\s+(\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
  }
  return undefined;
}

describe('metrics of a running stack', () => {
  it('counts calls, denials, sessions and tokens; Prometheus scrapes them', async () => {
    const sb = sandbox();
    sandboxes.push(sb);
    const port = await freePort();
    const scrapePort = await freePort();
    const file = sb.write(
      'stack.yaml',
      `${stackYaml('observed', localServer('everything', EVERYTHING, 'stdio') + localServer('memory', MEMORY))}` +
        `gateway:\n  auth:\n    type: bearer\n    token: ${TOKEN}\n  metrics:\n    listen: 127.0.0.1:${scrapePort}\n` +
        'clients:\n  default: deny\n  profiles:\n    ops:\n      servers: [everything]\n' +
        'limits:\n  rate_limits:\n    - tool: everything__echo\n      calls_per_minute: 1\n      burst: 2\n' +
        'logging:\n  file: logs/daemon.log\n  maxBackups: 2\n',
    );
    const applied = await gridctl(sb, ['apply', file, '--port', String(port)]);
    expect(applied.code, applied.stderr).toBe(0);

    // logging.file: the daemon writes its log next to the stack file, and `gridctl logs` finds it.
    expect(readFileSync(join(sb.dir, 'logs/daemon.log'), 'utf8')).toMatch(
      /gateway for stack 'observed' listening on/,
    );
    const logs = await gridctl(sb, ['logs', 'observed']);
    expect(logs.stdout).toMatch(/metrics listening on http:\/\/127\.0\.0\.1:\d+\/metrics/);

    const url = new URL(`http://127.0.0.1:${port}/mcp?client=ops`);
    const client = new Client({ name: 'metrics-test', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(url, {
        requestInit: { headers: { authorization: `Bearer ${TOKEN}` } },
      }),
    );
    try {
      const message = 'observability is what tells a slow tool from a slow model';
      const echo = () => client.callTool({ name: 'everything__echo', arguments: { message } });
      expect((await echo()).isError).toBeFalsy();
      expect((await echo()).isError).toBeFalsy();
      const limited = (await echo()) as { isError?: boolean; content: { text: string }[] };
      expect(limited.isError).toBe(true); // the bucket of 2 is empty
      const denied = await client.callTool({ name: 'memory__read_graph', arguments: {} });
      expect(denied.isError).toBe(true);

      // The gateway's port wants the gateway's credential; the scrape port is open on loopback.
      const bare = await fetch(`http://127.0.0.1:${port}/metrics`);
      expect(bare.status).toBe(401);
      const authed = await fetch(`http://127.0.0.1:${port}/metrics`, {
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      expect(authed.status).toBe(200);
      expect(authed.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);

      const scrape = async () => (await fetch(`http://127.0.0.1:${scrapePort}/metrics`)).text();
      // Records land after the answers went out (tokens are counted off the response path).
      const text = await waitFor(
        async () => {
          const t = await scrape();
          return sample(t, 'gridctl_client_calls_total', { client: 'ops', outcome: 'SCOPE_DENIED' }) === 1 &&
            sample(t, 'gridctl_tool_calls_total', { server: 'everything', tool: 'echo', outcome: 'ok' }) === 2
            ? t
            : undefined;
        },
        { what: 'the four calls in /metrics' },
      );
      const echoL = { server: 'everything', tool: 'echo' };
      expect(sample(text, 'gridctl_tool_calls_total', { ...echoL, outcome: 'RATE_LIMITED' })).toBe(1);
      expect(sample(text, 'gridctl_denials_total', { kind: 'rate_limit', client: 'ops' })).toBe(1);
      expect(sample(text, 'gridctl_denials_total', { kind: 'scope', client: 'ops' })).toBe(1);
      expect(sample(text, 'gridctl_tool_call_duration_seconds_count', echoL)).toBe(3);
      // Tokens of the real result texts, counted with cl100k_base (the embedded tokenizer); the
      // model reads the gateway's own refusal too, so it counts.
      const echoTokens = 2 * countTokens(`Echo: ${message}`) + countTokens(limited.content[0]!.text);
      expect(sample(text, 'gridctl_tool_tokens_total', { ...echoL, direction: 'output' })).toBe(echoTokens);
      expect(sample(text, 'gridctl_tool_tokens_total', { ...echoL, direction: 'input' })).toBe(
        3 * countTokens(JSON.stringify({ message })),
      );
      expect(sample(text, 'gridctl_sessions', { client: 'ops' })).toBe(1);
      expect(sample(text, 'gridctl_server_up', { server: 'everything' })).toBe(1);
      expect(sample(text, 'gridctl_server_up', { server: 'memory' })).toBe(1);
      expect(sample(text, 'gridctl_tool_schema_tokens', { server: 'everything' })).toBeGreaterThan(100);
      expect(sample(text, 'gridctl_mcp_requests_total', { method: 'tools/call', error: 'false' })).toBe(4);
      expect(
        sample(text, 'gridctl_upstream_requests_total', {
          server: 'everything',
          method: 'tools/call',
          error: 'false',
        }),
      ).toBe(2);
      expect(sample(text, 'process_cpu_seconds_total')).toBeGreaterThan(0);
      expect(text).not.toContain(TOKEN);

      // A real Prometheus scrapes the loopback port and answers the same counts.
      const promPort = await freePort();
      const config = join(sb.dir, 'prometheus.yml');
      writeFileSync(
        config,
        `global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: gridctl\n    static_configs:\n      - targets: ['127.0.0.1:${scrapePort}']\n`,
      );
      const prom = spawn(
        '/usr/bin/prometheus',
        [
          `--config.file=${config}`,
          `--storage.tsdb.path=${join(sb.dir, 'tsdb')}`,
          `--web.listen-address=127.0.0.1:${promPort}`,
        ],
        { stdio: 'ignore' },
      );
      children.push(prom);
      const query = async (q: string) => {
        const r = await fetch(`http://127.0.0.1:${promPort}/api/v1/query?query=${encodeURIComponent(q)}`);
        const body = (await r.json()) as {
          data: { result: { metric: Record<string, string>; value: [number, string] }[] };
        };
        return body.data.result;
      };
      const ok = await waitFor(
        async () => {
          const r = await query('gridctl_tool_calls_total{server="everything",tool="echo",outcome="ok"}');
          return r.length === 1 ? r[0] : undefined;
        },
        { what: 'Prometheus to scrape the gateway', timeoutMs: 30_000, intervalMs: 250 },
      );
      expect(ok!.value[1]).toBe('2');
      expect(ok!.metric.job).toBe('gridctl');
      const up = await query('up{job="gridctl"}');
      expect(up[0]?.value[1]).toBe('1');
      const denials = await query('sum(gridctl_denials_total) by (kind)');
      expect(Object.fromEntries(denials.map((d) => [d.metric.kind, d.value[1]]))).toEqual({
        rate_limit: '1',
        scope: '1',
      });

      // The same totals through the CLI.
      const status = await gridctl(sb, ['status', '--tokens']);
      expect(status.code, status.stderr).toBe(0);
      expect(status.stdout).toMatch(/observed usage since .* \(cl100k_base tokens\): 4 call\(s\)/);
      expect(status.stdout).toMatch(new RegExp(`everything\\s+echo\\s+3\\s+1\\s+\\d+\\s+${echoTokens}\\s`));
      expect(status.stdout).toMatch(/ops\s+4\s+2\s/);
      expect(status.stdout).toMatch(/tools\/list costs [\d,]+ tokens for \d+ tool\(s\); costliest: /);

      // gridctl optimize reads the same usage; its logic is tested in src/observability/optimize.test.ts.
      const opt = await gridctl(sb, ['optimize', 'observed', '--format', 'json']);
      const report = JSON.parse(opt.stdout) as { calls: number; findings: { impact: number; fix: string }[] };
      expect(report.calls).toBe(4);
      expect(opt.code).toBe(report.findings.length > 0 ? 1 : 0);
      for (const f of report.findings) expect(f.impact > 0 && f.fix.length > 0).toBe(true);
      const badSeverity = await gridctl(sb, ['optimize', '--severity', 'loud']);
      expect(badSeverity.code).not.toBe(0);
      expect(badSeverity.stderr).toMatch(/--severity loud: use info, warn or critical/);
    } finally {
      await client.close();
    }
  });
});
