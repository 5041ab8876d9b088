// A server that closes a request's response stream on purpose (SSE polling) and asks, in its
// priming event, to wait 30 s before resuming: the upstream client resumes at once the first
// time, so the call takes about as long as the server needs, not the retry hint.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StreamableHttpUpstream } from '../../src/upstream/streamable-http.js';
import { startConformanceFixture } from '../fixtures/conformance.js';
import type { LaunchedServer } from '../fixtures/launch.js';
import { INIT, recorder } from './recorder.js';

describe('streamable HTTP upstream: a stream closed for polling', () => {
  let server: LaunchedServer;
  let u: StreamableHttpUpstream;

  beforeAll(async () => {
    server = await startConformanceFixture(undefined, ['--retry-ms', '30000']);
    u = new StreamableHttpUpstream('poll', { url: server.url, defaultTimeoutMs: 20_000 });
    await u.connect(recorder(), INIT);
  }, 30_000);

  afterAll(async () => {
    await u?.close();
    await server?.stop();
  });

  it('is resumed at once, not after the retry hint', async () => {
    const started = Date.now();
    const r = (await u.request('tools/call', { name: 'close_stream_then_answer', arguments: {} })) as {
      content: Array<{ text: string }>;
    };
    expect(r.content[0]?.text).toBe('answered after the stream closed');
    expect(Date.now() - started).toBeLessThan(10_000);
  }, 25_000);
});
