// `gridctl destroy FILE|NAME`: stop a stack's daemon and everything it started. Idempotent.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadStack } from '../config/index.js';
import type { Stack } from '../config/schema.js';
import { destroyStack } from '../controller/destroy.js';
import { soleRunning, stackNameFrom, TargetError } from '../controller/targets.js';
import { destroyWorkloads, expectsContainers } from '../controller/workloads.js';
import { describeDeclared, unlinkDeclared } from '../link/declared.js';
import { clientEnv } from '../link/dialects.js';
import { readState } from '../state/state-file.js';
import type { CommandRegistrar } from './context.js';
import { fail, homeFor, withHome } from './options.js';

export const registerDestroy: CommandRegistrar = (program, ctx) => {
  withHome(program.command('destroy'))
    .description('Stop a stack: its gateway daemon and every process it started')
    .argument('[target]', 'stack file or stack name (default: the only running stack)')
    .option('--unlink', "also remove the stack's `link:` entries from the clients' config files")
    .option('--json', 'machine-readable output')
    .action(async (target: string | undefined, opts: { home?: string; json?: boolean; unlink?: boolean }) => {
      const paths = homeFor(ctx, opts);
      try {
        const name = target ? await stackNameFrom(target, ctx.cwd) : soleRunning(paths).stack_name;
        const expectContainers = await expectsContainers(paths, name, target, ctx.cwd);
        // Read before the state file goes: it names the stack file when only a name was given.
        const declared = opts.unlink
          ? await declaredLinksOf(paths, name, target, ctx.cwd).catch((err: Error) => {
              ctx.stderr.write(`${ctx.paint('yellow', 'Warning:')} ${err.message}\n`);
              return undefined;
            })
          : undefined;
        const outcome = await destroyStack(paths, name);
        // After the daemon stopped: its containers and networks, by label (images and volumes stay).
        const removed = await destroyWorkloads(name, { env: ctx.env, expectContainers });
        if (removed.warning) ctx.stderr.write(`${ctx.paint('yellow', 'Warning:')} ${removed.warning}\n`);
        const unlinked = declared
          ? describeDeclared(unlinkDeclared(declared, clientEnv(ctx.env, ctx.cwd), paths.root))
          : [];
        if (opts.json) {
          const { containers, networks } = removed;
          const links = opts.unlink ? { links: unlinked.map((l) => l.line) } : {};
          ctx.stdout.write(
            `${JSON.stringify({ stack: name, ...outcome, containers, networks, ...links })}\n`,
          );
          return;
        }
        for (const l of unlinked)
          ctx.stdout.write(`${l.warn ? `${ctx.paint('yellow', 'Warning:')} ` : ''}${l.line}\n`);
        if (declared && !declared.link?.length)
          ctx.stdout.write(`Stack '${name}' declares no \`link:\` entries.\n`);
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

/** The `link:` block of the stack being destroyed: from the file given, else the applied one. */
async function declaredLinksOf(
  paths: ReturnType<typeof homeFor>,
  name: string,
  target: string | undefined,
  cwd: string,
): Promise<{ link?: Stack['link'] }> {
  const read = readState(paths, name);
  const fromState = read.kind === 'ok' ? read.state.stack_file : undefined;
  const candidates = [target && resolve(cwd, target), fromState].filter(
    (f): f is string => !!f && existsSync(f),
  );
  for (const file of candidates) {
    const loaded = await loadStack(file, { mode: 'validate' });
    if (loaded.stack?.name === name) return { link: loaded.stack.link };
  }
  throw new TargetError(
    `--unlink: cannot find the stack file of '${name}' to read its \`link:\` block; run \`gridctl destroy <stack.yaml> --unlink\``,
  );
}
