// `gridctl destroy FILE|NAME`: stop a stack's daemon and everything it started. Idempotent.
import { destroyStack } from '../controller/destroy.js';
import { soleRunning, stackNameFrom, TargetError } from '../controller/targets.js';
import { destroyWorkloads, expectsContainers } from '../controller/workloads.js';
import type { CommandRegistrar } from './main.js';
import { fail, homeFor, withHome } from './options.js';

export const registerDestroy: CommandRegistrar = (program, ctx) => {
  withHome(program.command('destroy'))
    .description('Stop a stack: its gateway daemon and every process it started')
    .argument('[target]', 'stack file or stack name (default: the only running stack)')
    .option('--json', 'machine-readable output')
    .action(async (target: string | undefined, opts: { home?: string; json?: boolean }) => {
      const paths = homeFor(ctx, opts);
      try {
        const name = target ? await stackNameFrom(target, ctx.cwd) : soleRunning(paths).stack_name;
        const expectContainers = await expectsContainers(paths, name, target, ctx.cwd);
        const outcome = await destroyStack(paths, name);
        // After the daemon stopped: its containers and networks, by label (images and volumes stay).
        const removed = await destroyWorkloads(name, { env: ctx.env, expectContainers });
        if (removed.warning) ctx.stderr.write(`${ctx.paint('yellow', 'Warning:')} ${removed.warning}\n`);
        if (opts.json) {
          const { containers, networks } = removed;
          ctx.stdout.write(`${JSON.stringify({ stack: name, ...outcome, containers, networks })}\n`);
          return;
        }
        if (removed.containers.length + removed.networks.length > 0) {
          ctx.stdout.write(
            `Removed ${removed.containers.length} container(s) and ${removed.networks.length} network(s) of '${name}'.\n`,
          );
        }
        switch (outcome.kind) {
          case 'stopped':
            ctx.stdout.write(
              `Stopped stack '${name}' (PID ${outcome.pid}${outcome.forced ? ', killed after the grace period' : ''}).\n`,
            );
            break;
          case 'stale':
            ctx.stdout.write(`Stack '${name}' was not running; cleaned up its stale state.\n`);
            break;
          case 'not-running':
            ctx.stdout.write(`Stack '${name}' is not running; nothing to do.\n`);
            break;
        }
        if (outcome.kind !== 'not-running' && outcome.reaped.length > 0) {
          ctx.stdout.write(`Stopped ${outcome.reaped.length} leftover server process(es).\n`);
        }
      } catch (err) {
        fail(ctx, err instanceof TargetError ? err.message : (err as Error).message);
      }
    });
};
