// An MCP server on another host, reached through the system `ssh` client so the user's ssh config,
// agent and known_hosts keep working. The remote process speaks stdio MCP; everything after the
// argv is the stdio transport's job. What this file adds: a safe command line, and connection
// failures explained in words a user can act on.

import { coded } from '../errors/coded.js';
import { ErrorCode, RpcError } from '../protocol/jsonrpc.js';
import { messageOf } from './session.js';
import { StdioUpstream } from './stdio.js';
import type {
  UpstreamClient,
  UpstreamEvents,
  UpstreamInitOptions,
  UpstreamInitResult,
  UpstreamRequestOptions,
} from './types.js';

export interface SshTarget {
  host: string;
  user: string;
  /** 0 or unset: ssh's default (22, or whatever the user's ssh config says). */
  port?: number;
  identityFile?: string;
  /** Enables strict host-key checking against this file; without it, trust on first use. */
  knownHostsFile?: string;
  /** `[user@]host[:port]`, or several separated by commas (ssh -J). */
  jumpHost?: string;
}

export interface SshCommandOptions {
  /** Seconds between keep-alive probes; the connection drops after 3 unanswered (default 15). */
  serverAliveIntervalSec?: number;
  /** TCP connect timeout in seconds (default 10). */
  connectTimeoutSec?: number;
  /** The ssh binary (default `ssh` from PATH). */
  sshBinary?: string;
  /**
   * Run the remote command under a small POSIX sh supervisor that stops it (TERM, then KILL after
   * 2 s) once the ssh connection is gone. Without it a remote server busy with a call outlives
   * close(): sshd does not signal commands of sessions without a terminal. Default true; turn off
   * for remote hosts without a POSIX `sh`.
   */
  supervise?: boolean;
}

// The supervisor: the command reads the session's stdin (explicit redirection, since background
// jobs otherwise get /dev/null) and writes straight to the channel; a watcher polls the session's
// sshd process, which exits when the connection ends, and stops the command then. The command's
// exit status is the session's.
const SUPERVISOR = [
  'p=$PPID',
  'exec 3<&0',
  '"$@" <&3 3<&- &',
  'c=$!',
  'exec 3<&- </dev/null',
  '(while kill -0 "$p" 2>/dev/null; do sleep 1; done; kill -TERM "$c" 2>/dev/null; sleep 2; kill -KILL "$c" 2>/dev/null) >/dev/null 2>&1 &',
  'w=$!',
  'wait "$c"',
  's=$?',
  'kill "$w" 2>/dev/null',
  'exit "$s"',
].join('\n');

export interface SshUpstreamOptions extends SshCommandOptions {
  ssh: SshTarget;
  /** The command run on the remote host, as argv; each word is quoted for the remote shell. */
  command: string[];
  /** Declared env of the local ssh client only; never sent to the remote. */
  env?: Record<string, string>;
  /** Host variables passed to the local ssh client on top of the basics and SSH_AUTH_SOCK. */
  passEnv?: readonly string[];
  /** Working directory of the local ssh client (relative key paths resolve against it). */
  cwd?: string;
  defaultTimeoutMs?: number;
  killGraceMs?: number;
}

const FORBIDDEN_IN_JUMP = /[\s;|&$`]/;
// ssh config host aliases, DNS names, IPv4 and IPv6 literals (with an optional %zone).
const HOST_RE = /^[A-Za-z0-9_.:%[\]-]+$/;
const USER_RE = /^[A-Za-z0-9_.][A-Za-z0-9_.-]*$/;

/** Throws an Error naming `name` and the field when the target cannot be used safely. */
export function validateSshTarget(ssh: SshTarget, name: string): void {
  const fail = (field: string, why: string): never => {
    throw coded('UPSTREAM_SPEC_INVALID', `server "${name}": ssh.${field} ${why}`);
  };
  if (typeof ssh.host !== 'string' || ssh.host === '') fail('host', 'is required');
  if (ssh.host.startsWith('-') || !HOST_RE.test(ssh.host)) {
    fail('host', `"${ssh.host}" is not a valid host name or address`);
  }
  if (typeof ssh.user !== 'string' || ssh.user === '') fail('user', 'is required');
  if (!USER_RE.test(ssh.user)) fail('user', `"${ssh.user}" is not a valid user name`);
  if (ssh.port !== undefined && (!Number.isInteger(ssh.port) || ssh.port < 0 || ssh.port > 65535)) {
    fail('port', `must be an integer between 1 and 65535 (got ${ssh.port})`);
  }
  if (ssh.jumpHost !== undefined) {
    if (ssh.jumpHost === '') fail('jumpHost', 'must not be empty');
    if (FORBIDDEN_IN_JUMP.test(ssh.jumpHost)) {
      fail('jumpHost', `"${ssh.jumpHost}" must not contain whitespace or any of ; | & $ \``);
    }
    if (ssh.jumpHost.startsWith('-')) fail('jumpHost', `"${ssh.jumpHost}" must not start with "-"`);
  }
  for (const field of ['identityFile', 'knownHostsFile'] as const) {
    const v = ssh[field];
    if (v === undefined) continue;
    if (v === '') fail(field, 'must not be empty');
    // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
    if (/[\u0000-\u001f]/.test(v)) fail(field, 'must not contain control characters');
  }
}

