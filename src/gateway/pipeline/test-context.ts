// A CallContext for unit tests of interceptors, run against a fake `next`.
import type { CallContext, CallHandler } from './types.js';

export function callCtx(over: Partial<CallContext> = {}): CallContext {
  const name = over.name ?? 'fs__read';
  return {
    session: undefined,
    accessId: '',
    group: undefined,
    requested: name,
    name,
    server: 'fs',
    tool: 'read',
    params: { name },
    inner: false,
    ...over,
  };
}

/** A `next` that records the contexts it was called with and answers a fixed text. */
export function recordingNext(): CallHandler & { calls: CallContext[] } {
  const calls: CallContext[] = [];
  const next = async (ctx: CallContext) => {
    calls.push({ ...ctx });
    return { content: [{ type: 'text', text: `ran ${ctx.name}` }] };
  };
  return Object.assign(next, { calls });
}

export const textOf = (r: Record<string, unknown>): string =>
  ((r.content as { text?: string }[] | undefined)?.[0]?.text ?? '') as string;
