// UpstreamEvents that record what arrived, for assertions, and answer server-to-client requests
// with a handler the test chooses.
import type { JsonRpcNotification, JsonRpcRequest } from '../../src/protocol/jsonrpc.js';
import type {
  UpstreamEvents,
  UpstreamInitOptions,
  UpstreamMessageContext,
} from '../../src/upstream/types.js';

export interface Recorder extends UpstreamEvents {
  notifications: { msg: JsonRpcNotification; ctx: UpstreamMessageContext }[];
  requests: { msg: JsonRpcRequest; ctx: UpstreamMessageContext }[];
  logs: string[];
  closes: (Error | undefined)[];
  answer: (msg: JsonRpcRequest) => Promise<unknown>;
}

export function recorder(): Recorder {
  const r: Recorder = {
    notifications: [],
    requests: [],
    logs: [],
    closes: [],
    answer: async () => ({}),
    onNotification(msg, ctx) {
      r.notifications.push({ msg, ctx });
    },
    onRequest(msg, ctx) {
      r.requests.push({ msg, ctx });
      return r.answer(msg);
    },
    onClose(error) {
      r.closes.push(error);
    },
    onLog(line) {
      r.logs.push(line);
    },
  };
  return r;
}

export const INIT: UpstreamInitOptions = {
  clientInfo: { name: 'gridctl-test', version: '0.0.0' },
  // Sampling and elicitation advertised so servers register the tools that use them.
  capabilities: { sampling: {}, elicitation: {}, roots: { listChanged: true } },
  protocolVersion: '2025-11-25',
};
