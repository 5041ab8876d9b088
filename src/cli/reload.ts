// `gridctl reload [NAME|FILE]`: apply the stack file's current content to its running gateway.
import type { ReloadResult } from '../controller/reloader.js';
import { apiUrl, authHeaders, runningStates, stackNameFrom, TargetError } from '../controller/targets.js';
import { coded } from '../errors/coded.js';
import type { DaemonState } from '../state/state-file.js';
import type { CliContext, CommandRegistrar } from './context.js';
import { fail, homeFor, withHome } from './options.js';

export const registerReload: CommandRegistrar = (program, ctx) => {
  withHome(program.command('reload'))
    .description('Apply an edited stack file to its running gateway, in place')
    .argument('[target]', 'stack name or file (default: every running stack)')
    .option('--json', 'machine-readable output')
    .action(async (target: string | undefined, opts: { home?: string; json?: boolean }) => {
      const paths = homeFor(ctx, opts);
      try {
        const running = runningStates(paths);
        let targets = running;
        if (target) {
          const name = await stackNameFrom(target, ctx.cwd);
          targets = running.filter((s) => s.stack_name === name);
          if (targets.length === 0)
            throw new TargetError(`stack '${name}' is not running (see \`gridctl status\`)`);
        } else if (running.length === 0) {
          throw new TargetError('no stack is running (start one with `gridctl apply stack.yaml`)');
        }
        const results: { stack: string; result: ReloadResult }[] = [];
        for (const state of targets)
          results.push({ stack: state.stack_name, result: await reloadOne(state) });
        if (opts.json) ctx.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
        else for (const r of results) print(ctx, r.stack, r.result);
        if (results.some((r) => !r.result.success)) ctx.exitCode = 1;
      } catch (err) {
        fail(ctx, (err as Error).message);
      }
    });
};

export async function reloadOne(state: DaemonState): Promise<ReloadResult> {
  const res = await fetch(apiUrl(state, '/api/reload'), {
    method: 'POST',
    headers: authHeaders(state),
    signal: AbortSignal.timeout(120_000),
  });
  const body = (await res.json()) as ReloadResult | { error: { message: string } };
  if ('error' in body)
    throw coded('STACK_RELOAD_FAILED', `reload of '${state.stack_name}': ${body.error.message}`);
  return body;
}

export function print(ctx: CliContext, stack: string, r: ReloadResult): void {
  const mark = r.success ? ctx.paint('green', '✓') : ctx.paint('red', '✗');
  ctx.stdout.write(`${mark} Stack '${stack}': ${r.message}\n`);
  const list = (title: string, items: string[]) => {
    if (items.length > 0) ctx.stdout.write(`  ${title}: ${items.join(', ')}\n`);
  };
  list('Added', r.added);
  list('Modified', r.modified);
  list('Removed', r.removed);
  for (const e of r.errors) ctx.stdout.write(`  ${ctx.paint('red', 'Error')}: ${e}\n`);
}
