// GatewayBuilder: builds the gateway for a loaded stack and runs it on one HTTP server together with
// the REST API, writes the state file every CLI command reads, and tears it all down on SIGINT or
// SIGTERM. The daemon child and the foreground mode both run exactly this.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { ApiError, bindRedactor, sendJson } from '../api/errors.js';
import { pinsView } from '../api/pins.js';
import { createApiHandler, type StackView } from '../api/server.js';
import { skillsView } from '../api/skills.js';
import { createStaticHandler } from '../api/static.js';
import type { ServerStatusRow } from '../api/types.js';
import { type LoadResult, parseDuration, type Stack } from '../config/index.js';
import { RequestGuard } from '../gateway/downstream/origin.js';
import { Gateway } from '../gateway/index.js';
import type { ServerStatus } from '../gateway/types.js';
import { fileSink, perServerFileSink } from '../logging/file-sink.js';
import { formatText, Logger, type LogLevel, textSink } from '../logging/logger.js';
import { OAuthHub } from '../oauth/hub.js';
import { InboundOAuth } from '../oauth/inbound.js';
import { createOAuthRoutes } from '../oauth/routes.js';
import { Observability } from '../observability/observability.js';
import { optimize } from '../observability/optimize.js';
import { requireRuntime } from '../runtime/index.js';
import {
  authorized,
  bindTokenClient,
  type InboundAuth,
  isLoopback,
  isOpenPath,
} from '../security/inbound-auth.js';
import { PinError, PinManager, pinSettings, pinsFile, withPinFields } from '../security/pins/index.js';
import { SkillLibrary } from '../skills/library.js';
import { SkillRegistry, skillsDir } from '../skills/registry.js';
import type { HomePaths } from '../state/paths.js';
import {
  type DaemonState,
  readState,
  removeState,
  STATE_SCHEMA_VERSION,
  writeState,
} from '../state/state-file.js';
import { procEntry, RUN_TAG } from '../upstream/ownership.js';
import { VERSION } from '../version.js';
import { type ContainerView, discover } from './container-discovery.js';
import { listenMetrics, observabilityOptions, serveMetrics } from './observability.js';
import { callPolicies } from './policies.js';
import { Reloader } from './reloader.js';
import { loadForRun } from './secrets.js';
import { describeServer, serverSpecs } from './server-registrar.js';
import { ApplyError } from './stack-controller.js';
import { containerWorkloads, down, up } from './workloads.js';

/** Header of the CLI's per-run credential (see cliAuth). */
const CLI_TOKEN_HEADER = 'x-gridctl-cli-token';

/** State name of the stackless daemon (`gridctl serve`). */
export const STACKLESS = 'gridctl';

export interface RunStackOptions {
  /** The loaded stack; absent in stackless mode, where a saved stack can be initialised later. */
  loaded?: LoadResult & { stack: Stack };
  paths: HomePaths;
  bind: string;
  port: number;
  watch: boolean;
  logLevel: LogLevel;
  foreground: boolean;
  env: NodeJS.ProcessEnv;
  /** Where log lines go (the daemon's stdout is its log file). */
  out?: NodeJS.WritableStream;
  /** The daemon's log file (logging.file or --log-file), written with rotation instead of `out`. */
  logFile?: string;
  onListening?: () => void;
  onReady?: (servers: ServerStatusRow[]) => void;
  /** Masks the variable store's values in every log line and API response. */
  redact?: (text: string) => string;
  /** --insecure-allow-unauthenticated: allow a non-loopback bind without auth (warned at every start). */
  insecure?: boolean;
  /** Resolves to stop the stack (tests); SIGINT/SIGTERM always stop it. */
  stopSignal?: Promise<void>;
  pingIntervalMs?: number;
  /** Container servers' upstreams (controller/workloads.discover). */
  containers?: ContainerView;
  /** For containers a reload adds or changes: the first host port, and --runtime. */
  basePort?: number;
  runtimeFlag?: string;
  /** `apply --no-expand`: OpenAPI spec files are read as written. */
  noExpand?: boolean;
}

