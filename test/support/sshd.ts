// A real OpenSSH server on 127.0.0.1 for tests: fresh host and user keys in a temp dir, a free
// port, run in the foreground as our child so stop() can take it (and every session it forked)
// down and prove nothing is left.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { freePort } from './net.js';
import { descendants, isAlive, processTable } from './processes.js';
import { waitFor } from './wait.js';

export const SSHD_BIN = '/usr/sbin/sshd';

export interface Sshd {
  host: '127.0.0.1';
  port: number;
  /** The only user sshd can authenticate when not run as root: the one running the tests. */
  user: string;
  dir: string;
  /** Private key whose public half is authorised. */
  userKey: string;
  /** A known_hosts file holding this server's host key. */
  knownHostsFile: string;
  /** A private key sshd does not accept. */
  otherKey: string;
  /** A known_hosts file naming this host with a different key. */
  wrongKnownHostsFile: string;
  pid: number;
  /** Processes sshd forked for sessions (and the remote commands they run). */
  sessions(): number[];
  /**
   * Every process started through this sshd, found by the SSH_CONNECTION it inherited, including
   * ones that outlived their session and were reparented away from sshd.
   */
  remoteProcesses(): number[];
  /** The sshd log so far (stderr of the daemon), for failure diagnosis. */
  log(): string;
  /** Stop sshd and every session; throws if anything survives. Idempotent. */
  stop(): Promise<void>;
}

/** The `ssh:` block of a stack file's server entry that reaches this sshd, as YAML lines. */
export function sshBlock(sshd: Sshd): string[] {
  return [
    '    ssh:',
    `      host: ${sshd.host}`,
    `      port: ${sshd.port}`,
    `      user: ${sshd.user}`,
    `      identityFile: ${sshd.userKey}`,
    `      knownHostsFile: ${sshd.knownHostsFile}`,
  ];
}

function keygen(file: string): void {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'gridctl-test', '-f', file]);
}

const publicKey = (file: string) =>
  readFileSync(`${file}.pub`, 'utf8').trim().split(' ').slice(0, 2).join(' ');

export async function startSshd(): Promise<Sshd> {
  if (!existsSync(SSHD_BIN)) {
    throw new Error(`${SSHD_BIN} is missing: apt-get install -y openssh-server (CI installs it)`);
  }
  // Privilege separation directory sshd insists on.
  mkdirSync('/run/sshd', { recursive: true });
  const dir = mkdtempSync(join(tmpdir(), 'gridctl-sshd-'));
  const hostKey = join(dir, 'hostkey');
  const userKey = join(dir, 'userkey');
  const otherKey = join(dir, 'otherkey');
  const otherHostKey = join(dir, 'otherhostkey');
  for (const k of [hostKey, userKey, otherKey, otherHostKey]) keygen(k);
  writeFileSync(join(dir, 'authorized_keys'), `${publicKey(userKey)}\n`);

  let lastError: unknown;
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const config = join(dir, 'sshd_config');
    writeFileSync(
      config,
      [
        `Port ${port}`,
        'ListenAddress 127.0.0.1',
        `HostKey ${hostKey}`,
        `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
        `PidFile ${join(dir, 'sshd.pid')}`,
        'StrictModes no',
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'PubkeyAuthentication yes',
        'PermitRootLogin prohibit-password',
        'UsePAM no',
        'AllowTcpForwarding no',
        'X11Forwarding no',
        'LogLevel INFO',
        '',
      ].join('\n'),
    );
    const child: ChildProcess = spawn(SSHD_BIN, ['-D', '-e', '-f', config], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let log = '';
    child.stderr!.on('data', (d: Buffer) => {
      log += d.toString('utf8');
    });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    try {
      await waitFor(
        () => {
          if (child.exitCode !== null || child.signalCode !== null) {
            throw new Error(`sshd exited: ${log.trim()}`);
          }
          return log.includes(`Server listening on 127.0.0.1 port ${port}`);
        },
        { timeoutMs: 10_000, what: `sshd listening on port ${port}` },
      );
    } catch (err) {
      lastError = err;
      child.kill('SIGKILL');
      await exited;
      continue; // most likely the port was taken in the meantime
    }

    const pid = child.pid!;
    const knownHostsFile = join(dir, 'known_hosts');
    writeFileSync(knownHostsFile, `[127.0.0.1]:${port} ${publicKey(hostKey)}\n`);
    const wrongKnownHostsFile = join(dir, 'wrong_known_hosts');
    writeFileSync(wrongKnownHostsFile, `[127.0.0.1]:${port} ${publicKey(otherHostKey)}\n`);
    let stopped: Promise<void> | undefined;
    const sessions = () => descendants(pid).map((p) => p.pid);
    const marker = new RegExp(`(^|\0)SSH_CONNECTION=127\\.0\\.0\\.1 \\d+ 127\\.0\\.0\\.1 ${port}(\0|$)`);
    const remoteProcesses = () =>
      processTable()
        .filter((p) => {
          try {
            return marker.test(readFileSync(`/proc/${p.pid}/environ`, 'utf8'));
          } catch {
            return false; // gone, or not ours to read
          }
        })
        .map((p) => p.pid);

    const stop = async (): Promise<void> => {
      // Sessions first (once the listener is gone they are reparented and harder to find).
      const tree = [pid, ...new Set([...sessions(), ...remoteProcesses()])];
      for (const p of tree.slice(1)) signal(p, 'SIGTERM');
      child.kill('SIGTERM');
      await exited;
      try {
        await waitFor(() => tree.every((p) => !isAlive(p)), { timeoutMs: 5000, what: 'sshd sessions gone' });
      } catch {
        for (const p of tree) signal(p, 'SIGKILL');
        await waitFor(() => tree.every((p) => !isAlive(p)), { timeoutMs: 5000, what: 'sshd killed' });
      }
      rmSync(dir, { recursive: true, force: true });
      const left = tree.filter((p) => isAlive(p));
      if (left.length > 0) throw new Error(`sshd processes survived stop(): ${left.join(', ')}`);
    };

    return {
      host: '127.0.0.1',
      port,
      user: userInfo().username,
      dir,
      userKey,
      knownHostsFile,
      otherKey,
      wrongKnownHostsFile,
      pid,
      sessions,
      remoteProcesses,
      log: () => log,
      stop: () => {
        stopped ??= stop();
        return stopped;
      },
    };
  }
  rmSync(dir, { recursive: true, force: true });
  throw new Error(`could not start sshd: ${lastError instanceof Error ? lastError.message : lastError}`);
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}
