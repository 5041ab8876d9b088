import { describe, expect, it } from 'vitest';
import { callCtx, recordingNext } from '../test-context.js';
import { routeInterceptor } from './route.js';

describe('route interceptor', () => {
  const router = { route: (n: string) => (n === 'fs__read' ? { server: 'fs', tool: 'read' } : undefined) };

  it('names the server and upstream tool for policies that follow', async () => {
    const next = recordingNext();
    await routeInterceptor(router)(next)(callCtx({ name: 'fs__read', server: undefined, tool: undefined }));
    expect(next.calls[0]).toMatchObject({ server: 'fs', tool: 'read' });
  });

  it('passes an unknown name on with no server (the terminal answers it)', async () => {
    const next = recordingNext();
    await routeInterceptor(router)(next)(callCtx({ name: 'nope', server: undefined, tool: undefined }));
    expect(next.calls[0]).toMatchObject({ name: 'nope', server: undefined });
  });
});
