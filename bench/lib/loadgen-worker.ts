// One load-generator process (forked by loadgen.ts): opens its share of MCP sessions over
// keep-alive HTTP with undici (no SDK client, so the generator costs little CPU per call), then on
// "go" calls tools/call echo back-to-back on every session until the deadline, checking each answer.
import { Agent, request } from 'undici';

export interface WorkerJob {
  url: string;
  sessions: number;
  toolName: string;
  warmupPerSession: number;
  worker: number;
}

export type ToParent =
  | { type: 'ready' }
  | { type: 'failed'; error: string }
  | {
      type: 'done';
      /** measured call latencies in µs */
      latencies: number[];
      errors: number;
      firstError?: string;
      elapsedMs: number;
      /** this process's CPU (user + system) during the measured window, µs */
      cpuUs: number;
    }
  | { type: 'closed' };

export type ToWorker = { type: 'go'; durationMs: number; maxCalls: number } | { type: 'close' };

const PROTOCOL_VERSION = '2025-06-18';

interface Sess {
  id: string;
  version: string;
  seq: number;
}

class Conn {
  private nextId = 1;
  constructor(
    private readonly agent: Agent,
    private readonly url: string,
  ) {}

  private headers(s: Sess | undefined): Record<string, string> {
    const h: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
    };
    if (s) {
      h['mcp-session-id'] = s.id;
      h['mcp-protocol-version'] = s.version;
    }
    return h;
  }

  /** A JSON-RPC request; the answer may come as JSON or as one SSE stream (read to its end). */
  async rpc(
    s: Sess | undefined,
    method: string,
    params: unknown,
  ): Promise<{ result: unknown; sid?: string }> {
    const id = this.nextId++;
    const res = await request(this.url, {
      method: 'POST',
      dispatcher: this.agent,
      headers: this.headers(s),
      body: JSON.stringify({ jsonrpc: '2.0', id, method, params }),
    });
    const text = await res.body.text();
    if (res.statusCode !== 200) throw new Error(`${method}: HTTP ${res.statusCode}: ${text.slice(0, 200)}`);
    const ct = String(res.headers['content-type'] ?? '');
    let msg: { id?: unknown; result?: unknown; error?: { message?: string } } | undefined;
    if (ct.includes('text/event-stream')) {
      for (const block of text.split(/\r?\n\r?\n/)) {
        const data = block
          .split(/\r?\n/)
          .filter((l) => l.startsWith('data:'))
          .map((l) => l.slice(5).trimStart())
          .join('\n');
        if (!data) continue;
        const m = JSON.parse(data) as typeof msg;
        if (m && m.id === id) msg = m;
      }
    } else msg = JSON.parse(text) as typeof msg;
    if (!msg) throw new Error(`${method}: no answer with id ${id} in ${text.slice(0, 200)}`);
    if (msg.error) throw new Error(`${method}: error ${JSON.stringify(msg.error).slice(0, 200)}`);
    const sid = res.headers['mcp-session-id'];
    return { result: msg.result, ...(typeof sid === 'string' ? { sid } : {}) };
  }

  async notify(s: Sess, method: string): Promise<void> {
    const res = await request(this.url, {
      method: 'POST',
      dispatcher: this.agent,
      headers: this.headers(s),
      body: JSON.stringify({ jsonrpc: '2.0', method }),
    });
    await res.body.text();
    if (res.statusCode !== 202 && res.statusCode !== 200)
      throw new Error(`${method}: HTTP ${res.statusCode}`);
  }

  async open(): Promise<Sess> {
    const init = await this.rpc(undefined, 'initialize', {
      protocolVersion: PROTOCOL_VERSION,
      capabilities: {},
      clientInfo: { name: 'gridctl-loadgen', version: '1.0.0' },
    });
    if (!init.sid) throw new Error('initialize: no Mcp-Session-Id header');
    const version = (init.result as { protocolVersion?: string }).protocolVersion ?? PROTOCOL_VERSION;
    const s: Sess = { id: init.sid, version, seq: 0 };
    await this.notify(s, 'notifications/initialized');
    return s;
  }

  async close(s: Sess): Promise<void> {
    const res = await request(this.url, {
      method: 'DELETE',
      dispatcher: this.agent,
      headers: this.headers(s),
    });
    await res.body.text();
  }
}

/** One echo call; throws unless the answer's text is exactly the expected echo. */
async function echo(conn: Conn, s: Sess, tool: string, tag: string): Promise<void> {
  const message = `${tag}-${s.id.slice(0, 8)}-${s.seq++}`;
  const { result } = await conn.rpc(s, 'tools/call', { name: tool, arguments: { message } });
  const content = (result as { content?: Array<{ type: string; text?: string }> }).content;
  if (content?.length !== 1 || content[0]?.text !== `Echo: ${message}`) {
    throw new Error(`unexpected echo answer: ${JSON.stringify(result).slice(0, 200)}`);
  }
}

async function main(): Promise<void> {
  const job = JSON.parse(process.argv[2] ?? '{}') as WorkerJob;
  const send = (m: ToParent) => process.send?.(m);
  // One connection per session: a closed loop never has two calls in flight on one session.
  const agent = new Agent({
    connections: Math.max(1, job.sessions),
    keepAliveTimeout: 60_000,
    pipelining: 1,
  });
  const conn = new Conn(agent, job.url);
  const sessions: Sess[] = [];
  try {
    for (let i = 0; i < job.sessions; i += 32) {
      const n = Math.min(32, job.sessions - i);
      sessions.push(...(await Promise.all(Array.from({ length: n }, () => conn.open()))));
    }
    await Promise.all(
      sessions.map(async (s) => {
        for (let i = 0; i < job.warmupPerSession; i++) await echo(conn, s, job.toolName, `warm${job.worker}`);
      }),
    );
  } catch (err) {
    send({ type: 'failed', error: err instanceof Error ? err.message : String(err) });
    process.exit(1);
  }
  process.on('message', async (m: ToWorker) => {
    if (m.type === 'go') {
      const latencies: number[] = [];
      let errors = 0;
      let firstError: string | undefined;
      let budget = m.maxCalls;
      const cpu0 = process.cpuUsage();
      const start = performance.now();
      const deadline = start + m.durationMs;
      await Promise.all(
        sessions.map(async (s) => {
          while (budget > 0 && performance.now() < deadline) {
            budget--;
            const t0 = performance.now();
            try {
              await echo(conn, s, job.toolName, `w${job.worker}`);
              latencies.push(Math.round((performance.now() - t0) * 1000));
            } catch (err) {
              errors++;
              firstError ??= err instanceof Error ? err.message : String(err);
            }
          }
        }),
      );
      const elapsedMs = performance.now() - start;
      const cpu = process.cpuUsage(cpu0);
      send({
        type: 'done',
        latencies,
        errors,
        ...(firstError ? { firstError } : {}),
        elapsedMs,
        cpuUs: cpu.user + cpu.system,
      });
    } else if (m.type === 'close') {
      await Promise.allSettled(sessions.map((s) => conn.close(s)));
      await agent.close();
      send({ type: 'closed' });
      process.disconnect?.();
    }
  });
  send({ type: 'ready' });
}

void main();