/** The stack's session settings; unset ones keep the gateway's defaults. */
function sessionLimits(stack: Stack | undefined) {
  const g = stack?.gateway;
  return {
    sessionIdleMs: g?.session_idle_timeout === undefined ? undefined : parseDuration(g.session_idle_timeout),
    heldSessions:
      g?.held_sessions?.enabled === false
        ? (false as const)
        : {
            max: g?.held_sessions?.max_per_server,
            idleMs:
              g?.held_sessions?.idle_timeout === undefined
                ? undefined
                : parseDuration(g.held_sessions.idle_timeout),
          },
    maxSessions: g?.max_sessions,
    maxSessionsPerClient: g?.max_sessions_per_client,
  };
}

export async function runStack(o: RunStackOptions): Promise<void> {
  const { paths } = o;
  const stack = o.loaded?.stack;
  const stateName = stack?.name ?? STACKLESS;
  const auth = stack ? inboundAuth(stack) : undefined;
  const oauthIn = stack ? inboundOAuth(stack) : undefined;
  assertExposure(o.bind, stack, o.insecure);
  const out = o.out ?? process.stdout;
  const logger = Logger.create({
    level: o.logLevel,
    redact: o.redact,
    sinks: [
      o.logFile ? fileSink(o.logFile, formatText, logRotation(stack)) : textSink((l) => out.write(l)),
      perServerFileSink(join(paths.logsDir, stateName), formatText),
    ],
  });
  if (!isLoopback(o.bind) && !auth && !oauthIn) logger.warn(`listening on ${o.bind} WITHOUT authentication`);
  // The daemon's log repeats the stack's warnings (NOT_IMPLEMENTED, TLS_VERIFY_DISABLED, ...) at every
  // start; in the foreground, apply has just printed them.
  if (!o.foreground) {
    for (const i of o.loaded?.issues ?? []) {
      if (i.severity === 'warning') logger.warn(`${i.field}: ${i.message} [${i.code}]`);
    }
  }

  // OAuth clients of `auth: {type: oauth}` servers, over the sealed grant store (docs/oauth.md).
  const oauth = new OAuthHub(paths.root);

  // Tool-schema pins (docs/pins.md): loaded before the gateway so the first listing is compared.
  const pins = await openPins(paths.root, stateName, stack, logger);
  // The skills registry (docs/skills.md): shared by every stack of this home, watched for edits.
  const skills = new SkillRegistry(skillsDir(paths.root), logger.child({ component: 'skills' }));
  skills.load();
  skills.watch();

  const gateway = new Gateway({
    name: stack?.gateway?.name ?? 'gridctl-gateway',
    version: VERSION,
    stackName: stateName,
    servers: o.loaded
      ? withPinFields(
          o.loaded.stack,
          serverSpecs(o.loaded.stack, {
            stackFile: o.loaded.file,
            env: o.env,
            pingIntervalMs: o.pingIntervalMs,
            containers: o.containers,
            oauth,
            noExpand: o.noExpand,
          }),
        )
      : [],
    logger,
    allowedHosts: stack?.gateway?.allowed_hosts,
    allowedOrigins: stack?.gateway?.allowed_origins,
    ...sessionLimits(stack),
    pins,
    groups: stack?.groups,
    policies: callPolicies(stack),
    skills,
  });

  const observed = new Observability(
    gateway,
    observabilityOptions(stack, { redact: (t) => logger.redact(t), home: paths.root, env: o.env, logger }),
  );
  const telemetry = observed.telemetry;
  const offTelemetryLogs = telemetry?.any('logs') ? logger.subscribe((e) => telemetry.log(e)) : undefined;
  const startedAt = new Date().toISOString();
  let state: DaemonState | undefined;
  // The applied spec holds expanded values: the store's secrets and the stack's credentials are
  // masked wherever it goes (API, events, the state file).
  const masked = (spec: Stack | undefined): Stack | undefined =>
    spec && JSON.parse(logger.redact(JSON.stringify(spec)));
  // The CLI's credential for this run, in the state file instead of the stack's own token, which
  // so never rests on disk. It dies with the daemon and opens only what the CLI uses: not /mcp,
  // not the variable store's routes.
  const cliAuth: InboundAuth = {
    type: 'api_key',
    header: CLI_TOKEN_HEADER,
    token: randomBytes(32).toString('base64url'),
  };
  const cliMay = (path: string) => path.startsWith('/api/') && !/^\/api\/var(\/|$)/.test(path);
  // Reload recreates the containers whose spec changed, here in the gateway process.
  let containerView = o.containers;
  const containersFor = (file: string) => ({
    current: () => containerView,
    refresh: async (next: Stack) => {
      const runtime =
        containerView?.runtime ??
        (await requireRuntime({ flag: o.runtimeFlag, env: o.env }, `stack '${next.name}' runs containers`));
      if (containerWorkloads(next).length === 0) {
        await down(next.name, runtime); // the last container workload was removed
      } else {
        await up(next, {
          runtime,
          stackFile: file,
          home: paths.root,
          basePort: o.basePort ?? 9000,
          noCache: false,
          env: o.env,
          reload: true,
          report: { step: (t) => logger.debug(t), done: (t) => logger.info(t), note: (t) => logger.warn(t) },
        });
      }
      containerView = await discover(next.name, runtime, next, o.env);
      return containerView;
    },
  });
  const reloaderFor = (applied: Stack, file: string) =>
    new Reloader(applied, {
      file,
      env: o.env,
      paths,
      containers: containersFor(file),
      onRedactor: (redact) => logger.setRedactor(redact),
      target: gateway,
      logger,
      pingIntervalMs: o.pingIntervalMs,
      oauth,
      noExpand: o.noExpand,
      onApplied: (spec) => {
        if (!state) return;
        state.applied_spec = masked(spec);
        state.stack_file = file;
        writeState(paths, state);
      },
    });
  let reloader = o.loaded ? reloaderFor(o.loaded.stack, o.loaded.file) : undefined;
  let stackFile = o.loaded?.file;
  const rows = (): ServerStatusRow[] =>
    gateway.status().map((s) => toRow(s, reloader?.current['mcp-servers'] ?? []));
  const view: StackView = {
    stackName: stateName,
    startedAt,
    servers: rows,
    tools: async () => gateway.tools(),
    pins: pinsView(pins, gateway, () => reloader?.current.gateway?.allowed_hosts ?? []),
    // Handshake-era sessions, then the stateless clients seen lately (docs/gateway.md, eras).
    sessions: () => [...gateway.listSessions(), ...gateway.listStatelessClients()],
    limits: () => gateway.limits(),
    sessionStats: () => gateway.sessionStats(),
    usage: () => observed.report(),
    traces: observed.tracing?.ring,
    series: (ms, tool) => observed.series.snapshot(ms, Date.now(), tool),
    optimize: async () => {
      const applied = reloader?.current;
      const usage = await observed.report();
      return {
        since: usage.since,
        calls: usage.calls,
        findings: optimize({
          usage,
          servers: (applied?.['mcp-servers'] ?? []).map((s) => ({
            name: s.name,
            outputFormat: s.output_format,
          })),
          codeMode: gateway.codeModeOn(),
        }),
      };
    },
    onActivity: (fn) => {
      const offCalls = observed.onCalls(() => fn('calls', {}));
      const offTraces = observed.tracing?.ring.subscribe((t) => fn('trace', t));
      return () => {
        offCalls();
        offTraces?.();
      };
    },
    stackFile: () => stackFile,
    skills: skillsView(
      skills,
      new SkillLibrary(paths.root),
      gateway,
      () => reloader?.current.gateway?.allowed_hosts ?? [],
    ),
    appliedSpec: () => masked(reloader?.current),
    reload: () => {
      if (!reloader) throw new ApiError('no_stack', 'no stack loaded; POST /api/stack/initialize first');
      return reloader.reload();
    },
    restartServer: async (name) => {
      await gateway.restartServer(name);
    },
    // Stackless mode: load a saved stack (<home>/stacks/<name>.yaml) as "every server added".
    initialize: async (name) => {
      if (reloader) throw new ApiError('conflict', `a stack is already loaded (${reloader.current.name})`);
      if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(name))
        throw new ApiError('bad_request', `invalid stack name '${name}'`);
      const file = join(paths.root, 'stacks', `${name}.yaml`);
      if (!existsSync(file)) throw new ApiError('not_found', `no saved stack '${name}' (looked for ${file})`);
      const { loaded, redact } = await loadForRun(file, o.env, paths);
      logger.setRedactor(redact);
      if (!loaded.ok || !loaded.stack) {
        const first = loaded.issues.find((i) => i.severity === 'error');
        throw new ApiError(
          'bad_request',
          `${file}: ${first ? `${first.field}: ${first.message}` : 'invalid'}`,
        );
      }
      await pins.retarget({
        file: pinsFile(paths.root, loaded.stack.name),
        stack: loaded.stack.name,
        settings: pinSettings(loaded.stack),
      });
      reloader = reloaderFor({ ...loaded.stack, 'mcp-servers': [], resources: [] }, file);
      gateway.setGroups(loaded.stack.groups);
      stackFile = file;
      const result = await reloader.reload();
      if (o.watch) reloader.watch(loaded.files);
      return result;
    },
  };
  const api = createApiHandler({
    view,
    logger,
    version: VERSION,
    home: paths.root,
    env: o.env,
    auth: auth !== undefined || oauthIn !== undefined,
    redact: o.redact,
    gateway: { port: o.port, host: linkHost(o.bind) },
  });
  const apiGuard = new RequestGuard(stack?.gateway?.allowed_hosts, stack?.gateway?.allowed_origins);
  // The web UI's shell and assets: open like /health (the data behind them needs auth).
  // Under oauth the UI asks for a bearer token like `bearer` does (an access token of the provider).
  const ui = createStaticHandler({
    auth: oauthIn ? { type: 'bearer' } : auth && { type: auth.type, header: auth.header },
  });
  const http = createServer((req: IncomingMessage, res: ServerResponse) => {
    // Whatever this answer carries passes the store's current redactor (api/errors.ts).
    bindRedactor(res, (t) => logger.redact(t));
    const path = (req.url ?? '/').split('?', 1)[0] ?? '/';
    // The same DNS-rebinding and cross-site defence as the MCP routes (which check it in the
    // gateway's handler): the API can restart servers and rewrite the stack file, /ready names
    // failed servers.
    if (
      (path.startsWith('/api/') || path === '/ready') &&
      (!apiGuard.hostAllowed(req.headers.host) || !apiGuard.originAllowed(req.headers.origin))
    ) {
      sendJson(res, 403, { error: { code: 'forbidden', message: 'Host or Origin not allowed' } });
      return;
    }
    if (path === '/ready' && !reloader) {
      sendJson(res, 503, { ready: false, stack: stateName, message: 'no stack loaded' });
      return;
    }
    if (ui(req, res)) return;
    // The browser's return from an upstream sign-in: open, authenticated by its single-use state.
    if (path === '/oauth/callback' && req.method === 'GET') {
      oauthRoutes.callback(req, res).catch((err: unknown) => {
        logger.error(`OAuth callback: ${(err as Error).message}`);
        if (!res.headersSent)
          sendJson(res, 500, { error: { code: 'internal', message: 'OAuth callback failed' } });
      });
      return;
    }
    // RFC 9728 metadata: open, so that clients can find where to sign in.
    if (oauthIn?.isMetadataPath(path) && (req.method === 'GET' || req.method === 'HEAD')) {
      oauthIn.serveMetadata(res);
      return;
    }
    const guarded = req.method !== 'OPTIONS' && !isOpenPath(path);
    if (guarded && auth && !authorized(req, auth) && !(cliMay(path) && authorized(req, cliAuth))) {
      res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Bearer' });
      res.end(JSON.stringify({ error: { code: 'unauthorized', message: 'missing or wrong credentials' } }));
      return;
    }
    if (guarded && oauthIn && !(cliMay(path) && authorized(req, cliAuth))) {
      oauthIn
        .verify(req)
        .then((v) => {
          if (!v.ok) return oauthIn.refuse(req, res, v);
          if (v.client) bindTokenClient(req, v.client);
          route(req, res, path);
        })
        .catch((err: unknown) => {
          logger.error(`inbound OAuth check failed: ${(err as Error).message}`);
          if (!res.headersSent)
            sendJson(res, 500, { error: { code: 'internal', message: 'token check failed' } });
        });
      return;
    }
    route(req, res, path);
  });
  const oauthRoutes = createOAuthRoutes({
    hub: oauth,
    restartServer: (name) => gateway.restartServer(name),
    serverState: (name) => gateway.status().find((s) => s.name === name)?.state,
    logger,
  });
  const route = (req: IncomingMessage, res: ServerResponse, path: string) => {
    if (path === '/api/oauth' || path.startsWith('/api/oauth/')) {
      oauthRoutes.api(req, res, path).catch((err: unknown) => {
        logger.error(`${req.method} ${path}: ${(err as Error).message}`);
        if (!res.headersSent)
          sendJson(res, 500, { error: { code: 'internal', message: 'OAuth route failed' } });
      });
    } else if (path.startsWith('/api/')) api(req, res);
    else if (path === '/metrics') serveMetrics(req, res, observed.metrics);
    else gateway.handler(req, res);
  };
  http.headersTimeout = 10_000;

  await new Promise<void>((resolve, reject) => {
    http.once('error', (err: NodeJS.ErrnoException) =>
      reject(new ApplyError(`failed to listen on ${o.bind}:${o.port}: ${err.code ?? err.message}`)),
    );
    http.listen({ host: o.bind, port: o.port }, () => resolve());
  });
  const port = (http.address() as AddressInfo).port;
  // Where the browser returns after an upstream sign-in: this listener, on loopback (RFC 8252).
  const callbackHost = isLoopback(o.bind) ? o.bind : '127.0.0.1';
  oauth.callbackUrl = `http://${callbackHost.includes(':') ? `[${callbackHost}]` : callbackHost}:${port}/oauth/callback`;
  logger.info(
    stack
      ? `gateway for stack '${stack.name}' listening on http://${o.bind}:${port}/mcp`
      : `stackless gateway listening on http://${o.bind}:${port} (no stack loaded)`,
  );

  // Nothing is started yet: a taken metrics port stops the run before any server comes up.
  const closeMetricsListener = await listenMetrics(
    stack?.gateway?.metrics?.listen,
    observed.metrics,
    logger,
  ).catch(async (err: unknown) => {
    http.close();
    await observed.close();
    await gateway.close();
    throw err;
  });

  state = {
    schema_version: STATE_SCHEMA_VERSION,
    stack_name: stateName,
    stack_file: o.loaded?.file,
    pid: process.pid,
    port,
    bind: o.bind,
    started_at: startedAt,
    foreground: o.foreground,
    log_file: o.foreground ? undefined : (o.logFile ?? paths.logFile(stateName)),
    auth: auth || oauthIn ? { type: 'api_key', header: cliAuth.header!, token: cliAuth.token } : undefined,
    applied_spec: masked(stack),
    children: [],
    process_tag: RUN_TAG,
  };
  writeState(paths, state);
  o.onListening?.();
  if (o.watch && o.loaded) reloader?.watch(o.loaded.files);

  // Keep the recorded child PIDs current so a SIGKILLed daemon's children can be reaped later.
  const recordChildren = () => {
    const children = gateway
      .status()
      .flatMap((s) => {
        // Every replica's process; a server without replica detail falls back to its own pid.
        const pids = s.replicas?.length
          ? s.replicas.flatMap((r) => (r.pid ? [r.pid] : []))
          : s.pid
            ? [s.pid]
            : [];
        // The start time tells this leader from a later process that reuses its pid.
        return pids.map((pid) => ({ server: s.name, pid, start: procEntry(pid)?.start }));
      })
      .sort((a, b) => a.pid - b.pid);
    if (state && JSON.stringify(children) !== JSON.stringify(state.children)) {
      state.children = children;
      writeState(paths, state);
    }
  };
  const childTimer = setInterval(recordChildren, 500);

  let stopping: Promise<void> | undefined;
  const stop = (why: string) => {
    stopping ??= (async () => {
      logger.info(`stopping (${why})`);
      clearInterval(childTimer);
      reloader?.close();
      skills.close();
      http.close();
      http.closeAllConnections();
      await gateway.close();
      await closeMetricsListener?.();
      offTelemetryLogs?.();
      await observed.close();
      await pins.flush();
      const current = readState(paths, stateName);
      if (current.kind === 'ok' && current.state.pid === process.pid) removeState(paths, stateName);
      logger.info('stopped');
    })();
    return stopping;
  };
  const onSignal = (sig: NodeJS.Signals) => void stop(sig);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    await gateway.start();
    recordChildren();
    o.onReady?.(rows());
    const closed = new Promise<void>((r) => http.once('close', r));
    await (o.stopSignal ? Promise.race([closed, o.stopSignal.then(() => stop('requested'))]) : closed);
    await stop('server closed');
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** The stack's `logging:` rotation settings (the reference's defaults: 100 MB, 3 backups, 7 days). */
export function logRotation(stack: Stack | undefined) {
  const l = stack?.logging;
  return {
    maxBytes: (l?.maxSizeMB ?? 100) * 1024 * 1024,
    backups: l?.maxBackups ?? 3,
    maxAgeDays: l?.maxAgeDays ?? 7,
  };
}

