// The daemon's side of observability: the stack's settings mapped to the observers, and the
// /metrics endpoint (on the gateway's port behind its auth, and optionally on a loopback port of
// its own without auth, for a local Prometheus).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { sendJson } from '../api/errors.js';
import { parseDuration, type Stack } from '../config/index.js';
import type { Logger } from '../logging/logger.js';
import type { GatewayMetrics } from '../observability/metrics.js';
import type { ObservabilityOptions } from '../observability/observability.js';
import type { TelemetrySettings } from '../observability/telemetry.js';
import { anthropicCounter, embedded } from '../observability/tokens.js';
import { fileNameFor } from '../state/paths.js';
import { VERSION } from '../version.js';
import { ApplyError } from './stack-controller.js';

export function observabilityOptions(
  stack: Stack | undefined,
  o: { redact: (text: string) => string; home: string; env: NodeJS.ProcessEnv; logger: Logger },
): ObservabilityOptions {
  const { redact, home } = o;
  const m = stack?.gateway?.metrics;
  const t = stack?.gateway?.tracing;
  return {
    telemetry: telemetrySettings(stack, home),
    tokenizer:
      stack?.gateway?.tokenizer === 'api'
        ? anthropicCounter({
            apiKey: stack.gateway.tokenizer_api_key ?? o.env.ANTHROPIC_API_KEY,
            baseUrl: o.env.ANTHROPIC_BASE_URL,
            onFallback: (why) =>
              o.logger.warn(`tokenizer api: ${why}; counting with the embedded cl100k_base instead`, {
                code: 'TOKENIZER_FALLBACK',
              }),
          })
        : embedded,
    metrics: m?.enabled ?? true,
    clientLabels: m?.client_labels,
    knownClients: Object.keys(stack?.clients?.profiles ?? {}),
    // The reference's defaults: on, everything sampled, 1000 traces for 24 h.
    tracing: {
      enabled: t?.enabled ?? true,
      sampling: t?.sampling ?? 1,
      retentionMs: parseDuration(t?.retention ?? '24h'),
      maxTraces: t?.max_traces ?? 1000,
      otlpEndpoint: t?.export === 'otlp' ? t.endpoint : undefined,
      version: VERSION,
      stackName: stack?.name ?? '',
      redact,
    },
  };
}

export function serveMetrics(
  req: IncomingMessage,
  res: ServerResponse,
  metrics: GatewayMetrics | undefined,
): void {
  if (!metrics) {
    sendJson(res, 404, {
      error: { code: 'not_found', message: 'metrics are off (gateway.metrics.enabled: false)' },
    });
    return;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD' }).end();
    return;
  }
  metrics.scrape().then(
    ({ contentType, body }) => {
      res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
    },
    (err: unknown) => sendJson(res, 500, { error: { code: 'internal', message: (err as Error).message } }),
  );
}

/** gateway.metrics.listen: a loopback listener that serves only /metrics. Returns its closer. */
export async function listenMetrics(
  listen: string | undefined,
  metrics: GatewayMetrics | undefined,
  logger: Logger,
): Promise<(() => Promise<void>) | undefined> {
  if (!listen || !metrics) return undefined;
  const at = listen.lastIndexOf(':');
  const host = listen.slice(0, at).replace(/^\[|\]$/g, '');
  const port = Number(listen.slice(at + 1));
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?', 1)[0];
    if (path === '/metrics') serveMetrics(req, res, metrics);
    else sendJson(res, 404, { error: { code: 'not_found', message: 'only /metrics is served here' } });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new ApplyError(
          `gateway.metrics.listen: failed to listen on ${listen}: ${err.code ?? err.message}; choose a free port`,
        ),
      ),
    );
    server.listen({ host, port }, () => resolve());
  });
  logger.info(`metrics listening on http://${listen}/metrics`);
  return () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
}

/** telemetry: and each server's telemetry.persist; undefined when nothing is persisted. */
function telemetrySettings(stack: Stack | undefined, home: string): TelemetrySettings | undefined {
  if (!stack) return undefined;
  const t = stack.telemetry;
  const servers: TelemetrySettings['servers'] = {};
  for (const s of stack['mcp-servers']) if (s.telemetry?.persist) servers[s.name] = s.telemetry.persist;
  const persist = {
    logs: t?.persist.logs ?? false,
    metrics: t?.persist.metrics ?? false,
    traces: t?.persist.traces ?? false,
  };
  const anyOn =
    Object.values(persist).some(Boolean) ||
    Object.values(servers).some((o) => Object.values(o).some(Boolean));
  if (!anyOn) return undefined;
  return {
    dir: join(home, 'telemetry', fileNameFor('stack', stack.name, '')),
    persist,
    servers,
    retention: {
      maxSizeMb: t?.retention.max_size_mb ?? 100,
      maxBackups: t?.retention.max_backups ?? 5,
      maxAgeDays: t?.retention.max_age_days ?? 7,
    },
  };
}
