// MCP over a container's stdio: the engine's attach stream carries newline-delimited JSON-RPC
// exactly like a local process's pipes (same framing, same session core). connect() attaches
// first and then starts the container if it is not running, so no early output is lost; closing
// detaches, which closes the server's stdin so it ends with its session.
// Also: a wrapper that adds a container's log stream to any upstream (http/sse containers).
import type { Readable, Writable } from 'node:stream';
import { internal } from '../errors/coded.js';
import { ErrorCode, type JsonRpcMessage, RpcError } from '../protocol/jsonrpc.js';
import { deliverStdioLine, LineSplitter } from './framing.js';
import { messageOf, RpcSession, type RpcSessionOptions } from './session.js';
import { SessionClient } from './session-client.js';
import type {
  UpstreamClient,
  UpstreamEvents,
  UpstreamInitOptions,
  UpstreamInitResult,
  UpstreamRequestOptions,
} from './types.js';

/** What the transport needs from the engine for one container (the runtime package provides it). */
export interface ContainerStdioHandle {
  /** Container id (shown in status and logs). */
  id: string;
  attach(): Promise<{ stdin: Writable; stdout: Readable; stderr: Readable; close(): void }>;
  /** Starts the container unless it is running. */
  ensureStarted(): Promise<void>;
  /** Why the container stopped (exit code, engine error), for the close reason. */
  exitReason(): Promise<string | undefined>;
}

export interface ContainerAttachOptions extends RpcSessionOptions {
  container: ContainerStdioHandle;
}

export class ContainerAttachUpstream extends SessionClient implements UpstreamClient {
  readonly kind = 'stdio' as const;
  private io: Awaited<ReturnType<ContainerStdioHandle['attach']>> | undefined;
  private ended: Promise<void> | undefined;
  private closing = false;

  constructor(
    name: string,
    private readonly opts: ContainerAttachOptions,
  ) {
    super(name);
  }

  get containerId(): string {
    return this.opts.container.id;
  }

  async connect(events: UpstreamEvents, init: UpstreamInitOptions): Promise<UpstreamInitResult> {
    if (this.session) throw internal(`server "${this.name}": connect() called twice`);
    const session = new RpcSession(this.name, (msg) => this.write(msg), events, this.opts);
    this.session = session;
    const { container } = this.opts;
    try {
      this.io = await container.attach();
    } catch (err) {
      const e = session.error(ErrorCode.ConnectionClosed, `cannot attach to container: ${messageOf(err)}`);
      session.close(e.message, e);
      throw e;
    }
    const io = this.io;
    const out = new LineSplitter((line) =>
      deliverStdioLine(
        line,
        (m) => session.handleMessage(m),
        (t) => events.onLog?.(t),
      ),
    );
    io.stdout.on('data', (c: Buffer) => out.push(c));
    const errLines = new LineSplitter((line) => events.onLog?.(line.toString('utf8').trimEnd()));
    io.stderr.on('data', (c: Buffer) => errLines.push(c));
    io.stderr.on('end', () => errLines.flush());
    this.ended = new Promise<void>((resolve) => {
      io.stdout.once('end', () => {
        out.flush();
        if (this.closing) {
          session.close();
          return resolve();
        }
        // The stream ended without us: the container stopped. Say why when the engine knows.
        container
          .exitReason()
          .catch(() => undefined)
          .then((why) => {
            session.close(`container ${why ?? 'detached'}`);
            resolve();
          });
      });
    });
    try {
      await container.ensureStarted();
      return await session.open(init, true);
    } catch (err) {
      await this.close();
      throw err instanceof RpcError ? err : session.error(ErrorCode.ConnectionClosed, messageOf(err));
    }
  }

  async close(): Promise<void> {
    if (!this.io || !this.ended) return;
    if (!this.closing) {
      this.closing = true;
      this.session?.close();
      this.io.close();
    }
    await this.ended;
  }

  private write(msg: JsonRpcMessage): Promise<void> {
    const stdin = this.io?.stdin;
    if (!stdin || stdin.destroyed || !stdin.writable) {
      return Promise.reject(
        new RpcError(ErrorCode.ConnectionClosed, `server "${this.name}": container stdin is closed`),
      );
    }
    return new Promise((resolve, reject) => {
      stdin.write(`${JSON.stringify(msg)}\n`, (err) =>
        err
          ? reject(new RpcError(ErrorCode.ConnectionClosed, `server "${this.name}": ${err.message}`))
          : resolve(),
      );
    });
  }
}

/** Follows a container's log lines while an upstream is connected. */
export interface ContainerLogSource {
  follow(onLine: (line: string) => void): Promise<() => void>;
}

/** Any upstream (http/sse to a container) plus the container's logs as its log lines. */
export class WithContainerLogs implements UpstreamClient {
  private stopLogs: (() => void) | undefined;
  private closed = false;

  constructor(
    private readonly inner: UpstreamClient,
    private readonly logs: ContainerLogSource,
  ) {}

  get kind() {
    return this.inner.kind;
  }

  get initResult() {
    return this.inner.initResult;
  }

  async connect(events: UpstreamEvents, init: UpstreamInitOptions): Promise<UpstreamInitResult> {
    if (events.onLog) {
      const onLog = events.onLog.bind(events);
      // Not awaited: an engine may hold the follow response back until the first log line.
      this.logs
        .follow(onLog)
        .then((stop) => {
          if (this.closed) stop();
          else this.stopLogs = stop;
        })
        .catch(() => {});
    }
    try {
      return await this.inner.connect(events, init);
    } catch (err) {
      this.stop();
      throw err;
    }
  }

  request(method: string, params: Record<string, unknown> | undefined, opts?: UpstreamRequestOptions) {
    return this.inner.request(method, params, opts);
  }

  notify(method: string, params?: Record<string, unknown>): Promise<void> {
    return this.inner.notify(method, params);
  }

  async close(): Promise<void> {
    this.stop();
    await this.inner.close();
  }

  private stop(): void {
    this.closed = true;
    this.stopLogs?.();
    this.stopLogs = undefined;
  }
}
