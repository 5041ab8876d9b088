import { describe, expect, it } from 'vitest';
import {
  createUpstream,
  SseUpstream,
  StdioUpstream,
  StreamableHttpUpstream,
} from '../../src/upstream/index.js';
import { everythingStdioCommand } from '../fixtures/everything.js';
import { INIT, recorder } from './recorder.js';

describe('createUpstream', () => {
  it('builds the client for each transport', () => {
    expect(createUpstream({ transport: 'stdio', command: ['x'], cwd: '/' }, 'a')).toBeInstanceOf(
      StdioUpstream,
    );
    expect(createUpstream({ transport: 'http', url: 'http://127.0.0.1:1/mcp' }, 'b')).toBeInstanceOf(
      StreamableHttpUpstream,
    );
    expect(createUpstream({ transport: 'sse', url: 'http://127.0.0.1:1/sse' }, 'c')).toBeInstanceOf(
      SseUpstream,
    );
  });

  it('names the server in every spec error', () => {
    expect(() => createUpstream({ transport: 'stdio', command: [], cwd: '/' }, 'empty')).toThrow(
      'server "empty"',
    );
    expect(() => createUpstream({ transport: 'http', url: 'not a url' }, 'bad')).toThrow(
      'server "bad": invalid url',
    );
    expect(() => createUpstream({ transport: 'sse', url: 'ftp://h/x' }, 'ftp')).toThrow('server "ftp"');
    expect(() => createUpstream({ transport: 'carrier-pigeon' } as never, 'bird')).toThrow(
      'server "bird": unknown transport "carrier-pigeon"',
    );
  });

  it('passes the default timeout through to calls', async () => {
    const u = createUpstream(
      { transport: 'stdio', command: everythingStdioCommand(), cwd: process.cwd() },
      'everything',
      { defaultTimeoutMs: 200 },
    );
    await u.connect(recorder(), INIT);
    const err = await u
      .request('tools/call', { name: 'trigger-long-running-operation', arguments: { duration: 5, steps: 1 } })
      .then(
        () => undefined,
        (e: unknown) => e as Error,
      );
    expect(err?.message).toContain('timed out after 200 ms');
    await u.close();
  });
});
