// The UI's pure parts (SSE parsing, schema → form → arguments, wizard YAML) and the static handler.
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, get, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classify, createStaticHandler, safeJoin } from '../../src/api/static.js';
import { fieldsOf, initialValues, toArguments } from '../../web/src/schema-form.js';
import { SseParser } from '../../web/src/sse.js';
import { tempDir } from '../support/temp.js';

describe('SseParser', () => {
  it('assembles events across arbitrary chunk boundaries, CRLF and comments', () => {
    const text =
      ': ping\r\nevent: hello\r\ndata: {"a":1}\r\n\r\ndata: line1\ndata: line2\n\nevent: log\ndata: x\r\n\r\n';
    for (const size of [1, 2, 3, 7, text.length]) {
      const p = new SseParser();
      const out = [];
      for (let i = 0; i < text.length; i += size) out.push(...p.push(text.slice(i, i + size)));
      expect(out).toEqual([
        { event: 'hello', data: '{"a":1}' },
        { event: 'message', data: 'line1\nline2' },
        { event: 'log', data: 'x' },
      ]);
    }
  });
  it('ignores events without data and keeps an incomplete event pending', () => {
    const p = new SseParser();
    expect(p.push('event: x\n\n')).toEqual([]);
    expect(p.push('data: partial')).toEqual([]);
    expect(p.push('\n\n')).toEqual([{ event: 'message', data: 'partial' }]);
  });
});

describe('schema form', () => {
  const schema = {
    type: 'object',
    properties: {
      message: { type: 'string', description: 'text' },
      count: { type: 'integer', default: 3 },
      ratio: { type: 'number' },
      flag: { type: 'boolean' },
      mode: { type: 'string', enum: ['a', 'b'] },
      tags: { type: 'array', items: { type: 'string' } },
      maybe: { anyOf: [{ type: 'number' }, { type: 'null' }] },
    },
    required: ['message', 'mode'],
  };

  it('derives one field per property with kind, required and default', () => {
    const f = fieldsOf(schema);
    expect(f.map((x) => [x.name, x.kind, x.required])).toEqual([
      ['message', 'text', true],
      ['count', 'integer', false],
      ['ratio', 'number', false],
      ['flag', 'boolean', false],
      ['mode', 'enum', true],
      ['tags', 'json', false],
      ['maybe', 'number', false],
    ]);
    expect(initialValues(f)).toMatchObject({ count: '3', flag: false, message: '' });
    expect(fieldsOf(undefined)).toEqual([]);
    expect(fieldsOf({ type: 'object' })).toEqual([]);
  });

  it('coerces values to arguments and reports errors per field', () => {
    const f = fieldsOf(schema);
    const ok = toArguments(f, {
      message: 'hi',
      count: '4',
      ratio: '0.5',
      flag: true,
      mode: 'b',
      tags: '["x"]',
      maybe: '',
    });
    expect(ok).toEqual({
      args: { message: 'hi', count: 4, ratio: 0.5, flag: true, mode: 'b', tags: ['x'] },
      errors: {},
    });
    const bad = toArguments(f, {
      message: '',
      count: '1.5',
      ratio: 'x',
      flag: false,
      mode: 'a',
      tags: '[',
      maybe: '',
    });
    expect(bad.errors).toEqual({
      message: 'required',
      count: 'not a whole number',
      ratio: 'not a number',
      tags: 'not valid JSON',
    });
    expect(bad.args).not.toHaveProperty('flag');
  });
});

/** GET with the path sent exactly as written. */
function rawStatus(base: string, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const u = new URL(base);
    get({ host: u.hostname, port: u.port, path }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }).on('error', reject);
  });
}

describe('static handler', () => {
  let server: Server;
  let base: string;
  let root: string;
  beforeAll(async () => {
    // The UI root with a file beside it that traversal must not reach.
    const parent = tempDir('web');
    root = join(parent, 'root');
    mkdirSync(join(root, 'assets'), { recursive: true });
    writeFileSync(join(root, 'index.html'), '<html><meta name="gridctl-auth" content="none"></html>');
    writeFileSync(join(root, 'assets', 'main-ABC.js'), 'export {}');
    writeFileSync(join(root, 'assets', 'main-ABC.css'), 'body{}');
    writeFileSync(join(root, 'assets', '.hidden'), 'secret');
    writeFileSync(join(root, 'favicon.svg'), '<svg/>');
    writeFileSync(join(parent, 'outside.txt'), 'outside');
    const ui = createStaticHandler({ root, auth: { type: 'api_key', header: 'X-Key' } });
    server = createServer((req, res) => {
      if (!ui(req, res)) {
        res.writeHead(418);
        res.end('gateway');
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('serves the shell for client routes, uncached, with the auth scheme and a CSP', async () => {
    for (const path of ['/', '/stack', '/tools?tool=a__b', '/logs/x', '/setup']) {
      const res = await fetch(base + path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(res.headers.get('cache-control')).toBe('no-cache');
      expect(res.headers.get('content-security-policy')).toContain("connect-src 'self'");
      expect(await res.text()).toContain('content="api_key X-Key"');
    }
  });

  it('serves hashed assets immutable with their content types', async () => {
    const js = await fetch(`${base}/assets/main-ABC.js`);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(js.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect((await fetch(`${base}/assets/main-ABC.css`)).headers.get('content-type')).toBe(
      'text/css; charset=utf-8',
    );
    expect((await fetch(`${base}/favicon.svg`)).headers.get('content-type')).toBe('image/svg+xml');
    const head = await fetch(`${base}/assets/main-ABC.js`, { method: 'HEAD' });
    expect(head.headers.get('content-length')).toBe('9');
  });

  it('refuses traversal, hidden files and missing files; leaves other paths to the gateway', async () => {
    for (const p of [
      '/assets/..%2f..%2foutside.txt',
      '/assets/.hidden',
      '/assets/%00x',
      '/assets/a%5c..%5cx',
      '/assets/nope.js',
      '/assets/%E0%A4%A',
    ]) {
      expect((await fetch(base + p)).status, p).toBe(404);
    }
    for (const p of ['/mcp', '/sse', '/health', '/ready', '/api/status', '/.well-known/x', '/stackx']) {
      expect((await fetch(base + p)).status, p).toBe(418);
    }
    expect((await fetch(`${base}/`, { method: 'POST' })).status).toBe(418);
    // Dot segments sent as written (fetch would normalise them away first).
    for (const p of ['/assets/../../outside.txt', '/assets/%2e%2e/%2e%2e/outside.txt']) {
      expect(await rawStatus(base, p), p).toBe(404);
    }
  });

  it('classify and safeJoin agree on the rules', () => {
    expect(classify('/')).toBe('index');
    expect(classify('/pins')).toBe('index');
    expect(classify('/assets/x.js')).toBe('file');
    expect(classify('/message')).toBeUndefined();
    expect(safeJoin('/r', '/assets/x.js')).toBe('/r/assets/x.js');
    expect(safeJoin('/r', '/../etc/passwd')).toBeUndefined();
  });
});
