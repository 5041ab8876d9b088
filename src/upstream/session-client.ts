// What every transport built on one RpcSession shares (stdio, streamable HTTP, SSE, container
// attach, in-memory): the session it opened, its initialize answer, and requests through it. Each
// transport only says how the session's messages reach the wire and how the connection ends.
import { ErrorCode, RpcError } from '../protocol/jsonrpc.js';
import type { RpcSession } from './session.js';
import type { UpstreamInitResult, UpstreamRequestOptions } from './types.js';

export abstract class SessionClient {
  /** Set by connect(); requests before it are refused as "not connected". */
  protected session: RpcSession | undefined;

  constructor(readonly name: string) {}

  get initResult(): UpstreamInitResult | undefined {
    return this.session?.initResult;
  }

  request(
    method: string,
    params: Record<string, unknown> | undefined,
    opts?: UpstreamRequestOptions,
  ): Promise<unknown> {
    if (!this.session) return Promise.reject(notConnected(this.name));
    return this.session.request(method, params, opts);
  }

  notify(method: string, params?: Record<string, unknown>): Promise<void> {
    if (!this.session) return Promise.reject(notConnected(this.name));
    return this.session.notify(method, params);
  }
}

export function notConnected(name: string): RpcError {
  return new RpcError(ErrorCode.ConnectionClosed, `server "${name}": not connected`);
}
