// A handshake-era server's question to a stateless (2026-07-28) client, which has no stream to
// be asked on: an input_required round of the held call, or a coded refusal.
import { rpcError } from '../../errors/catalogue.js';
import { ErrorCode, type JsonRpcRequest, RpcError } from '../../protocol/jsonrpc.js';
import type { InFlight } from '../downstream/session.js';
import type { ManagedServer } from '../servers/managed-server.js';
import { capabilityFor } from './stateless.js';

/**
 * A handshake-era server asks a modern client something mid-call: that client has no stream to
 * receive requests on, so the question becomes an input_required round (when the client declared
 * the capability) or the request ends with -32021 naming the capability it lacks.
 */
export function askStateless(
  s: ManagedServer,
  msg: JsonRpcRequest,
  f: InFlight,
  cap: string | undefined,
): Promise<unknown> {
  const lacking = cap ?? capabilityFor(msg.method);
  if (lacking && f.session.clientCapabilities[lacking] === undefined) {
    f.fail?.(
      rpcError(
        'MISSING_CLIENT_CAPABILITY',
        { server: s.name, capability: lacking, method: msg.method, request: f.method },
        { requiredCapabilities: { [lacking]: {} } },
      ),
    );
    return Promise.reject(new RpcError(ErrorCode.MethodNotFound, `the client does not support ${lacking}`));
  }
  if (!f.ask) {
    return Promise.reject(
      new RpcError(
        ErrorCode.MethodNotFound,
        `${msg.method} cannot be relayed during ${f.method} to a stateless client`,
      ),
    );
  }
  return f.ask(msg.method, msg.params);
}
