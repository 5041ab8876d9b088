// `gridctl destroy FILE|NAME`: stop a stack's daemon and everything it started. Idempotent.
import { destroyStack } from '../controller/destroy.js';
import { soleRunning, stackNameFrom, TargetError } from '../controller/targets.js';
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
        const outcome = await destroyStack(paths, name);
        if (opts.json) {
          ctx.stdout.write(`${JSON.stringify({ stack: name, ...outcome })}\n`);
          return;
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
