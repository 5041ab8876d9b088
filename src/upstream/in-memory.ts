// An upstream served inside this process: a real MCP SDK server at the other end of a linked pair
// of in-memory channels. No process, no socket: gateway tests that only need a server's answers
// start in milliseconds. It passes the same contract suite as the real transports
// (test/upstream/in-memory.test.ts). Messages cross as JSON text, so neither side can alias the
// other's objects and the results are what the wire would carry.

import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { internal } from '../errors/coded.js';
import type { JsonRpcMessage } from '../protocol/jsonrpc.js';
import { RpcSession, type RpcSessionOptions } from './session.js';
import { notConnected, SessionClient } from './session-client.js';
import type { UpstreamClient, UpstreamEvents, UpstreamInitOptions, UpstreamInitResult } from './types.js';

/** What an SDK `McpServer` or `Server` offers: attach to a transport, and shut down. */
export interface InProcessServer {
  connect(transport: Transport): Promise<void>;
  close(): Promise<void>;
}

export class InMemoryUpstream extends SessionClient implements UpstreamClient {
  readonly kind = 'memory' as const;
  private ours: InMemoryTransport | undefined;
  private server: InProcessServer | undefined;

  /** `serve` makes a fresh server per connection (an SDK server serves one transport). */
  constructor(
    name: string,
    private readonly serve: () => InProcessServer,
    private readonly opts: RpcSessionOptions = {},
  ) {
    super(name);
  }

  async connect(events: UpstreamEvents, init: UpstreamInitOptions): Promise<UpstreamInitResult> {
    if (this.session) throw internal(`server "${this.name}": connect() called twice`);
    const [ours, theirs] = InMemoryTransport.createLinkedPair();
    const session = new RpcSession(
      this.name,
      (msg) => {
        if (session.isClosed) return Promise.reject(notConnected(this.name));
        return ours.send(JSON.parse(JSON.stringify(msg)) as JSONRPCMessage);
      },
      events,
      this.opts,
    );
    this.session = session;
    this.ours = ours;
    ours.onmessage = (m) => session.handleMessage(JSON.parse(JSON.stringify(m)) as JsonRpcMessage);
    // The server side closed its end (server.close(), or our close() reaching it).
    ours.onclose = () => session.close(this.closing ? undefined : 'in-process server closed');
    await ours.start();
    this.server = this.serve();
    await this.server.connect(theirs);
    try {
      return await session.open(init, false);
    } catch (err) {
      await this.close();
      throw err;
    }
  }

  private closing = false;

  async close(): Promise<void> {
    if (this.closing || !this.session) return;
    this.closing = true;
    this.session.close();
    await this.ours?.close();
    await this.server?.close();
  }
}
