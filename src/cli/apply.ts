// `gridctl apply [FILE]`: bring a stack up behind one MCP endpoint, as a daemon by default.
import { resolve } from 'node:path';
import type { StatusBody } from '../api/types.js';
import type { Issue } from '../config/index.js';
import type { Stack } from '../config/schema.js';
import { assertExposure, daemonLogFile, runStack } from '../controller/gateway-builder.js';
import { setCodeModeFlag } from '../controller/policies.js';
import { ApplyError, loadForApply, preflight, startDaemon } from '../controller/stack-controller.js';
import { apiGet } from '../controller/targets.js';
import { applyWorkloads, workloadsView } from '../controller/workloads.js';
import { describeDeclared, reconcileLinks } from '../link/declared.js';
import { clientEnv, DIALECTS, detected } from '../link/dialects.js';
import type { LogLevel } from '../logging/logger.js';
import { readState } from '../state/state-file.js';
import type { CliContext, CommandRegistrar } from './context.js';
import { fail, homeFor, withHome } from './options.js';
import { createReporter } from './progress.js';
import { stderrTails, table } from './render.js';

export interface ApplyFlags {
  foreground?: boolean;
  port: string;
  basePort: string;
  bind?: string;
  watch?: boolean;
  logFile?: string;
  logLevel: string;
  verbose?: boolean;
  quiet?: boolean;
  json?: boolean;
  strict?: boolean;
  home?: string;
  daemonChild?: boolean;
  insecureAllowUnauthenticated?: boolean;
  readyTimeout: string;
  runtime?: string;
  codeMode?: boolean;
  flash?: boolean;
  /** false with --no-cache (commander's negatable option). */
  cache?: boolean;
  /** false with --no-expand: OpenAPI spec files are read without `${NAME}` expansion. */
  expand?: boolean;
}

const DEFAULTS = { port: '8180', basePort: '9000', logLevel: 'info', readyTimeout: '60' } as const;

export const registerApply: CommandRegistrar = (program, ctx) => {
  const cmd = withHome(program.command('apply'))
    .description('Start a stack: every server behind one MCP endpoint (a background daemon by default)')
    .argument('[file]', 'stack file (stack.yaml); none: the gateway without a stack, as `gridctl serve`')
    .option('-f, --foreground', 'run in this terminal instead of as a daemon')
    .option('-p, --port <port>', 'gateway port', DEFAULTS.port)
    .option('--base-port <port>', 'first host port for container servers', DEFAULTS.basePort)
    .option('--bind <address>', 'listen address (default: gateway.bind or 127.0.0.1)')
    .option('-w, --watch', 'reload when the stack file changes')
    .option('--log-file <file>', 'daemon log file (default: logging.file, else <home>/logs/<stack>.log)')
    .option('--log-level <level>', 'debug | info | warn | error', DEFAULTS.logLevel)
    .option('-v, --verbose', 'print the resolved stack (secrets redacted) and debug logs')
    .option('-q, --quiet', 'print only the endpoint URL and errors')
    .option('--json', 'print the outcome as JSON (daemon mode)')
    .option('--strict', 'exit non-zero when any server fails to start')
    .option('--insecure-allow-unauthenticated', 'allow a non-loopback --bind without gateway.auth')
    .option(
      '--ready-timeout <seconds>',
      'how long to wait for every server to register',
      DEFAULTS.readyTimeout,
    )
    .option(
      '--runtime <engine>',
      'container engine: docker | podman (default: $GRIDCTL_RUNTIME, then detected)',
    )
    .option('--no-cache', 'build `source` images without the layer cache')
    // biome-ignore lint/suspicious/noTemplateCurlyInString: spec-file expansion syntax, not a template
    .option('--no-expand', 'read OpenAPI spec files as written (no ${NAME} expansion from the environment)')
    .option('--code-mode', 'list only the `search` and `execute` tools, as gateway.code_mode: "on" does')
    .option('--flash', "once ready, link every detected LLM client (the stack's `link:` block wins)")
    .option('--daemon-child', 'internal: run as the forked daemon');
  const child = cmd.options.find((o) => o.long === '--daemon-child');
  if (child) child.hidden = true;
  cmd.action(async (file: string | undefined, flags: ApplyFlags) => {
    if (file !== undefined) return apply(ctx, file, flags);
    ctx.stderr.write('No stack file given: starting the gateway without a stack, as `gridctl serve` does.\n');
    const { serve } = await import('./serve.js');
    await serve(ctx, {
      foreground: flags.foreground,
      port: flags.port,
      bind: flags.bind ?? '127.0.0.1',
      watch: flags.watch,
      logLevel: flags.logLevel,
      home: flags.home,
      insecureAllowUnauthenticated: flags.insecureAllowUnauthenticated,
      expand: flags.expand,
    });
  });
};

/** Flags as commander fills them when none are given. */
export function applyDefaults(overrides: Partial<ApplyFlags> = {}): ApplyFlags {
  return { ...DEFAULTS, ...overrides };
}