/** The daemon's log file: `--log-file` (from the working directory), else `logging.file` (from the stack file's folder). */
export function daemonLogFile(
  flag: string | undefined,
  stack: Stack,
  stackFile: string,
  cwd: string,
): string | undefined {
  if (flag) return resolve(cwd, flag);
  const f = stack.logging?.file;
  return f ? resolve(dirname(stackFile), f) : undefined;
}

/** Refuses a non-loopback listener without inbound auth, unless explicitly allowed. */
export function assertExposure(bind: string, stack: Stack | undefined, insecure = false): void {
  if (isLoopback(bind) || stack?.gateway?.auth || insecure || stack?.gateway?.insecure_allow_unauthenticated)
    return;
  throw new ApplyError(
    `refusing to listen on ${bind} without authentication. Either add gateway.auth to the stack ` +
      // biome-ignore lint/suspicious/noTemplateCurlyInString: literal stack-file syntax in the hint
      '(type: bearer, token: ${var:GATEWAY_TOKEN}), bind to 127.0.0.1 (drop --bind / gateway.bind), or ' +
      'pass --insecure-allow-unauthenticated (or set gateway.insecure_allow_unauthenticated: true) if this network is trusted',
  );
}

function inboundAuth(stack: Stack): InboundAuth | undefined {
  const a = stack.gateway?.auth;
  if (!a || a.type === 'oauth' || a.token === undefined) return undefined;
  return { type: a.type, token: a.token, header: a.header, clientTokens: a.client_tokens };
}

