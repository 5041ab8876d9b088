// `gridctl export [NAME|FILE]`: a stack file for what a running stack runs. When the stack file on
// disk is still what was applied, that file is the answer (comments and `${var:KEY}` references
// kept). Otherwise the applied spec is written out, as resolved at apply: every stored value and
// credential in it is `[REDACTED]` (the state file never holds them), and export says where.
import { existsSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { stringify } from 'yaml';
import { diffStacks } from '../config/diff.js';
import type { Stack } from '../config/index.js';
import { loadForRun } from '../controller/secrets.js';
import { runningTarget } from '../controller/targets.js';
import { coded } from '../errors/coded.js';
import type { CommandRegistrar } from './context.js';
import { fail, homeFor, withHome } from './options.js';

const REDACTED = '[REDACTED]';

export const registerExport: CommandRegistrar = (program, ctx) => {
  withHome(program.command('export'))
    .description('Print a stack file for what a running stack runs')
    .argument('[target]', 'stack name or file (default: the only running stack)')
    .option('-o, --output <file>', 'write it to this file instead of stdout')
    .option('--format <format>', 'yaml | json', 'yaml')
    .action(async (target: string | undefined, opts: { home?: string; output?: string; format: string }) => {
      if (!['yaml', 'json'].includes(opts.format)) {
        fail(ctx, `--format ${opts.format}: use yaml or json`);
        return;
      }
      const paths = homeFor(ctx, opts);
      try {
        const state = await runningTarget(paths, target, ctx.cwd);
        const applied = state.applied_spec as Stack | undefined;
        if (!applied)
          throw coded(
            'STACK_NO_APPLIED_SPEC',
            `stack '${state.stack_name}' recorded no applied spec; re-apply it with this gridctl`,
          );
        let text: string | undefined;
        // The file itself, if it still loads to what runs (compared like plan: secrets masked).
        if (opts.format === 'yaml' && state.stack_file && existsSync(state.stack_file)) {
          const { loaded, redact } = await loadForRun(state.stack_file, ctx.env, paths).catch(() => ({
            loaded: undefined,
            redact: (t: string) => t,
          }));
          if (loaded?.ok && loaded.stack) {
            const proposed = JSON.parse(redact(JSON.stringify(loaded.stack))) as Stack;
            if (!diffStacks(applied, proposed).hasChanges) {
              text = await readFile(state.stack_file, 'utf8');
              ctx.stderr.write(`${state.stack_file} is what runs; exported as it is.\n`);
            }
          }
        }
        if (text === undefined) {
          const places = redactedPaths(applied);
          text = opts.format === 'json' ? `${JSON.stringify(applied, null, 2)}\n` : stringify(applied);
          ctx.stderr.write(
            places.length > 0
              ? `Exported the applied spec. ${places.length} value(s) are secrets and read ${REDACTED}; put a \${var:KEY} reference in each: ${places.join(', ')}\n`
              : 'Exported the applied spec (defaults filled in).\n',
          );
        }
        if (opts.output) {
          writeFileSync(resolve(ctx.cwd, opts.output), text, { mode: 0o600 });
          ctx.stderr.write(`Wrote ${opts.output}\n`);
        } else {
          ctx.stdout.write(text);
        }
      } catch (err) {
        fail(ctx, (err as Error).message);
      }
    });
};

/** Dotted paths of every `[REDACTED]` string in the spec. */
function redactedPaths(v: unknown, at = ''): string[] {
  if (typeof v === 'string') return v.includes(REDACTED) ? [at] : [];
  if (Array.isArray(v)) return v.flatMap((x, i) => redactedPaths(x, `${at}[${i}]`));
  if (v && typeof v === 'object') {
    return Object.entries(v).flatMap(([k, x]) => redactedPaths(x, at ? `${at}.${k}` : k));
  }
  return [];
}
