// An MCP server run as a local process speaking newline-delimited JSON-RPC on stdin/stdout.
// The process gets its own process group so close() can signal the whole tree it started.
import { type ChildProcess, spawn } from 'node:child_process';
import { internal } from '../errors/coded.js';
import { ErrorCode, type JsonRpcMessage, RpcError } from '../protocol/jsonrpc.js';
import { type EnvBase, serverEnv } from './env.js';
import { deliverStdioLine, LineSplitter } from './framing.js';
import { killTagged, OWNER_VAR, upstreamTag } from './ownership.js';
import { messageOf, RpcSession, type RpcSessionOptions } from './session.js';
import { SessionClient } from './session-client.js';
import { StderrTail } from './stderr-tail.js';
import type { UpstreamClient, UpstreamEvents, UpstreamInitOptions, UpstreamInitResult } from './types.js';

export interface StdioUpstreamOptions extends RpcSessionOptions {
  /** argv: the command and its arguments. */
  command: string[];
  /** Declared env; with `passEnv`, what the process gets on top of the basics (see env.ts). */
  env?: Record<string, string>;
  passEnv?: readonly string[];
  envBase?: EnvBase;
  cwd: string;
  /** Time between SIGTERM and SIGKILL on close(). */
  killGraceMs?: number;
}

export class StdioUpstream extends SessionClient implements UpstreamClient {
  readonly kind = 'stdio' as const;
  private child: ChildProcess | undefined;
  private exited: Promise<void> | undefined;
  private closing = false;
  /** stdin is corked until this event-loop turn's check phase (write). */
  private corked = false;
  /** In the environment of the process and all it starts, so escaped helpers are found too. */
  private readonly tag = upstreamTag();
  private readonly tail = new StderrTail();

  constructor(
    name: string,
    private readonly opts: StdioUpstreamOptions,
  ) {
    super(name);
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  stderrTail(): string[] {
    return this.tail.snapshot();
  }

  async connect(events: UpstreamEvents, init: UpstreamInitOptions): Promise<UpstreamInitResult> {
    if (this.session) throw internal(`server "${this.name}": connect() called twice`);
    const [cmd, ...args] = this.opts.command;
    const session = new RpcSession(this.name, (msg) => this.write(msg), events, this.opts);
    this.session = session;
    if (!cmd) {
      const err = session.error(ErrorCode.InvalidRequest, 'empty command');
      session.close(err.message, err);
      throw err;
    }

    const child = spawn(cmd, args, {
      cwd: this.opts.cwd,
      env: {
        ...serverEnv({
          host: process.env,
          declared: this.opts.env,
          pass: this.opts.passEnv,
          base: this.opts.envBase,
        }),
        [OWNER_VAR]: this.tag,
      },
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true, // own process group: one signal reaches every descendant
    });
    this.child = child;

    const splitter = new LineSplitter((line) =>
      deliverStdioLine(
        line,
        (m) => session.handleMessage(m),
        (t) => events.onLog?.(t),
      ),
    );
    child.stdout!.on('data', (chunk: Buffer) => splitter.push(chunk));
    child.stdout!.on('end', () => splitter.flush());
    const errLines = new LineSplitter((line) => {
      const text = line.toString('utf8').trimEnd();
      this.tail.push(text);
      events.onLog?.(text);
    });
    child.stderr!.on('data', (chunk: Buffer) => errLines.push(chunk));
    child.stderr!.on('end', () => errLines.flush());
    // EPIPE after the process died: the exit handler reports it.
    child.stdin!.on('error', () => {});

    this.exited = new Promise<void>((resolve) => {
      let done = false;
      const finish = (reason: string | undefined) => {
        if (done) return;
        done = true;
        session.close(this.closing ? undefined : reason);
        resolve();
      };
      child.once('error', (err: NodeJS.ErrnoException) => {
        // Spawn failure: no 'exit' follows.
        if (child.pid === undefined) {
          const why = err.code === 'ENOENT' ? 'command not found' : messageOf(err);
          finish(`cannot start command "${cmd}" (cwd ${this.opts.cwd}): ${why}`);
        }
      });
      child.once('exit', (code, signal) => {
        const how = signal ? `killed by ${signal}` : `exited with code ${code}`;
        // Take down whatever the server left in its group, so stdout closes and nothing leaks, and
        // the helpers that left the group (setsid, double fork): they still carry the tag.
        this.killGroup('SIGKILL');
        killTagged(this.tag);
        child.once('close', () => finish(`process ${how}`));
        // Bound the wait in case a descendant escaped the group but holds our pipe.
        setTimeout(() => finish(`process ${how}`), 1000).unref();
      });
    });

    try {
      return await session.open(init, true);
    } catch (err) {
      await this.close();
      throw err;
    }
  }

  async close(): Promise<void> {
    const child = this.child;
    if (!child || !this.exited) return;
    if (!this.closing) {
      this.closing = true;
      this.session?.close();
      if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
        child.stdin!.end();
        this.killGroup('SIGTERM');
        const grace = setTimeout(() => this.killGroup('SIGKILL'), this.opts.killGraceMs ?? 2000);
        grace.unref();
        this.exited.finally(() => clearTimeout(grace));
      }
    }
    await this.exited;
  }

  private write(msg: JsonRpcMessage): Promise<void> {
    const stdin = this.child?.stdin;
    if (!stdin || stdin.destroyed || !stdin.writable) {
      return Promise.reject(
        new RpcError(ErrorCode.ConnectionClosed, `server "${this.name}": process stdin is closed`),
      );
    }
    // The requests of one event-loop turn leave in one write: under many sessions, one syscall
    // and one wake-up of the server for many lines (the costliest part of a request here). The
    // check phase runs right after this turn's I/O callbacks, so a lone request waits for nothing.
    if (!this.corked) {
      this.corked = true;
      stdin.cork();
      setImmediate(() => {
        this.corked = false;
        stdin.uncork();
      });
    }
    // Resolve at once unless the pipe is full; then wait for it to drain (backpressure).
    if (stdin.write(`${JSON.stringify(msg)}\n`)) return Promise.resolve();
    // If the process dies instead of draining, the exit handler rejects what is pending.
    return new Promise((resolve) => {
      const done = () => {
        stdin.off('drain', done);
        stdin.off('close', done);
        resolve();
      };
      stdin.on('drain', done);
      stdin.on('close', done);
    });
  }

  private killGroup(signal: NodeJS.Signals): void {
    const pid = this.child?.pid;
    if (pid === undefined) return;
    try {
      process.kill(-pid, signal);
    } catch {
      // ESRCH: the group is already gone
    }
  }
}
