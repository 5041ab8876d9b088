// Shared setup for gateway integration tests: real upstream processes, a real Gateway on a free
// loopback port, and SDK clients over both downstream transports.
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { GatewayOptions, ServerSpec } from '../../src/gateway/index.js';
import { Gateway } from '../../src/gateway/index.js';
import { createUpstream, type UpstreamSpec } from '../../src/upstream/index.js';

export function spec(name: string, upstream: UpstreamSpec, over: Partial<ServerSpec> = {}): ServerSpec {
  return {
    name,
    timeoutMs: 20_000,
    createClient: () => createUpstream(upstream, name, { killGraceMs: 1000 }),
    ...over,
  };
}

export function stdio(command: string[], env?: Record<string, string>): UpstreamSpec {
  return { transport: 'stdio', command, cwd: tmpdir(), ...(env ? { env } : {}) };
}

export interface RunningGateway {
  gateway: Gateway;
  url: string;
  base: string;
  close(): Promise<void>;
}

export async function startGateway(
  servers: ServerSpec[],
  over: Partial<GatewayOptions> = {},
): Promise<RunningGateway> {
  const gateway = new Gateway({
    name: 'gridctl-test',
    version: '0.0.0',
    stackName: 'test-stack',
    servers,
    ...over,
  });
  const addr = await gateway.listen({ port: 0 });
  await gateway.start();
  return {
    gateway,
    url: addr.url,
    base: addr.url.replace(/\/mcp$/, ''),
    close: () => gateway.close(),
  };
}

export async function connectStreamable(url: string, capabilities: Record<string, unknown> = {}) {
  const client = new Client({ name: 'test-client', version: '1.0.0' }, { capabilities });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  return client;
}

export async function connectSse(base: string, capabilities: Record<string, unknown> = {}) {
  const client = new Client({ name: 'test-sse-client', version: '1.0.0' }, { capabilities });
  await client.connect(new SSEClientTransport(new URL(`${base}/sse`)));
  return client;
}

/** Raw POST to /mcp; returns status, headers and the parsed body (or raw text). */
export async function post(
  url: string,
  body: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; json: unknown; text: string }> {
  const r = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...headers,
    },
    body,
  });
  const text = await r.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: r.status, headers: r.headers, json, text };
}

/** The body of an initialize request from a client named `name`. */
export function initializeBody(name = 'raw', protocolVersion = '2025-06-18'): string {
  return JSON.stringify({
    jsonrpc: '2.0',
    id: 0,
    method: 'initialize',
    params: { protocolVersion, capabilities: {}, clientInfo: { name, version: '1' } },
  });
}

/** initialize over raw HTTP; returns the session id. */
export async function rawSession(url: string, protocolVersion = '2025-06-18'): Promise<string> {
  const r = await post(url, initializeBody('raw', protocolVersion));
  const sid = r.headers.get('mcp-session-id');
  if (r.status !== 200 || !sid) throw new Error(`initialize failed: ${r.status} ${r.text}`);
  await post(url, JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }), {
    'mcp-session-id': sid,
  });
  return sid;
}

/** node:http, because fetch does not let a caller set Host. Reads the whole body. */
export function rawPost(
  url: string,
  body: string,
  headers: Record<string, string>,
  method = 'POST',
): Promise<{ status: number; sessionId: string | undefined; text: string }> {
  return new Promise((resolve, reject) => {
    const r = request(
      url,
      {
        method,
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          ...headers,
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          text += c;
        });
        res.on('end', () => {
          const sid = res.headers['mcp-session-id'];
          resolve({
            status: res.statusCode ?? 0,
            sessionId: typeof sid === 'string' ? sid : undefined,
            text,
          });
        });
      },
    );
    r.on('error', reject);
    r.end(body);
  });
}
