// The HTTP floor: a minimal streamable-HTTP MCP responder on plain node:http, answering initialize,
// tools/list and tools/call (echo) in-process with JSON responses. It is what the same SDK client
// pays for HTTP + JSON-RPC alone, with no gateway and no upstream behind it.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ToolDef {
  name: string;
  description: string;
  inputSchema: Record<string, unknown>;
}

export function echoTool(): ToolDef {
  return {
    name: 'echo',
    description: 'Echoes back the input',
    inputSchema: {
      type: 'object',
      properties: { message: { type: 'string', description: 'Message to echo' } },
      required: ['message'],
    },
  };
}

/** The same tool shapes the fixture server registers, so a floor tools/list carries the same bytes. */
export function fillerTools(server: string, count: number): ToolDef[] {
  const out: ToolDef[] = [];
  for (let i = 1; i <= count; i++) {
    const id = String(i).padStart(3, '0');
    out.push({
      name: `tool_${id}`,
      description: `Filler tool ${id} of ${server}: looks up a record by key and returns it with its metadata.`,
      inputSchema: {
        type: 'object',
        properties: {
          key: { type: 'string', description: 'Record key' },
          limit: { type: 'integer', minimum: 1, maximum: 100, description: 'Maximum rows' },
        },
        required: ['key'],
      },
    });
  }
  return out;
}

export interface Responder {
  url: string;
  sessions: () => number;
  close: () => Promise<void>;
}

export async function startResponder(tools: ToolDef[]): Promise<Responder> {
  const sessions = new Set<string>();
  const listResult = { tools };

  const reply = (
    res: ServerResponse,
    status: number,
    body?: unknown,
    headers: Record<string, string> = {},
  ) => {
    const text = body === undefined ? '' : JSON.stringify(body);
    res.writeHead(status, {
      ...headers,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      'content-length': Buffer.byteLength(text),
    });
    res.end(text);
  };

  const handle = (req: IncomingMessage, res: ServerResponse, raw: string) => {
    if (req.method === 'DELETE') {
      const sid = req.headers['mcp-session-id'];
      if (typeof sid === 'string') sessions.delete(sid);
      return reply(res, 200);
    }
    if (req.method !== 'POST') return reply(res, 405, undefined, { allow: 'POST, DELETE' });
    let msg: { id?: unknown; method?: string; params?: Record<string, unknown> };
    try {
      msg = JSON.parse(raw) as typeof msg;
    } catch {
      return reply(res, 400, { jsonrpc: '2.0', id: null, error: { code: -32700, message: 'parse error' } });
    }
    if (msg.id === undefined) return reply(res, 202); // a notification
    const ok = (result: unknown, headers?: Record<string, string>) =>
      reply(res, 200, { jsonrpc: '2.0', id: msg.id, result }, headers);
    switch (msg.method) {
      case 'initialize': {
        const sid = randomUUID();
        sessions.add(sid);
        const version =
          typeof msg.params?.protocolVersion === 'string' ? msg.params.protocolVersion : '2025-06-18';
        return ok(
          {
            protocolVersion: version,
            capabilities: { tools: {} },
            serverInfo: { name: 'bench-floor', version: '1.0.0' },
          },
          { 'mcp-session-id': sid },
        );
      }
      case 'ping':
        return ok({});
      case 'tools/list':
        return ok(listResult);
      case 'tools/call': {
        const args = (msg.params?.arguments ?? {}) as Record<string, unknown>;
        return ok({ content: [{ type: 'text', text: `Echo: ${String(args.message ?? args.key ?? '')}` }] });
      }
      default:
        return reply(res, 200, {
          jsonrpc: '2.0',
          id: msg.id,
          error: { code: -32601, message: `method not found: ${msg.method}` },
        });
    }
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handle(req, res, Buffer.concat(chunks).toString('utf8')));
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    sessions: () => sessions.size,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
