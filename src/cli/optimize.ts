// `gridctl optimize [NAME]`: what to cut from a running stack, from the calls it has seen and the
// token cost of its tool schemas. Exit 0 with nothing to suggest, 1 with findings.
import { apiGet, runningTarget } from '../controller/targets.js';
import type { Finding, Severity } from '../observability/optimize.js';
import type { CommandRegistrar } from './context.js';
import { fail, homeFor, withHome } from './options.js';

interface Report {
  since: string;
  calls: number;
  findings: Finding[];
}

const SEVERITIES: Severity[] = ['info', 'warn', 'critical'];

export const registerOptimize: CommandRegistrar = (program, ctx) => {
  withHome(program.command('optimize'))
    .description(
      'Suggest what to cut from a running stack: unused servers and tools, costly schemas, code mode, output formats',
    )
    .argument('[target]', 'stack name or file (default: the only running stack)')
    .option('--min-impact <tokens>', 'only findings that save at least this many tokens', '0')
    .option('--severity <list>', 'only these severities (comma-separated: info,warn,critical)')
    .option('--format <format>', 'text or json', 'text')
    .action(
      async (
        target: string | undefined,
        opts: { home?: string; minImpact: string; severity?: string; format: string },
      ) => {
        const paths = homeFor(ctx, opts);
        const wanted = opts.severity?.split(',').map((s) => s.trim()) ?? SEVERITIES;
        const bad = wanted.find((s) => !SEVERITIES.includes(s as Severity));
        if (bad) return fail(ctx, `--severity ${bad}: use info, warn or critical`);
        const min = Number(opts.minImpact);
        if (!Number.isFinite(min) || min < 0)
          return fail(ctx, `--min-impact ${opts.minImpact}: not a number of tokens`);
        try {
          const state = await runningTarget(paths, target, ctx.cwd);
          const report = await apiGet<Report>(state, '/api/optimize');
          const findings = report.findings.filter((f) => f.impact >= min && wanted.includes(f.severity));
          ctx.exitCode = findings.length > 0 ? 1 : 0;
          if (opts.format === 'json') {
            ctx.stdout.write(`${JSON.stringify({ ...report, findings }, null, 2)}\n`);
            return;
          }
          ctx.stdout.write(
            `Stack '${state.stack_name}': ${report.calls} call(s) seen since ${report.since}.\n`,
          );
          if (findings.length === 0) {
            ctx.stdout.write('Nothing to suggest.\n');
            return;
          }
          for (const f of findings) {
            const tone = f.severity === 'critical' ? 'red' : f.severity === 'warn' ? 'yellow' : 'dim';
            ctx.stdout.write(
              `\n${ctx.paint(tone, f.severity.toUpperCase())} ${f.kind}: ${f.message}\n  saves ~${f.impact.toLocaleString('en-US')} tokens per ${f.per}\n  ${f.fix.replaceAll('\n', '\n  ')}\n`,
            );
          }
        } catch (err) {
          fail(ctx, (err as Error).message);
        }
      },
    );
};
