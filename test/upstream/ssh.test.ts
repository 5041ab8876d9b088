// SSH upstream against a real sshd on 127.0.0.1: the shared contract over ssh with
// server-everything as the "remote" server, failures explained, and nothing left running.
import { execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, RpcError } from '../../src/protocol/jsonrpc.js';
import { createUpstream } from '../../src/upstream/index.js';
import {
  explainSshFailure,
  type SshTarget,
  SshUpstream,
  shellQuote,
  sshCommand,
  validateSshTarget,
} from '../../src/upstream/ssh.js';
import { isAlive } from '../support/processes.js';
import { type Sshd, startSshd } from '../support/sshd.js';
import { waitFor } from '../support/wait.js';
import { upstreamContract } from './contract.js';
import { INIT, recorder } from './recorder.js';
import { directClient, everythingShape } from './targets.js';

const run = promisify(execFile);
const EVERYTHING_JS = resolve(
  import.meta.dirname,
  '../../node_modules/@modelcontextprotocol/server-everything/dist/index.js',
);
const environ = (pid: number) => readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
const cmdline = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
/** The remote server-everything node processes themselves (not their shells). */
const remoteServersOf = (pids: number[]) =>
  pids.filter((pid) => {
    try {
      return cmdline(pid).startsWith(`${process.execPath} ${EVERYTHING_JS}`);
    } catch {
      return false;
    }
  });
const remoteEverything = () => [process.execPath, EVERYTHING_JS, 'stdio'];

