// The REST API the CLI and the web UI use, mounted on the gateway's port under /api/. Routes are a
// flat table: few enough that a router library would add more than it saves.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseDuration } from '../config/duration.js';
import type { LogEntry, Logger, LogLevel } from '../logging/logger.js';
import { readJson } from './body.js';
import { clientRoutes } from './clients.js';
import { ApiError, redactorOf, sendError, sendJson } from './errors.js';
import { EventHub } from './events.js';
import { pinRoutes } from './pins.js';
import { policyRoutes } from './policy.js';
import { skillRoutes } from './skills.js';
import { stackEditRoutes } from './stack-edit.js';
import { varRoutes } from './vars.js';
import type { StackView } from './view.js';

export type { StackView } from './view.js';

export interface ApiOptions {
  view: StackView;
  logger: Logger;
  version: string;
  /** GRIDCTL_HOME, for the saved-stack library (<home>/stacks). */
  home?: string;
  /** The daemon's environment (the variable store's GRIDCTL_VAULT_PASSPHRASE). */
  env?: NodeJS.ProcessEnv;
  /** The gateway enforces gateway.auth: /api/var may reveal values (docs/api.md). */
  auth?: boolean;
  /** The redactor the daemon started with (the variable routes rebuild it after writes). */
  redact?: (text: string) => string;
  /** Where the gateway listens (the URL `link` writes into clients' files). */
  gateway?: { port: number; host: string };
}

type Handler = (
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  params: string[],
) => Promise<void> | void;