/**
 * Quote one word for a POSIX shell on the remote side: ssh joins its command words with spaces
 * and hands the line to the remote user's shell, so every word must survive that shell intact.
 */
export function shellQuote(word: string): string {
  if (word !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** A path for an ssh `-o` value or `-i`: ssh expands `%` tokens and splits unquoted whitespace. */
function sshPathValue(path: string): string {
  const escaped = path.replace(/%/g, '%%');
  return /[\s"\\]/.test(escaped) ? `"${escaped.replace(/["\\]/g, '\\$&')}"` : escaped;
}

/** The full argv (starting with the ssh binary) that runs `remoteCommand` on the target. */
export function sshCommand(ssh: SshTarget, remoteCommand: string[], opts: SshCommandOptions = {}): string[] {
  if (remoteCommand.length === 0) throw coded('UPSTREAM_SPEC_INVALID', 'ssh: empty remote command');
  const argv = [opts.sshBinary ?? 'ssh', '-T', '-a', '-x', '-o', 'BatchMode=yes'];
  if (ssh.knownHostsFile !== undefined) {
    argv.push(
      '-o',
      'StrictHostKeyChecking=yes',
      '-o',
      `UserKnownHostsFile=${sshPathValue(ssh.knownHostsFile)}`,
    );
  } else {
    argv.push('-o', 'StrictHostKeyChecking=accept-new');
  }
  if (ssh.identityFile !== undefined) {
    argv.push('-i', ssh.identityFile.replace(/%/g, '%%'), '-o', 'IdentitiesOnly=yes');
  }
  if (ssh.port !== undefined && ssh.port !== 0) argv.push('-p', String(ssh.port));
  if (ssh.jumpHost !== undefined) argv.push('-J', ssh.jumpHost);
  argv.push(
    '-o',
    `ServerAliveInterval=${opts.serverAliveIntervalSec ?? 15}`,
    '-o',
    'ServerAliveCountMax=3',
    '-o',
    `ConnectTimeout=${opts.connectTimeoutSec ?? 10}`,
    // One self-contained process per connection: a shared master would outlive close(), and
    // forwardings from the user's config could collide between replicas.
    '-o',
    'ControlMaster=no',
    '-o',
    'ControlPath=none',
    '-o',
    'ClearAllForwardings=yes',
    `${ssh.user}@${ssh.host}`,
    '--',
    (opts.supervise === false ? remoteCommand : ['sh', '-c', SUPERVISOR, 'gridctl-remote', ...remoteCommand])
      .map(shellQuote)
      .join(' '),
  );
  return argv;
}

/** `host:port` as a user would type it, for messages. */
function hostLabel(ssh: SshTarget): string {
  return `${ssh.host}:${ssh.port ? ssh.port : 22}`;
}

/**
 * Turn what ssh wrote on stderr (and how it exited) into one actionable sentence, or undefined
 * when nothing points at the connection itself.
 */
export function explainSshFailure(
  ssh: SshTarget,
  stderr: readonly string[],
  exitCode: number | undefined,
): string | undefined {
  const text = stderr.join('\n');
  const where = `${ssh.user}@${hostLabel(ssh)}`;
  const knownHosts = ssh.knownHostsFile ?? '~/.ssh/known_hosts';
  const denied = /Permission denied \(([^)]*)\)/.exec(text);
  if (denied) {
    const missing = /Identity file (.*) not accessible/.exec(text);
    const key = ssh.identityFile ? `identityFile ${ssh.identityFile}` : 'identityFile';
    return (
      `ssh to ${where}: permission denied (${denied[1]}): check ${key} / ssh-agent, and that the key is in ` +
      `the remote user's authorized_keys${missing ? ` (identity file ${missing[1]} not accessible)` : ''}`
    );
  }
  if (/REMOTE HOST IDENTIFICATION HAS CHANGED|Host key for .* has changed/.test(text)) {
    return (
      `ssh to ${where}: host key for ${hostLabel(ssh)} does not match known_hosts (${knownHosts}); ` +
      'if the host was re-keyed on purpose, replace its entry (ssh-keygen -R), otherwise the connection ' +
      'may be intercepted'
    );
  }
  if (/No \S+ host key is known for|Host key verification failed/.test(text)) {
    return (
      `ssh to ${where}: host key for ${hostLabel(ssh)} is not in known_hosts (${knownHosts}); ` +
      `add it (e.g. ssh-keyscan -p ${ssh.port || 22} ${ssh.host} >> ${knownHosts}) after checking its fingerprint`
    );
  }
  const unreachable =
    /(Connection refused|Connection timed out|Operation timed out|No route to host|Network is unreachable|Could not resolve hostname[^\n]*|Connection closed by remote host|Connection reset by peer)/.exec(
      text,
    );
  if (unreachable) {
    const via = ssh.jumpHost ? ` (via jump host ${ssh.jumpHost})` : '';
    return `cannot reach ${hostLabel(ssh)}${via}: ${unreachable[1]}`;
  }
  if (exitCode === 255) {
    const last = stderr.filter((l) => l.trim() !== '').at(-1);
    return `ssh to ${where} failed (exit 255)${last ? `: ${last.trim()}` : ''}`;
  }
  if (exitCode === 127) {
    const last = stderr.filter((l) => l.trim() !== '').at(-1);
    return `remote command not found on ${ssh.host}${last ? `: ${last.trim()}` : ''}`;
  }
  return undefined;
}

/**
 * StdioUpstream over the ssh client. Reported kind is 'stdio': the wire is the remote process's
 * stdin/stdout, and the local pid (the ssh client) is what close() takes down.
 */
export class SshUpstream implements UpstreamClient {
  readonly kind = 'stdio' as const;
  private readonly inner: StdioUpstream;

  constructor(
    readonly name: string,
    private readonly opts: SshUpstreamOptions,
  ) {
    validateSshTarget(opts.ssh, name);
    if (opts.command.length === 0)
      throw coded('UPSTREAM_SPEC_INVALID', `server "${name}": empty remote command`);
    this.inner = new StdioUpstream(name, {
      command: sshCommand(opts.ssh, opts.command, opts),
      env: opts.env,
      passEnv: opts.passEnv,
      envBase: 'ssh',
      cwd: opts.cwd ?? process.cwd(),
      defaultTimeoutMs: opts.defaultTimeoutMs,
      killGraceMs: opts.killGraceMs,
    });
  }

  /** The argv of the local ssh client (for status displays and tests). */
  get argv(): readonly string[] {
    return sshCommand(this.opts.ssh, this.opts.command, this.opts);
  }

  get pid(): number | undefined {
    return this.inner.pid;
  }

  get initResult(): UpstreamInitResult | undefined {
    return this.inner.initResult;
  }

  /** The ssh client's stderr: its own complaints and the remote command's stderr. */
  stderrTail(): string[] {
    return this.inner.stderrTail();
  }

  async connect(events: UpstreamEvents, init: UpstreamInitOptions): Promise<UpstreamInitResult> {
    const wrapped: UpstreamEvents = {
      onNotification: (msg, ctx) => events.onNotification(msg, ctx),
      onRequest: (msg, ctx) => events.onRequest(msg, ctx),
      onClose: (error) => events.onClose(error === undefined ? undefined : this.explain(error)),
      onLog: (line) => events.onLog?.(line),
    };
    try {
      return await this.inner.connect(wrapped, init);
    } catch (err) {
      throw this.explain(err);
    }
  }

  request(method: string, params: Record<string, unknown> | undefined, opts?: UpstreamRequestOptions) {
    return this.inner.request(method, params, opts);
  }

  notify(method: string, params?: Record<string, unknown>): Promise<void> {
    return this.inner.notify(method, params);
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  /** The same error, reworded when ssh's own output says what went wrong with the connection. */
  private explain(err: unknown): Error {
    const message = messageOf(err);
    const exit = /exited with code (\d+)/.exec(message);
    // Only a process that ended can be explained; timeouts and upstream errors pass unchanged.
    if (!exit) return err instanceof Error ? err : new Error(message);
    const why = explainSshFailure(this.opts.ssh, this.inner.stderrTail(), Number(exit[1]));
    if (!why) return err instanceof Error ? err : new Error(message);
    const code = err instanceof RpcError ? err.code : ErrorCode.ConnectionClosed;
    return new RpcError(code, `server "${this.name}": ${why}`, { sshExitCode: Number(exit[1]) });
  }
}
