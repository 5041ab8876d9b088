// `gridctl limits [NAME]`: the running stack's rate-limit buckets with their live state.
import { apiGet, runningTarget } from '../controller/targets.js';
import type { BucketState } from '../gateway/pipeline/rate-limit/rate-limit.js';
import type { CommandRegistrar } from './context.js';
import { fail, homeFor, withHome } from './options.js';
import { table } from './render.js';

export const registerLimits: CommandRegistrar = (program, ctx) => {
  withHome(program.command('limits'))
    .description("Show a running stack's rate limits (limits.rate_limits) and what each bucket holds now")
    .argument('[target]', 'stack name or file (default: the only running stack)')
    .option('--json', 'machine-readable output')
    .action(async (target: string | undefined, opts: { home?: string; json?: boolean }) => {
      const paths = homeFor(ctx, opts);
      try {
        const state = await runningTarget(paths, target, ctx.cwd);
        const buckets = await apiGet<BucketState[]>(state, '/api/limits');
        if (opts.json) {
          ctx.stdout.write(`${JSON.stringify(buckets, null, 2)}\n`);
          return;
        }
        if (buckets.length === 0) {
          ctx.stdout.write(
            `Stack '${state.stack_name}' has no rate limits (add them under limits.rate_limits).\n`,
          );
          return;
        }
        ctx.stdout.write(
          table(
            ['SCOPE', 'KEY', 'CALLS/MIN', 'BURST', 'TOKENS', 'STATE', 'ALLOWED', 'DENIED'],
            buckets.map((b) => [
              b.scope,
              b.key,
              String(b.callsPerMinute),
              String(b.burst),
              String(b.tokens),
              b.state === 'ok'
                ? ctx.paint('green', 'ok')
                : ctx.paint('red', `exceeded (retry in ~${b.retryAfterSeconds ?? 1}s)`),
              String(b.allowed),
              String(b.denied),
            ]),
          ),
        );
      } catch (err) {
        fail(ctx, (err as Error).message);
      }
    });
};
