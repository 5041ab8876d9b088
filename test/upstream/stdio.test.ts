import { mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, describe, expect, it } from 'vitest';
import { ErrorCode, RpcError } from '../../src/protocol/jsonrpc.js';
import { StdioUpstream } from '../../src/upstream/stdio.js';
import { fixtureStdioCommand } from '../fixtures/conformance.js';
import { everythingStdioCommand } from '../fixtures/everything.js';
import { descendants, isAlive, processesMatching } from '../support/processes.js';
import { waitFor } from '../support/wait.js';
import { upstreamContract } from './contract.js';
import { INIT, recorder } from './recorder.js';
import { directClient, everythingShape, fixtureShape } from './targets.js';

const cwd = process.cwd();

upstreamContract({
  ...everythingShape,
  label: 'stdio → server-everything',
  serverName: 'everything',
  processBacked: true,
  create: () => new StdioUpstream('everything', { command: everythingStdioCommand(), cwd }),
  direct: () => {
    const [command, ...args] = everythingStdioCommand();
    return directClient(new StdioClientTransport({ command: command!, args, stderr: 'ignore' }));
  },
});

upstreamContract({
  ...fixtureShape,
  label: 'stdio → conformance fixture',
  serverName: 'fixture',
  processBacked: true,
  create: () => new StdioUpstream('fixture', { command: fixtureStdioCommand(), cwd }),
  direct: () => {
    const [command, ...args] = fixtureStdioCommand();
    return directClient(new StdioClientTransport({ command: command!, args, stderr: 'ignore' }));
  },
});

