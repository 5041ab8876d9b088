// The multi-process load generator against a real gridctl gateway fronting server-everything:
// it opens its sessions, checks every echo answer, and reports calls and the gateway's CPU.
// No timing assertions: only that calls were made, none failed, and CPU was read.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLoadgen } from '../../bench/lib/loadgen.js';
import { everythingUpstream, type Running, startPath } from '../../bench/lib/paths.js';
import { alive } from '../../bench/lib/proc.js';

describe('bench load generator', () => {
  const work = mkdtempSync(join(tmpdir(), 'gridctl-loadgen-test-'));
  let gw: Running;
  beforeAll(async () => {
    gw = await startPath('gridctl', [everythingUpstream()], { workDir: work });
  }, 60_000);
  afterAll(async () => {
    await gw?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('drives 4 sessions from 2 worker processes, every answer checked, and reads the gateway CPU', async () => {
    const res = await runLoadgen({
      url: gw.mcpUrl!,
      toolName: gw.toolName('everything', 'echo'),
      sessions: 4,
      workers: 2,
      durationMs: 1000,
      warmupPerSession: 2,
      gatewayPid: gw.proc!.pid,
    });
    expect(res.firstError).toBeUndefined();
    expect(res.errors).toBe(0);
    expect(res.workers).toBe(2);
    expect(res.calls).toBeGreaterThan(0);
    expect(res.callsPerSec).toBeGreaterThan(0);
    expect(res.p99).toBeGreaterThanOrEqual(res.p50);
    expect(res.gatewayCpuUs).toBeGreaterThan(0);
    expect(res.generatorCpuUs).toBeGreaterThan(0);
    // the gateway is still up after the workers closed their sessions
    expect(alive(gw.proc!.pid)).toBe(true);
  }, 60_000);

  it('fails with the reason when the endpoint does not speak MCP', async () => {
    await expect(
      runLoadgen({
        url: gw.mcpUrl!.replace(/\/mcp$/, '/nope'),
        toolName: 'everything__echo',
        sessions: 2,
        durationMs: 200,
      }),
    ).rejects.toThrow(/initialize: HTTP 404/);
  }, 60_000);
});