describe('sshCommand', () => {
  it('builds a strict command line when a known_hosts file is given', () => {
    const argv = sshCommand(
      {
        host: 'db.example',
        user: 'ops',
        port: 2222,
        identityFile: '/keys/id_ed25519',
        knownHostsFile: '/etc/gridctl/known_hosts',
        jumpHost: 'bastion@jump.example:2200',
      },
      ['node', 'server.js', '--name', 'a b'],
      { supervise: false },
    );
    expect(argv).toEqual([
      'ssh',
      '-T',
      '-a',
      '-x',
      '-o',
      'BatchMode=yes',
      '-o',
      'StrictHostKeyChecking=yes',
      '-o',
      'UserKnownHostsFile=/etc/gridctl/known_hosts',
      '-i',
      '/keys/id_ed25519',
      '-o',
      'IdentitiesOnly=yes',
      '-p',
      '2222',
      '-J',
      'bastion@jump.example:2200',
      '-o',
      'ServerAliveInterval=15',
      '-o',
      'ServerAliveCountMax=3',
      '-o',
      'ConnectTimeout=10',
      '-o',
      'ControlMaster=no',
      '-o',
      'ControlPath=none',
      '-o',
      'ClearAllForwardings=yes',
      'ops@db.example',
      '--',
      "node server.js --name 'a b'",
    ]);
  });

  it('supervises the remote command by default: sh -c <supervisor> gridctl-remote <argv>', () => {
    const argv = sshCommand({ host: 'h', user: 'u' }, ['node', 'a b']);
    expect(argv.at(-1)).toMatch(/^sh -c '.*' gridctl-remote node 'a b'$/s);
    expect(argv.at(-1)).toContain('"$@" <&3 3<&- &');
  });

  it('trusts on first use without a known_hosts file, and leaves the default port alone', () => {
    const argv = sshCommand({ host: 'h', user: 'u', port: 0 }, ['x'], { supervise: false });
    expect(argv).toContain('StrictHostKeyChecking=accept-new');
    expect(argv.some((a) => a.startsWith('UserKnownHostsFile'))).toBe(false);
    expect(argv).not.toContain('-p');
    expect(argv).not.toContain('-i');
    expect(argv).not.toContain('-J');
    expect(argv.slice(-3)).toEqual(['u@h', '--', 'x']);
  });

  it('quotes paths for ssh’s own option parser and % tokens', () => {
    const argv = sshCommand({ host: 'h', user: 'u', knownHostsFile: '/a dir/k%h', identityFile: '/k%d' }, [
      'x',
    ]);
    expect(argv).toContain('UserKnownHostsFile="/a dir/k%%h"');
    expect(argv).toContain('/k%%d');
  });

  it('quotes remote words for a POSIX shell', () => {
    expect(shellQuote('plain/path-1.js')).toBe('plain/path-1.js');
    expect(shellQuote('')).toBe("''");
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
    expect(shellQuote('$(rm -rf /)')).toBe("'$(rm -rf /)'");
  });

  it('validates the target, naming the server and the field', () => {
    const ok: SshTarget = { host: 'h', user: 'u' };
    expect(() => validateSshTarget(ok, 's')).not.toThrow();
    for (const jumpHost of ['a b', 'a;b', 'a|b', 'a&b', 'a$b', 'a`b', 'a\tb', '-oProxyCommand=x', '']) {
      expect(() => validateSshTarget({ ...ok, jumpHost }, 'srv')).toThrow(/server "srv": ssh\.jumpHost/);
    }
    expect(() => validateSshTarget({ ...ok, host: '-oProxyCommand=evil' }, 'srv')).toThrow('ssh.host');
    expect(() => validateSshTarget({ ...ok, host: 'a b' }, 'srv')).toThrow('ssh.host');
    expect(() => validateSshTarget({ ...ok, host: '' }, 'srv')).toThrow('ssh.host is required');
    expect(() => validateSshTarget({ ...ok, user: 'a@b' }, 'srv')).toThrow('ssh.user');
    expect(() => validateSshTarget({ ...ok, user: '-l' }, 'srv')).toThrow('ssh.user');
    expect(() => validateSshTarget({ ...ok, port: 70000 }, 'srv')).toThrow('ssh.port');
    expect(() => validateSshTarget({ ...ok, port: 1.5 }, 'srv')).toThrow('ssh.port');
    expect(() => validateSshTarget({ ...ok, identityFile: 'a\nb' }, 'srv')).toThrow('ssh.identityFile');
    for (const jumpHost of ['jump', 'me@jump:2200', 'a@j1,b@j2:22', '[::1]:22']) {
      expect(() => validateSshTarget({ ...ok, jumpHost }, 'srv')).not.toThrow();
    }
  });

  it('the factory builds an SshUpstream and names the server in spec errors', () => {
    const spec = { transport: 'ssh' as const, ssh: { host: '127.0.0.1', user: 'u' }, command: ['x'] };
    expect(createUpstream(spec, 'remote')).toBeInstanceOf(SshUpstream);
    expect(() => createUpstream({ ...spec, command: [] }, 'remote')).toThrow('server "remote"');
    expect(() => createUpstream({ ...spec, ssh: { host: 'h', user: 'u', jumpHost: 'a;b' } }, 'j')).toThrow(
      'server "j": ssh.jumpHost',
    );
  });

  it('explains ssh’s stderr', () => {
    const t: SshTarget = { host: 'h', user: 'u', port: 2200, identityFile: '/k' };
    expect(explainSshFailure(t, ['u@h: Permission denied (publickey).'], 255)).toContain(
      'permission denied (publickey): check identityFile /k / ssh-agent',
    );
    expect(explainSshFailure(t, ['ssh: connect to host h port 2200: Connection refused'], 255)).toBe(
      'cannot reach h:2200: Connection refused',
    );
    expect(
      explainSshFailure(t, ['ssh: Could not resolve hostname h: Name or service not known'], 255),
    ).toContain('cannot reach h:2200: Could not resolve hostname h');
    expect(explainSshFailure(t, ['something else'], 255)).toBe(
      'ssh to u@h:2200 failed (exit 255): something else',
    );
    expect(explainSshFailure(t, ['bash: x: command not found'], 127)).toContain(
      'remote command not found on h',
    );
    expect(explainSshFailure(t, ['remote says hi'], 1)).toBeUndefined();
  });
});

