// Tool calls as observers see them: the call channel's start and end turned into one record (who
// called what, how long it took, how it ended, how big the answer was and what it costs in tokens).
// Token counting runs after the answer has gone out, so it never adds to a call's latency.
import { ERROR_META_KEY } from '../errors/catalogue.js';
import type { Obj } from '../gateway/pipeline/types.js';
import { RpcError } from '../protocol/jsonrpc.js';
import { type CallEvent, callChannel } from './channels.js';
import { embedded, resultBytes, resultText, type TokenCounter } from './tokens.js';

export interface CallRecord {
  /** ISO time the call started. */
  at: string;
  server: string;
  tool: string;
  /** The client's access id; "" is anonymous. */
  client: string;
  group?: string;
  /** A call made from inside code mode's `execute`. */
  inner: boolean;
  durationMs: number;
  /** `ok`, `tool_error` (the server's isError), `rpc_error`, or a gridctl code (`RATE_LIMITED`, ...). */
  outcome: string;
  /** JSON bytes of the result (0 for a JSON-RPC error). */
  bytes: number;
  inputTokens: number;
  outputTokens: number;
}

export function outcomeOf(result: unknown, error: unknown): string {
  if (error !== undefined) {
    const code = error instanceof RpcError ? (error.data as Obj | undefined)?.code : undefined;
    return typeof code === 'string' ? code : 'rpc_error';
  }
  const r = result as Obj | undefined;
  if (r?.isError !== true) return 'ok';
  const code = ((r._meta as Obj | undefined)?.[ERROR_META_KEY] as Obj | undefined)?.code;
  return typeof code === 'string' ? code : 'tool_error';
}

/**
 * Subscribe `onRecord` to the finished calls of `source` (a gateway), tokens counted with
 * `counter` (default: the embedded one). Returns the unsubscribe function.
 */
export function recordCalls(
  source: object,
  onRecord: (r: CallRecord) => void,
  counter: TokenCounter = embedded,
): () => void {
  const handlers = {
    start() {},
    asyncEnd(m: CallEvent) {
      if (m.source !== source) return;
      const durationMs = performance.now() - m.startedAt;
      const endedAt = Date.now();
      // Off the response path: the answer is on its way before the counting starts.
      setImmediate(() => {
        const at = new Date(endedAt - durationMs).toISOString();
        const { ctx, result, error } = m;
        const args = JSON.stringify(ctx.params.arguments ?? {});
        const text = error === undefined ? resultText(result) : undefined;
        const record = (inputTokens: number, outputTokens: number) =>
          onRecord({
            at,
            server: ctx.server ?? '',
            tool: ctx.tool ?? ctx.name,
            client: ctx.accessId,
            ...(ctx.group !== undefined ? { group: ctx.group } : {}),
            inner: ctx.inner,
            durationMs,
            outcome: outcomeOf(result, error),
            bytes: error === undefined ? resultBytes(result) : 0,
            inputTokens,
            outputTokens,
          });
        // A counter that can count at once (the embedded one, loaded) costs no promises per call.
        const input = counter.countNow?.(args);
        const output = text === undefined ? 0 : counter.countNow?.(text);
        if (input !== undefined && output !== undefined) return record(input, output);
        void Promise.all([counter.count(args), text === undefined ? 0 : counter.count(text)]).then(
          ([inputTokens, outputTokens]) => record(inputTokens, outputTokens),
        );
      });
    },
    end() {},
    asyncStart() {},
    error() {},
  };
  callChannel.subscribe(handlers);
  return () => callChannel.unsubscribe(handlers);
}
