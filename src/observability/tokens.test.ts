// The token counters. Anthropic's count_tokens is a SaaS API that cannot run here: the server below
// is a stand-in that answers in its shape (and checks what a real one checks: key, version, body).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anthropicCounter, embedded, resultText } from './tokens.js';

let standIn: Server;
let base: string;
const seen: { key?: string; version?: string; body: { model: string; messages: { content: string }[] } }[] =
  [];

beforeAll(async () => {
  standIn = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => {
      raw += c;
    });
    req.on('end', () => {
      const body = JSON.parse(raw);
      seen.push({
        key: req.headers['x-api-key'] as string,
        version: req.headers['anthropic-version'] as string,
        body,
      });
      if (req.headers['x-api-key'] !== 'good-key') {
        res.writeHead(401, { 'content-type': 'application/json' }).end('{"type":"error"}');
        return;
      }
      // The stand-in's "tokenizer": one token per word.
      const words = body.messages[0].content.split(/\s+/).filter(Boolean).length;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ input_tokens: words }));
    });
  });
  await new Promise<void>((r) => standIn.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(standIn.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => standIn.close(() => r())));

describe('token counters', () => {
  it('embedded counts with cl100k_base', async () => {
    expect(embedded.name).toBe('cl100k_base');
    expect(await embedded.count('hello world')).toBe(2);
    expect(await embedded.count('<|endoftext|> is text here')).toBeGreaterThan(3); // not a control token
  });

  it('api asks count_tokens with the key and the version header', async () => {
    const c = anthropicCounter({ apiKey: 'good-key', baseUrl: base });
    expect(await c.count('one two three four')).toBe(4);
    expect(seen.at(-1)).toMatchObject({
      key: 'good-key',
      version: '2023-06-01',
      body: { messages: [{ content: 'one two three four' }] },
    });
    expect(c.name).toMatch(/^anthropic count_tokens \(claude-/);
  });

  it('api falls back to embedded, saying why once, when it cannot count', async () => {
    const why: string[] = [];
    const refused = anthropicCounter({ apiKey: 'bad-key', baseUrl: base, onFallback: (w) => why.push(w) });
    expect(await refused.count('hello world')).toBe(2); // cl100k's count
    expect(await refused.count('hello world')).toBe(2);
    expect(why).toEqual([`HTTP 401 from ${base}/v1/messages/count_tokens`]);
    const keyless = anthropicCounter({ apiKey: undefined, baseUrl: base, onFallback: (w) => why.push(w) });
    expect(await keyless.count('hello world')).toBe(2);
    expect(why.at(-1)).toMatch(/^no API key/);
    const down = anthropicCounter({
      apiKey: 'good-key',
      baseUrl: 'http://127.0.0.1:1',
      onFallback: (w) => why.push(w),
    });
    expect(await down.count('hello world')).toBe(2);
    expect(why.at(-1)).toMatch(/127\.0\.0\.1:1/);
  });

  it('a result counts as the model reads it', () => {
    expect(
      resultText({
        content: [
          { type: 'text', text: 'a' },
          { type: 'image', data: 'xx' },
          { type: 'text', text: 'b' },
        ],
      }),
    ).toBe('a\nb');
    expect(resultText({ content: [], structuredContent: { n: 1 } })).toBe('{"n":1}');
    expect(resultText({ content: [{ type: 'resource', resource: { uri: 'x', text: 'doc' } }] })).toBe('doc');
  });
});
