import { describe, expect, it } from 'vitest';
import { compose } from './compose.js';
import type { CallContext, Interceptor } from './types.js';

const ctx = (): CallContext => ({
  session: undefined,
  inflight: undefined,
  accessId: '',
  group: undefined,
  requested: 'a__t',
  name: 'a__t',
  server: 'a',
  tool: 't',
  params: { name: 'a__t' },
  inner: false,
});

describe('compose', () => {
  it('runs interceptors in declared order on the way in and in reverse on the way out', async () => {
    const seen: string[] = [];
    const tag =
      (t: string): Interceptor =>
      (next) =>
      async (c) => {
        seen.push(`in:${t}`);
        const r = await next(c);
        seen.push(`out:${t}`);
        return r;
      };
    const h = compose([tag('a'), tag('b')], async () => {
      seen.push('terminal');
      return { content: [] };
    });
    await h(ctx());
    expect(seen).toEqual(['in:a', 'in:b', 'terminal', 'out:b', 'out:a']);
  });

  it('lets an interceptor answer without calling next', async () => {
    let reached = false;
    const deny: Interceptor = () => async () => ({ content: [{ type: 'text', text: 'no' }], isError: true });
    const h = compose([deny], async () => {
      reached = true;
      return { content: [] };
    });
    expect(await h(ctx())).toMatchObject({ isError: true });
    expect(reached).toBe(false);
  });

  it('with no interceptors is the terminal itself', async () => {
    const terminal = async () => ({ content: [] });
    expect(compose([], terminal)).toBe(terminal);
  });
});