export async function apply(ctx: CliContext, file: string, flags: ApplyFlags): Promise<void> {
  const port = parsePort(flags.port, '--port');
  const basePort = parsePort(flags.basePort, '--base-port');
  const logLevel = flags.verbose ? 'debug' : flags.logLevel;
  if (port === undefined || basePort === undefined) {
    fail(ctx, 'ports must be whole numbers from 1 to 65535');
    return;
  }
  if (!['debug', 'info', 'warn', 'error'].includes(logLevel)) {
    fail(ctx, `--log-level ${logLevel}: use debug, info, warn or error`);
    return;
  }
  const paths = homeFor(ctx, flags);
  const report = createReporter(ctx, {
    quiet: flags.quiet === true || flags.json === true,
    silent: flags.daemonChild === true,
  });
  const watch = flags.watch === true;
  try {
    report.step(`Loading ${file}`);
    const { loaded, redact } = await loadForApply(resolve(ctx.cwd, file), ctx.env, paths);
    ctx.setRedactor(redact); // everything printed from here on, errors included
    const { stack } = loaded;
    report.done(`Loaded stack '${stack.name}' (${stack['mcp-servers'].length} servers)`);
    // Warnings never block an apply, but none passes in silence (NOT_IMPLEMENTED fields, ...).
    for (const i of loaded.issues) {
      if (i.severity === 'warning') report.note(`${issuePlace(i, file)} ${i.field}: ${i.message}`);
    }
    if (flags.verbose && !flags.daemonChild) {
      ctx.stderr.write(`${JSON.stringify(redactStack(stack), null, 2)}\n`);
    }
    const bind = flags.bind ?? stack.gateway?.bind ?? '127.0.0.1';
    const insecure = flags.insecureAllowUnauthenticated === true;
    if (flags.codeMode) setCodeModeFlag(true);
    const run = {
      loaded,
      redact,
      paths,
      bind,
      port,
      watch,
      insecure,
      logLevel: logLevel as LogLevel,
      env: ctx.env,
      basePort,
      runtimeFlag: flags.runtime,
      noExpand: flags.expand === false,
    };

    if (flags.daemonChild) {
      // The parent already holds the lock and checked port and state, and passes the log file.
      const containers = await workloadsView(stack, flags.runtime, ctx.env);
      await runStack({ ...run, foreground: false, containers, logFile: flags.logFile });
      return;
    }

    assertExposure(bind, stack, insecure);
    const lock = await preflight(paths, stack.name, { bind, port }, report);
    // Containers start here, in the parent, so their progress and failures reach this terminal and
    // a failed apply can remove what it started; the gateway process then finds them by label.
    const workloads = await applyWorkloads(stack, {
      flag: flags.runtime,
      noCache: flags.cache === false,
      basePort,
      stackFile: loaded.file,
      home: paths.root,
      env: ctx.env,
      report,
    }).catch((err: unknown) => {
      lock.release();
      throw err;
    });
    if (flags.foreground) {
      await runStack({
        ...run,
        containers: workloads.view,
        foreground: true,
        onListening: () => lock.release(),
        onReady: (servers) => {
          report.done(`Gateway ready on http://${hostFor(bind)}:${port}/mcp`);
          ctx.stderr.write(summary(servers));
          ctx.exitCode = strictCode(ctx, flags, servers);
          if (ctx.exitCode === 0)
            printLinks(ctx, linkDeclared(ctx, stack, paths.root, port, bind, flags.flash === true));
        },
        out: ctx.stderr,
      });
      return;
    }

    try {
      await startDaemon(
        paths,
        {
          name: stack.name,
          command: [
            'apply',
            resolve(ctx.cwd, file),
            '--base-port',
            String(basePort),
            ...(insecure ? ['--insecure-allow-unauthenticated'] : []),
            ...(flags.runtime ? ['--runtime', flags.runtime] : []),
            ...(flags.codeMode ? ['--code-mode'] : []),
            ...(flags.expand === false ? ['--no-expand'] : []),
          ],
          bind,
          port,
          logLevel,
          logFile: daemonLogFile(flags.logFile, stack, loaded.file, ctx.cwd),
          logBackups: stack.logging?.maxBackups,
          logMaxAgeDays: stack.logging?.maxAgeDays,
          watch,
          readyTimeoutMs: Number(flags.readyTimeout) * 1000 || 60_000,
          env: ctx.env,
          waitOn: '/ready',
        },
        report,
      );
    } catch (err) {
      await workloads.rollback();
      throw err;
    } finally {
      lock.release();
    }
    const read = readState(paths, stack.name);
    if (read.kind !== 'ok') throw new ApplyError('the daemon is ready but wrote no state file');
    const status = await apiGet<StatusBody>(read.state, '/api/status');
    report.stop();
    const endpoint = `http://${hostFor(bind)}:${port}/mcp`;
    ctx.exitCode = strictCode(ctx, flags, status.servers);
    // The declared `link:` block, once the gateway answers (not after a --strict failure).
    const links =
      ctx.exitCode === 0 ? linkDeclared(ctx, stack, paths.root, port, bind, flags.flash === true) : [];
    if (flags.json) {
      const out = {
        stack: stack.name,
        endpoint,
        pid: read.state.pid,
        port,
        servers: status.servers,
        ...(links.length > 0 ? { links: links.map((l) => l.line) } : {}),
      };
      ctx.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    } else if (flags.quiet) {
      ctx.stdout.write(`${endpoint}\n`);
    } else {
      ctx.stdout.write(`\n${summary(status.servers)}\n`);
      ctx.stdout.write(`MCP endpoint: ${ctx.paint('bold', endpoint)}\n`);
      ctx.stdout.write(`Stop it with: gridctl destroy ${stack.name}\n`);
      printLinks(ctx, links);
    }
  } catch (err) {
    report.stop();
    if (err instanceof ApplyError) {
      fail(ctx, err.message);
      for (const i of err.issues) {
        ctx.stderr.write(`  ${ctx.paint('red', '✗')} ${issuePlace(i, file)} ${i.field}: ${i.message}\n`);
        if (i.hint) ctx.stderr.write(`      ${i.hint}\n`);
      }
      return;
    }
    fail(ctx, (err as Error).message);
  }
}

