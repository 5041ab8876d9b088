// Traces of a real daemon: a client's W3C trace context is continued, the gateway's span context
// reaches a real SDK server over streamable HTTP (as a header, read on the server's side) and over
// stdio (in `_meta`), `gridctl traces` lists and draws them, and the OTLP/HTTP exporter sends them
// to a receiver. No collector runs here: the receiver is a stand-in that decodes what it gets.
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, describe, expect, it } from 'vitest';
import { type LaunchedServer, launchHttpServer } from '../fixtures/launch.js';
import { freePort } from '../support/net.js';
import { waitFor } from '../support/wait.js';
import { gridctl, ROOT, type Sandbox, sandbox } from './cli.js';

const TSX = pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href;
const FIXTURE = join(ROOT, 'test/fixtures/conformance-server.ts');

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
}

/** An OTLP/HTTP receiver stand-in: keeps the spans of every JSON export request it gets. */
async function otlpReceiverStandIn(): Promise<{ server: Server; url: string; spans: OtlpSpan[] }> {
  const spans: OtlpSpan[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      if (req.url === '/v1/traces' && req.headers['content-type']?.startsWith('application/json')) {
        const doc = JSON.parse(body) as {
          resourceSpans: { scopeSpans: { spans: OtlpSpan[] }[] }[];
        };
        for (const rs of doc.resourceSpans) for (const ss of rs.scopeSpans) spans.push(...ss.spans);
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  const port = await freePort();
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${port}/v1/traces`, spans };
}

const sandboxes: Sandbox[] = [];
const stops: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const sb of sandboxes) await gridctl(sb, ['destroy', 'traced']).catch(() => undefined);
  for (const s of stops) await s();
});

const textOf = (r: unknown) => (r as { content: { text: string }[] }).content[0]!.text;

describe('traces of a running stack', () => {
  it('continues the client trace, propagates to servers, lists, draws and exports', async () => {
    const receiver = await otlpReceiverStandIn();
    stops.push(() => new Promise<void>((r) => receiver.server.close(() => r())));
    const upstream: LaunchedServer = await launchHttpServer({
      argv: [],
      argvForPort: (p) => [process.execPath, '--import', TSX, FIXTURE, '--http', String(p)],
      url: (p) => `http://127.0.0.1:${p}/mcp`,
    });
    stops.push(() => upstream.stop());

    const sb = sandbox();
    sandboxes.push(sb);
    const port = await freePort();
    const file = sb.write(
      'stack.yaml',
      [
        'name: traced',
        'gateway:',
        '  code_mode: "on"',
        '  tracing:',
        '    export: otlp',
        `    endpoint: ${receiver.url}`,
        'mcp-servers:',
        '  - name: web',
        `    url: ${upstream.url}`,
        '  - name: local',
        `    command: [${JSON.stringify(process.execPath)}, "--import", ${JSON.stringify(TSX)}, ${JSON.stringify(FIXTURE)}]`,
        '    replicas: 2',
        '',
      ].join('\n'),
    );
    const applied = await gridctl(sb, ['apply', file, '--port', String(port)]);
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    expect(applied.stdout + applied.stderr).not.toMatch(/NOT_IMPLEMENTED/);

    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const clientSpan = '00f067aa0ba902b7';
    const client = new Client({ name: 'tracing-test', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}/mcp`), {
        requestInit: { headers: { traceparent: `00-${traceId}-${clientSpan}-01` } },
      }),
    );
    try {
      // Over HTTP the server reads the gateway's span context as a header...
      const headers = JSON.parse(
        textOf(await client.callTool({ name: 'web__request_headers', arguments: {} })),
      );
      const sent = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/.exec(headers.traceparent);
      expect(sent?.[1]).toBe(traceId);
      expect(sent?.[2]).not.toBe(clientSpan); // the gateway's own span, not the client's
      // ...and over stdio in `_meta`.
      const meta = JSON.parse(textOf(await client.callTool({ name: 'local__request_meta', arguments: {} })));
      expect(meta.traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
      // A client without trace context starts a trace at the gateway.
      const plain = new Client({ name: 'untraced', version: '1.0.0' });
      await plain.connect(new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}/mcp`)));
      const failed = await plain
        .callTool({ name: 'web__no_such_tool', arguments: {} })
        .catch((e: Error) => e);
      expect(failed).toBeInstanceOf(Error);
      await plain.close();

      // Code mode: an execute whose script calls a tool makes an inner-call span under the
      // execute's request, with its upstream span (and the replica pick) under it.
      const executed = await client.callTool({
        name: 'execute',
        arguments: { code: '(async () => await mcp.callTool("local", "request_meta", {}))()' },
      });
      expect(executed.isError, JSON.stringify(executed)).toBeFalsy();

      // gridctl traces: the client's trace, continued; the upstream span is the one the server saw.
      const listed = await waitFor(
        async () => {
          const r = await gridctl(sb, ['traces', '--json', '--server', 'web']);
          const all = JSON.parse(r.stdout) as { traceId: string; name: string; remoteParent: boolean }[];
          return all.find((t) => t.traceId === traceId && t.name.includes('request_headers'))
            ? all
            : undefined;
        },
        { what: 'the trace in gridctl traces' },
      );
      expect(listed.find((t) => t.traceId === traceId)?.remoteParent).toBe(true);
      const shown = await gridctl(sb, ['traces', traceId, '--json']);
      expect(shown.code, shown.stderr).toBe(0);
      const detail = JSON.parse(shown.stdout) as {
        spanTree: { spanId: string; parentSpanId?: string; name: string; kind: string }[];
      };
      const root = detail.spanTree.find((s) => s.name === 'tools/call web › request_headers');
      expect(root?.kind).toBe('server');
      expect(root?.parentSpanId).toBe(clientSpan);
      const up = detail.spanTree.find((s) => s.kind === 'client' && s.spanId === sent?.[2]);
      expect(up?.name).toBe('tools/call web');
      expect(up?.parentSpanId).toBe(root?.spanId);
      expect(detail.spanTree.some((s) => s.name === 'tools/call local › request_meta')).toBe(true);
      // local runs two replicas: each request to it has a replica.pick span under its client span.
      const byId = new Map(detail.spanTree.map((s) => [s.spanId, s]));
      const picks = detail.spanTree.filter((s) => s.name === 'replica.pick local');
      expect(picks.length).toBe(2); // the direct call and the inner one
      for (const p of picks) expect(byId.get(p.parentSpanId!)?.name).toBe('tools/call local');
      const inner = detail.spanTree.find(
        (s) => s.name === 'tools/call local › request_meta' && s.kind === 'internal',
      );
      expect(byId.get(inner!.parentSpanId!)?.name).toMatch(/^tools\/call execute/);
      expect(
        detail.spanTree.some((s) => s.parentSpanId === inner!.spanId && s.name === 'tools/call local'),
      ).toBe(true);

      const tree = await gridctl(sb, ['traces', traceId.slice(0, 10)]);
      expect(tree.code, tree.stderr).toBe(0);
      expect(tree.stdout).toMatch(/continues the client’s trace/);
      expect(tree.stdout).toMatch(/tools\/call web › request_headers\s+\+0\.0ms/);
      expect(tree.stdout).toMatch(/\n\s+tools\/call web\s+\+\d/); // indented under its parent

      const errors = await gridctl(sb, ['traces', '--errors', '--json']);
      const errored = JSON.parse(errors.stdout) as { name: string; remoteParent: boolean }[];
      expect(errored.map((t) => [t.name, t.remoteParent])).toEqual([['tools/call web__no_such_tool', false]]);

      // The OTLP/HTTP exporter delivered the same spans (it batches: wait for them).
      const exported = await waitFor(
        () => {
          const mine = receiver.spans.filter((s) => s.traceId === traceId);
          return mine.some((s) => s.spanId === sent?.[2]) && mine.some((s) => s.name.includes('request_meta'))
            ? mine
            : undefined;
        },
        { what: 'spans at the OTLP receiver stand-in', timeoutMs: 20_000 },
      );
      expect(exported.find((s) => s.spanId === root?.spanId)?.parentSpanId).toBe(clientSpan);
    } finally {
      await client.close();
    }
  });
});