/** gateway.auth with `type: oauth` (the loader has checked issuer and audience are set). */
function inboundOAuth(stack: Stack): InboundOAuth | undefined {
  const a = stack.gateway?.auth;
  if (a?.type !== 'oauth' || !a.issuer || !a.audience) return undefined;
  return new InboundOAuth({
    issuer: a.issuer,
    audience: a.audience,
    scopes: a.scopes,
    jwksUri: a.jwks_uri,
    clientClaim: a.client_claim,
  });
}

function toRow(s: ServerStatus, servers: Stack['mcp-servers']): ServerStatusRow {
  const spec = servers.find((x) => x.name === s.name);
  const { kind, transport } = spec
    ? describeServer(spec)
    : { kind: 'unknown', transport: s.transport ?? '-' };
  return {
    name: s.name,
    kind,
    transport,
    state: s.state,
    reason: s.reason,
    stderr: s.stderr,
    tools: s.tools,
    restarts: s.restarts,
    pid: s.pid,
    replicaPolicy: s.replicaPolicy,
    replicas: s.replicas,
    autoscale: s.autoscale,
    pins: s.pins,
    ...(s.era ? { era: s.era } : {}),
    ...(s.protocolVersion ? { protocolVersion: s.protocolVersion } : {}),
  };
}

async function openPins(root: string, stateName: string, stack: Stack | undefined, logger: Logger) {
  const name = stack?.name ?? stateName;
  try {
    return await PinManager.open({
      file: pinsFile(root, name),
      stack: name,
      settings: stack ? pinSettings(stack) : undefined,
      logger,
    });
  } catch (err) {
    if (err instanceof PinError) throw new ApplyError(`schema pins: ${err.message}`);
    throw err;
  }
}

/** The host a client's entry names for this gateway: localhost for loopback and wildcard binds. */
function linkHost(bind: string): string {
  if (['0.0.0.0', '::', '127.0.0.1', '::1'].includes(bind)) return 'localhost';
  return bind.includes(':') ? `[${bind}]` : bind;
}