function linkDeclared(
  ctx: CliContext,
  stack: Stack,
  home: string,
  port: number,
  bind: string,
  flash: boolean,
): { line: string; warn: boolean }[] {
  const ce = clientEnv(ctx.env, ctx.cwd);
  const notice = [];
  let declared: Pick<Stack, 'link'> = stack;
  if (flash && stack.link?.length) {
    notice.push({
      line: "--flash: the stack's `link:` block says which clients to link; linking those",
      warn: false,
    });
  } else if (flash) {
    const all = DIALECTS.filter((d) => detected(d, ce)).map(
      (d) => d.slug as NonNullable<Stack['link']>[number],
    );
    if (all.length === 0)
      notice.push({ line: '--flash: no LLM client detected on this machine', warn: true });
    declared = { link: all };
  }
  if (!declared.link?.length) return notice;
  if (stack.gateway?.auth) {
    notice.push({
      line: "the stack sets gateway.auth: add its credential to each linked client's entry yourself (gridctl does not write tokens into client files)",
      warn: true,
    });
  }
  return [...notice, ...describeDeclared(reconcileLinks(declared, ce, home, { port, host: hostFor(bind) }))];
}

function printLinks(ctx: CliContext, links: { line: string; warn: boolean }[]): void {
  for (const l of links) {
    ctx.stderr.write(`${l.warn ? `${ctx.paint('yellow', 'Warning:')} ` : ''}${l.line}\n`);
  }
}

function issuePlace(i: Issue, file: string): string {
  return i.line ? `${i.file ?? file}:${i.line}:${i.column ?? 1}` : (i.file ?? file);
}

function strictCode(ctx: CliContext, flags: ApplyFlags, servers: StatusBody['servers']): number {
  // Waiting for a person is not a failure: say how to sign in (docs/oauth.md).
  for (const s of servers.filter((x) => x.state === 'needs auth')) {
    ctx.stderr.write(
      `${ctx.paint('yellow', 'Sign in:')} ${s.name} needs authorization: run \`gridctl auth login ${s.name}\`\n`,
    );
  }
  const failed = servers.filter((s) => s.state === 'failed');
  if (failed.length === 0) return 0;
  const names = failed.map((s) => `${s.name} (${s.reason ?? 'failed'})`).join(', ');
  ctx.stderr.write(`${ctx.paint('yellow', 'Warning:')} failed to start: ${names}\n`);
  return flags.strict ? 1 : 0;
}

function summary(servers: StatusBody['servers']): string {
  return `${table(
    ['NAME', 'KIND', 'TRANSPORT', 'STATE', 'TOOLS'],
    servers.map((s) => [
      s.name,
      s.kind,
      s.transport,
      s.reason ? `${s.state} (${s.reason})` : s.state,
      String(s.tools),
    ]),
  )}${stderrTails(servers)}`;
}

function hostFor(bind: string): string {
  if (bind === '0.0.0.0' || bind === '::') return 'localhost';
  return bind.includes(':') ? `[${bind}]` : bind === '127.0.0.1' ? 'localhost' : bind;
}

function parsePort(raw: string, _flag: string): number | undefined {
  const n = Number(raw);
  return Number.isInteger(n) && n > 0 && n <= 65535 ? n : undefined;
}

/** The resolved stack with secrets masked, for `apply -v`. */
function redactStack(stack: unknown): unknown {
  const SECRET = /token|secret|password|value|credential|key$/i;
  const walk = (v: unknown, key = ''): unknown => {
    if (Array.isArray(v)) return v.map((x) => walk(x));
    if (v && typeof v === 'object') {
      return Object.fromEntries(
        Object.entries(v).map(([k, x]) => [k, key === 'env' ? '[REDACTED]' : walk(x, k)]),
      );
    }
    return typeof v === 'string' && SECRET.test(key) ? '[REDACTED]' : v;
  };
  return walk(stack);
}
