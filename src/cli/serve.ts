// `gridctl serve`: the stackless daemon (API only; stack routes answer 503 until a saved stack is
// loaded with POST /api/stack/initialize). `gridctl stop` ends it.
import { destroyStack, stopPid } from '../controller/destroy.js';
import { assertExposure, runStack, STACKLESS } from '../controller/gateway-builder.js';
import { probeOrphan } from '../controller/orphan-daemon.js';
import { ApplyError, preflight, startDaemon } from '../controller/stack-controller.js';
import type { LogLevel } from '../logging/logger.js';
import type { CliContext, CommandRegistrar } from './context.js';
import { fail, homeFor, withHome } from './options.js';
import { createReporter } from './progress.js';

export interface ServeFlags {
  foreground?: boolean;
  port: string;
  bind: string;
  watch?: boolean;
  logLevel: string;
  home?: string;
  daemonChild?: boolean;
  insecureAllowUnauthenticated?: boolean;
  /** false with `apply --no-expand` (a stack loaded later through the API reads its specs as written). */
  expand?: boolean;
}

export const registerServe: CommandRegistrar = (program, ctx) => {
  const cmd = withHome(program.command('serve'))
    .description('Start the gateway without a stack (load a saved one later through the API)')
    .option('-f, --foreground', 'run in this terminal instead of as a daemon')
    .option('-p, --port <port>', 'gateway port', '8180')
    .option('--bind <address>', 'listen address', '127.0.0.1')
    .option('-w, --watch', 'reload a loaded stack when its file changes')
    .option('--insecure-allow-unauthenticated', 'allow a non-loopback --bind without gateway.auth')
    .option('--log-level <level>', 'debug | info | warn | error', 'info')
    // biome-ignore lint/suspicious/noTemplateCurlyInString: spec-file expansion syntax, not a template
    .option('--no-expand', 'read OpenAPI spec files as written (no ${NAME} expansion from the environment)')
    .option('--daemon-child', 'internal: run as the forked daemon');
  const child = cmd.options.find((o) => o.long === '--daemon-child');
  if (child) child.hidden = true;
  cmd.action((flags: ServeFlags) => serve(ctx, flags));

  withHome(program.command('stop'))
    .description('Stop the stackless gateway started by `gridctl serve`')
    .option('-p, --port <port>', 'where to look for a gateway without a state file', '8180')
    .option('--force', 'stop a gridctl daemon that answers on --port but has no state file (an orphan)')
    .action((flags: { home?: string; port: string; force?: boolean }) => stop(ctx, flags));
};

async function stop(ctx: CliContext, flags: { home?: string; port: string; force?: boolean }) {
  const paths = homeFor(ctx, flags);
  const outcome = await destroyStack(paths, STACKLESS);
  if (outcome.kind === 'stopped') {
    ctx.stdout.write(`Stopped the stackless gateway (PID ${outcome.pid}).\n`);
    return;
  }
  // No state file: maybe an orphan still holds the port (its home deleted, its state file lost).
  const port = Number(flags.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    fail(ctx, `--port ${flags.port}: use a whole number from 1 to 65535`);
    return;
  }
  const probe = await probeOrphan(paths, port);
  if (probe.kind === 'orphan' && flags.force) {
    const clean = await stopPid(probe.pid, 10_000);
    ctx.stdout.write(
      `Stopped the gridctl daemon on port ${port} that had no state file (PID ${probe.pid}${clean ? '' : ', killed after 10 s'}).\n`,
    );
    return;
  }
  if (probe.kind === 'orphan') {
    fail(
      ctx,
      `the stackless gateway has no state file, but a gridctl daemon (PID ${probe.pid}) answers on port ${port}: stop it with \`gridctl stop --force${port === 8180 ? '' : ` -p ${port}`}\``,
    );
    return;
  }
  if (probe.kind === 'foreign' && flags.force) {
    fail(ctx, `--force: ${probe.reason}; not stopping it`);
    return;
  }
  ctx.stdout.write('The stackless gateway is not running.\n');
}

/** The stackless gateway: `gridctl serve`, and `gridctl apply` given no file. */
export async function serve(ctx: CliContext, flags: ServeFlags): Promise<void> {
  const port = Number(flags.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    fail(ctx, `--port ${flags.port}: use a whole number from 1 to 65535`);
    return;
  }
  const paths = homeFor(ctx, flags);
  const report = createReporter(ctx, { quiet: false, silent: flags.daemonChild === true });
  const run = {
    paths,
    bind: flags.bind,
    port,
    watch: flags.watch === true,
    insecure: flags.insecureAllowUnauthenticated === true,
    logLevel: flags.logLevel as LogLevel,
    env: ctx.env,
    noExpand: flags.expand === false,
  };
  try {
    if (flags.daemonChild) {
      await runStack({ ...run, foreground: false });
      return;
    }
    assertExposure(flags.bind, undefined, run.insecure);
    const lock = await preflight(paths, STACKLESS, { bind: flags.bind, port }, report);
    if (flags.foreground) {
      await runStack({ ...run, foreground: true, out: ctx.stderr, onListening: () => lock.release() });
      return;
    }
    try {
      await startDaemon(
        paths,
        {
          name: STACKLESS,
          command: [
            'serve',
            ...(run.insecure ? ['--insecure-allow-unauthenticated'] : []),
            ...(run.noExpand ? ['--no-expand'] : []),
          ],
          bind: flags.bind,
          port,
          logLevel: flags.logLevel,
          watch: run.watch,
          readyTimeoutMs: 30_000,
          env: ctx.env,
          waitOn: '/health',
        },
        report,
      );
    } finally {
      lock.release();
    }
    report.stop();
    ctx.stdout.write(`Gateway (no stack loaded) on http://localhost:${port}\nStop it with: gridctl stop\n`);
  } catch (err) {
    report.stop();
    fail(ctx, err instanceof ApplyError ? err.message : (err as Error).message);
  }
}