describe('SSH upstream against a real sshd on 127.0.0.1', () => {
  let sshd: Sshd;
  beforeAll(async () => {
    sshd = await startSshd();
  });
  afterAll(async () => {
    try {
      // Every client above was closed: no session, and no remote server (even one that was busy
      // with a call, or reparented away from sshd), may linger.
      await waitFor(() => sshd.sessions().length === 0 && sshd.remoteProcesses().length === 0, {
        timeoutMs: 10_000,
        what: 'all ssh sessions and remote processes ended',
      });
    } finally {
      await sshd.stop(); // also when the check above failed: never leave sshd running
    }
    expect(isAlive(sshd.pid)).toBe(false);
    expect(sshd.sessions()).toEqual([]);
    expect(sshd.remoteProcesses()).toEqual([]);
  });

  const remoteServers = () => remoteServersOf(sshd.remoteProcesses());
  const target = (over: Partial<SshTarget> = {}): SshTarget => ({
    host: sshd.host,
    user: sshd.user,
    port: sshd.port,
    identityFile: sshd.userKey,
    knownHostsFile: sshd.knownHostsFile,
    ...over,
  });
  const everything = (name = 'remote-everything', over: Partial<SshTarget> = {}) =>
    new SshUpstream(name, { ssh: target(over), command: remoteEverything(), connectTimeoutSec: 5 });

  upstreamContract({
    ...everythingShape,
    label: 'ssh → server-everything on loopback sshd',
    serverName: 'remote-everything',
    processBacked: true,
    create: () => everything(),
    direct: () => {
      const [command, ...args] = sshCommand(target(), remoteEverything());
      return directClient(new StdioClientTransport({ command: command!, args, stderr: 'ignore' }));
    },
  });

  it('passes every remote word through the remote shell intact', async () => {
    const words = ['a b', "it's", '$HOME', ';ls', '', 'x\ny', '-n', '*', '"q"', '\\'];
    const argv = sshCommand(target(), [
      process.execPath,
      '-e',
      'console.log(JSON.stringify(process.argv.slice(1)))',
      ...words,
    ]);
    const { stdout } = await run(argv[0]!, argv.slice(1), { timeout: 20_000 });
    expect(JSON.parse(stdout)).toEqual(words);
  });

  it('runs through the factory, local env goes to the ssh client only', async () => {
    const u = createUpstream(
      { transport: 'ssh', ssh: target(), command: remoteEverything(), env: { GRIDCTL_LOCAL_ONLY: 'x' } },
      'factory-ssh',
    );
    await u.connect(recorder(), INIT);
    expect(environ(u.pid!)).toContain('GRIDCTL_LOCAL_ONLY=x');
    // The remote server (a descendant of sshd) never sees it.
    const remote = remoteServers();
    expect(remote.length).toBe(1);
    expect(environ(remote[0]!).some((e) => e.startsWith('GRIDCTL_LOCAL_ONLY'))).toBe(false);
    const res = (await u.request('tools/call', { name: 'echo', arguments: { message: 'over ssh' } })) as {
      content: unknown;
    };
    expect(res.content).toEqual([{ type: 'text', text: 'Echo: over ssh' }]);
    await u.close();
  });

  it('close() ends the remote process too, even in the middle of a long call', async () => {
    const u = everything();
    await u.connect(recorder(), INIT);
    const remote = remoteServers();
    expect(remote).toHaveLength(1);
    // A long call without a progress token: the server stays silent (no write would fail and end
    // it), so only the supervisor can stop it once the connection is gone.
    const busy = u
      .request('tools/call', {
        name: 'trigger-long-running-operation',
        arguments: { duration: 30, steps: 3 },
      })
      .catch((e: unknown) => e);
    // Answered in order after the call above was read: the server is now busy with it.
    expect(await u.request('ping', undefined)).toEqual({});
    await u.close();
    expect(((await busy) as RpcError).code).toBe(ErrorCode.ConnectionClosed);
    expect(isAlive(u.pid!)).toBe(false);
    await waitFor(() => !isAlive(remote[0]!), { timeoutMs: 10_000, what: 'busy remote server stopped' });
    await waitFor(() => sshd.remoteProcesses().length === 0, {
      timeoutMs: 10_000,
      what: 'remote processes gone',
    });
  });

  it('a remote command that ignores EOF and SIGTERM still ends when the connection does', async () => {
    const marker = `gridctl-stubborn-${process.pid}-${Date.now()}`;
    const script = `process.on('SIGTERM', () => {}); setInterval(() => {}, 1000); // ${marker}`;
    const argv = sshCommand(target(), [process.execPath, '-e', script]);
    const client = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'ignore', 'ignore'] });
    const exited = new Promise((resolve) => client.once('exit', resolve));
    const remote = await waitFor(
      () => {
        const found = sshd
          .remoteProcesses()
          .filter((pid) => cmdline(pid).startsWith(process.execPath) && cmdline(pid).includes(marker));
        return found.length === 1 ? found : undefined;
      },
      { what: 'the stubborn remote process' },
    );
    client.kill('SIGTERM');
    await exited;
    // The supervisor notices within a second, sends TERM (ignored), then KILL 2 s later.
    await waitFor(() => !isAlive(remote[0]!), { timeoutMs: 10_000, what: 'stubborn remote process stopped' });
  });

  it('keeps the remote exit status under the supervisor', async () => {
    const argv = sshCommand(target(), [process.execPath, '-e', 'process.exit(7)']);
    const code = await run(argv[0]!, argv.slice(1), { timeout: 20_000 }).then(
      () => 0,
      (e: { code?: number }) => e.code,
    );
    expect(code).toBe(7);
  });

  async function failure(u: SshUpstream): Promise<{ err: RpcError; closes: (Error | undefined)[] }> {
    const ev = recorder();
    const err = await u.connect(ev, INIT).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(RpcError);
    expect((err as RpcError).code).toBe(ErrorCode.ConnectionClosed);
    expect(u.pid === undefined || !isAlive(u.pid)).toBe(true);
    return { err: err as RpcError, closes: ev.closes };
  }

  it('wrong key: permission denied, check identityFile / ssh-agent', async () => {
    const { err, closes } = await failure(everything('wrong-key', { identityFile: sshd.otherKey }));
    expect(err.message).toContain('server "wrong-key"');
    expect(err.message).toContain('permission denied (publickey');
    expect(err.message).toContain(`check identityFile ${sshd.otherKey} / ssh-agent`);
    expect(closes.length).toBe(1);
    expect(closes[0]?.message).toContain('permission denied');
  });

  it('wrong known_hosts: the host key does not match', async () => {
    const { err } = await failure(everything('mitm', { knownHostsFile: sshd.wrongKnownHostsFile }));
    expect(err.message).toContain('server "mitm"');
    expect(err.message).toContain(
      `host key for 127.0.0.1:${sshd.port} does not match known_hosts (${sshd.wrongKnownHostsFile})`,
    );
  });

  it('closed port: cannot reach host:port', async () => {
    const { freePort } = await import('../support/net.js');
    const closed = await freePort();
    const { err } = await failure(everything('nowhere', { port: closed }));
    expect(err.message).toContain('server "nowhere"');
    expect(err.message).toContain(`cannot reach 127.0.0.1:${closed}`);
    expect(err.message).toContain('Connection refused');
  });

  it('a remote command that does not exist is named', async () => {
    const u = new SshUpstream('missing-cmd', { ssh: target(), command: ['/nonexistent/gridctl-server'] });
    const { err } = await failure(u);
    expect(err.message).toContain('server "missing-cmd": remote command not found on 127.0.0.1');
    expect(err.message).toContain('/nonexistent/gridctl-server');
  });
});