export function createApiHandler(opts: ApiOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const { view, logger } = opts;
  const events = new EventHub(view, logger, opts.version);
  const routes: [method: string, pattern: RegExp, handler: Handler][] = [
    [
      'GET',
      /^\/api\/status$/,
      (_req, res) =>
        sendJson(res, 200, {
          stack: view.stackName,
          version: opts.version,
          pid: process.pid,
          started_at: view.startedAt,
          servers: view.servers(),
        }),
    ],
    ['GET', /^\/api\/mcp-servers$/, (_req, res) => sendJson(res, 200, view.servers())],
    ['GET', /^\/api\/tools$/, async (_req, res) => sendJson(res, 200, await view.tools())],
    [
      'GET',
      /^\/api\/traces$/,
      (_req, res, url) => {
        const q = url.searchParams;
        const min = q.get('min_ms') ?? q.get('minDuration');
        const limit = Number(q.get('limit') ?? 100);
        const ring = view.traces;
        sendJson(res, 200, {
          tracingEnabled: ring !== undefined,
          size: ring?.size ?? 0,
          traces:
            ring?.list({
              server: q.get('server') ?? undefined,
              tool: q.get('tool') ?? undefined,
              errors: q.get('errors') === 'true' || q.get('errors') === '1',
              minDurationMs: min === null ? undefined : Number.parseFloat(min),
              limit: Number.isFinite(limit) && limit > 0 ? limit : 100,
            }) ?? [],
        });
      },
    ],
    [
      'GET',
      /^\/api\/traces\/([0-9a-f]{32})$/,
      (_req, res, _url, [id]) => {
        const t = view.traces?.get(id!);
        if (!t) throw new ApiError('not_found', `no trace ${id} in memory (it may have aged out)`);
        sendJson(res, 200, t);
      },
    ],
    [
      'GET',
      /^\/api\/optimize$/,
      async (_req, res) => {
        if (!view.optimize) throw new ApiError('no_stack', 'this gateway records no usage');
        sendJson(res, 200, await view.optimize());
      },
    ],
    [
      'GET',
      /^\/api\/usage\/series$/,
      (_req, res, url) => {
        if (!view.series) throw new ApiError('no_stack', 'this gateway records no usage');
        const range = url.searchParams.get('range');
        let ms = 3_600_000;
        if (range) {
          try {
            ms = parseDuration(range);
          } catch {
            throw new ApiError('bad_request', `range=${range}: not a duration (try 5m, 30m, 1h)`);
          }
        }
        // ?tool=<server>/<tool>: that tool's points too.
        const t = url.searchParams.get('tool');
        const slash = t ? t.indexOf('/') : -1;
        const tool = t && slash > 0 ? { server: t.slice(0, slash), tool: t.slice(slash + 1) } : undefined;
        if (t && !tool) throw new ApiError('bad_request', `tool=${t}: expected <server>/<tool>`);
        sendJson(res, 200, view.series(ms, tool));
      },
    ],
    [
      'GET',
      /^\/api\/usage$/,
      async (_req, res) => {
        if (!view.usage) throw new ApiError('no_stack', 'this gateway records no usage');
        sendJson(res, 200, await view.usage());
      },
    ],
    [
      'GET',
      /^\/api\/stack$/,
      (_req, res) => sendJson(res, 200, { name: view.stackName, spec: view.appliedSpec?.() }),
    ],
    [
      'GET',
      /^\/api\/logs$/,
      (_req, res, url) => {
        const limit = Number(url.searchParams.get('limit') ?? 200);
        const entries = logger.recent({
          server: url.searchParams.get('server') ?? undefined,
          level: (url.searchParams.get('level') as LogLevel | null) ?? undefined,
          limit: Number.isFinite(limit) && limit > 0 ? limit : 200,
        });
        sendJson(res, 200, entries);
      },
    ],
    ['GET', /^\/api\/logs\/stream$/, (req, res, url) => streamLogs(req, res, url, logger)],
    ['GET', /^\/api\/events$/, (req, res) => events.handle(req, res)],
    ...stackEditRoutes(view, opts.home),
    ...pinRoutes(view),
    ...policyRoutes(view),
    ...skillRoutes(view),
    ...clientRoutes({ view, home: opts.home, env: opts.env ?? process.env, gateway: opts.gateway, readJson }),
    ...varRoutes({
      view,
      logger,
      home: opts.home,
      env: opts.env ?? process.env,
      auth: opts.auth === true,
      baseRedact: opts.redact,
    }),
    [
      'POST',
      /^\/api\/reload$/,
      async (_req, res) => {
        if (!view.reload) throw new ApiError('no_stack', 'this gateway has no stack file to reload');
        const result = await view.reload();
        sendJson(res, result.success ? 200 : 400, result);
      },
    ],
    [
      'POST',
      /^\/api\/stack\/initialize$/,
      async (req, res) => {
        if (!view.initialize) throw new ApiError('conflict', 'this gateway already runs a stack');
        const body = (await readJson(req)) as { name?: unknown } | null;
        if (typeof body !== 'object' || body === null || typeof body.name !== 'string')
          throw new ApiError('bad_request', 'expected {"name": "<saved stack>"}');
        const result = await view.initialize(body.name);
        sendJson(res, result.success ? 200 : 400, result);
      },
    ],
    [
      'POST',
      /^\/api\/mcp-servers\/([^/]+)\/restart$/,
      async (_req, res, _url, [name]) => {
        if (!view.restartServer) throw new ApiError('no_stack', 'no stack loaded');
        const server = decodeURIComponent(name!);
        if (!view.servers().some((s) => (s as { name?: unknown }).name === server))
          throw new ApiError('not_found', `no server "${server}" in this stack`);
        const restarting = view.restartServer(server);
        events.changed(); // push the transient state ("starting") at once
        await restarting;
        sendJson(res, 200, { restarted: name });
      },
    ],
  ];

  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    let methodMismatch = false;
    for (const [method, pattern, handler] of routes) {
      const m = pattern.exec(url.pathname);
      if (!m) continue;
      if (method !== req.method) {
        methodMismatch = true;
        continue;
      }
      Promise.resolve()
        .then(() => handler(req, res, url, m.slice(1)))
        .catch((err: unknown) => {
          if (err instanceof ApiError) return sendError(res, err);
          // decodeURIComponent of a path parameter such as `%zz`: the client's mistake, not ours.
          if (err instanceof URIError)
            return sendError(
              res,
              new ApiError('bad_request', `malformed percent-encoding in ${url.pathname}`),
            );
          logger.error('API request failed', { path: url.pathname, error: (err as Error).message });
          if (!res.headersSent) sendError(res, new ApiError('internal', (err as Error).message));
        });
      return;
    }
    sendError(
      res,
      methodMismatch
        ? new ApiError('method_not_allowed', `${req.method} is not allowed on ${url.pathname}`)
        : new ApiError('not_found', `no API route ${url.pathname}`),
    );
  };
}

/** Server-sent events of log entries, filtered like /api/logs; ends when the client goes away. */
function streamLogs(req: IncomingMessage, res: ServerResponse, url: URL, logger: Logger): void {
  const server = url.searchParams.get('server') ?? undefined;
  res.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-store',
    connection: 'keep-alive',
  });
  const redact = redactorOf(res);
  const send = (e: LogEntry) => {
    if (server === undefined || e.server === server) res.write(`data: ${redact(JSON.stringify(e))}\n\n`);
  };
  for (const e of logger.recent({ server, limit: 100 })) send(e);
  const unsubscribe = logger.subscribe(send);
  req.on('close', unsubscribe);
}