describe('StdioUpstream specifics', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'gridctl-stdio-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  // A tiny stdio MCP server as a script, so each behaviour is under the test's control.
  function script(name: string, body: string): string {
    const file = join(tmp, name);
    writeFileSync(file, body);
    return file;
  }
  const miniServer = script(
    'mini.mjs',
    `
import { createInterface } from 'node:readline';
console.error('mini starting in ' + process.cwd() + ' with ' + process.env.MINI_FLAG);
console.log('this banner is not JSON');
const rl = createInterface({ input: process.stdin, crlfDelay: Infinity });
const send = (m) => process.stdout.write(JSON.stringify(m) + '\\n');
rl.on('line', (line) => {
  const m = JSON.parse(line);
  if (m.method === 'initialize') send({ jsonrpc: '2.0', id: m.id, result: { protocolVersion: '2025-06-18', capabilities: { tools: {} }, serverInfo: { name: 'mini', version: '1' } } });
  else if (m.method === 'echo') send({ jsonrpc: '2.0', id: m.id, result: m.params });
  else if (m.method === 'hang') {}
  else if (m.method === 'spawn-child') {
    import('node:child_process').then(({ spawn }) => {
      const c = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', ${JSON.stringify(tmp)}], { stdio: 'ignore' });
      send({ jsonrpc: '2.0', id: m.id, result: { pid: c.pid } });
    });
  }
  else if (m.id !== undefined) send({ jsonrpc: '2.0', id: m.id, error: { code: -32601, message: 'nope' } });
});
`,
  );
  const mini = (extra: Partial<ConstructorParameters<typeof StdioUpstream>[1]> = {}) =>
    new StdioUpstream('mini', { command: [process.execPath, miniServer], cwd: tmp, ...extra });

  it('captures stderr into onLog, tolerates non-JSON stdout, merges env and uses cwd', async () => {
    const ev = recorder();
    const u = mini({ env: { MINI_FLAG: 'flag-on' } });
    await u.connect(ev, INIT);
    expect(ev.logs).toContain(`stdout: this banner is not JSON`);
    await waitFor(() => ev.logs.some((l) => l.startsWith('mini starting')), { what: 'stderr line' });
    expect(ev.logs).toContain(`mini starting in ${realpathSync(tmp)} with flag-on`);
    await u.close();
  });

  it('round-trips a 5 MB message', async () => {
    const ev = recorder();
    const u = mini();
    await u.connect(ev, INIT);
    const big = `${'é'.repeat(2_500_000)}\n"\\`; // 5 MB of UTF-8 plus characters JSON must escape
    const res = (await u.request('echo', { big })) as { big: string };
    expect(res.big.length).toBe(big.length);
    expect(res.big === big).toBe(true);
    await u.close();
  });

  it('round-trips 5 MB through a real server (everything echo)', async () => {
    const u = new StdioUpstream('everything', { command: everythingStdioCommand(), cwd });
    await u.connect(recorder(), INIT);
    const big = 'x'.repeat(5 * 1024 * 1024);
    const res = (await u.request('tools/call', { name: 'echo', arguments: { message: big } })) as {
      content: { text: string }[];
    };
    expect(res.content[0]?.text).toBe(`Echo: ${big}`);
    await u.close();
  });

  it('names the command when it cannot be started', async () => {
    const ev = recorder();
    const u = new StdioUpstream('ghost', {
      command: ['/nonexistent/gridctl-no-such-server', '--x'],
      cwd: tmp,
    });
    const err = await u.connect(ev, INIT).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(RpcError);
    expect((err as Error).message).toContain('server "ghost"');
    expect((err as Error).message).toContain('/nonexistent/gridctl-no-such-server');
    expect((err as Error).message).toContain('not found');
    expect(ev.closes.length).toBe(1);
    expect(ev.closes[0]?.message).toContain('/nonexistent/gridctl-no-such-server');
  });

  it('kill -9 of the process: onClose fires and pending calls reject quickly, naming server and signal', async () => {
    const ev = recorder();
    const u = mini();
    await u.connect(ev, INIT);
    const pending = u.request('hang', {}).then(
      () => undefined,
      (e: unknown) => e,
    );
    const started = Date.now();
    process.kill(u.pid!, 'SIGKILL');
    const err = await pending;
    expect(Date.now() - started).toBeLessThan(1500);
    expect(err).toBeInstanceOf(RpcError);
    expect((err as RpcError).code).toBe(ErrorCode.ConnectionClosed);
    expect((err as RpcError).message).toContain('server "mini"');
    expect((err as RpcError).message).toContain('SIGKILL');
    await waitFor(() => ev.closes.length === 1, { what: 'onClose' });
    expect(ev.closes[0]?.message).toContain('SIGKILL');
  });

  it('kill -9 of a real server while calls run', async () => {
    const ev = recorder();
    const u = new StdioUpstream('everything', { command: everythingStdioCommand(), cwd });
    await u.connect(ev, INIT);
    const calls = [1, 2, 3].map(() =>
      u
        .request('tools/call', {
          name: 'trigger-long-running-operation',
          arguments: { duration: 20, steps: 2 },
        })
        .then(
          () => undefined,
          (e: unknown) => e as RpcError,
        ),
    );
    const started = Date.now();
    process.kill(u.pid!, 'SIGKILL');
    for (const err of await Promise.all(calls)) {
      expect(err?.code).toBe(ErrorCode.ConnectionClosed);
      expect(err?.message).toContain('server "everything"');
    }
    expect(Date.now() - started).toBeLessThan(1500);
    expect(ev.closes.length).toBe(1);
    expect(ev.closes[0]).toBeInstanceOf(Error);
  });

  it('close() takes down the whole process group, including children of the server', async () => {
    const u = mini();
    await u.connect(recorder(), INIT);
    const { pid: childPid } = (await u.request('spawn-child', {})) as { pid: number };
    expect(isAlive(childPid)).toBe(true);
    expect(descendants(u.pid!).map((p) => p.pid)).toContain(childPid);
    await u.close();
    expect(isAlive(u.pid!)).toBe(false);
    await waitFor(() => !isAlive(childPid), { timeoutMs: 3000, what: 'grandchild gone' });
    expect(processesMatching(tmp)).toEqual([]);
  });

  it('close() escalates to SIGKILL when the server ignores SIGTERM', async () => {
    const stubborn = script(
      'stubborn.mjs',
      `
process.on('SIGTERM', () => {});
process.stdin.on('data', (d) => {
  const m = JSON.parse(d.toString().split('\\n')[0]);
  process.stdout.write(JSON.stringify({ jsonrpc: '2.0', id: m.id, result: { protocolVersion: '2025-06-18', capabilities: {}, serverInfo: { name: 's', version: '1' } } }) + '\\n');
});
process.stdin.on('end', () => {}); // ignores EOF too
setInterval(() => {}, 1000);
`,
    );
    const u = new StdioUpstream('stubborn', {
      command: [process.execPath, stubborn],
      cwd: tmp,
      killGraceMs: 300,
    });
    await u.connect(recorder(), INIT);
    const started = Date.now();
    await u.close();
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(isAlive(u.pid!)).toBe(false);
  });

  it('refuses an unsupported protocol version and stops the process', async () => {
    const odd = script(
      'odd.mjs',
      `
process.stdin.on('data', (d) => {
  const m = JSON.parse(d.toString().split('\\n')[0]);
  if (m.id !== undefined) process.stdout.write(JSON.stringify({ jsonrpc: '2.0', id: m.id, result: { protocolVersion: '1999-01-01', capabilities: {}, serverInfo: { name: 'o', version: '1' } } }) + '\\n');
});
`,
    );
    const u = new StdioUpstream('odd', { command: [process.execPath, odd], cwd: tmp });
    const err = await u.connect(recorder(), INIT).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err?.message).toContain('server "odd"');
    expect(err?.message).toContain('1999-01-01');
    expect(isAlive(u.pid!)).toBe(false);
  });
});
