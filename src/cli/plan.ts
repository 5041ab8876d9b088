// `gridctl plan FILE`: what applying FILE would change, compared with the stack as applied (the
// snapshot in the state file, so an in-place edit of the running file shows up). `-y` applies it:
// in place through reload when possible, else by replacing the running stack.
import { createInterface } from 'node:readline/promises';
import { type DiffItem, diffStacks } from '../config/diff.js';
import type { LoadResult, Stack } from '../config/index.js';
import { destroyStack } from '../controller/destroy.js';
import { loadForRun } from '../controller/secrets.js';
import { describeDeclared, reconcileLinks } from '../link/declared.js';
import { clientEnv } from '../link/dialects.js';
import { readState } from '../state/state-file.js';
import { apply, applyDefaults } from './apply.js';
import type { CliContext, CommandRegistrar } from './context.js';
import { fail, homeFor, withHome } from './options.js';
import { print, reloadOne } from './reload.js';

const RELOADABLE = new Set(['mcp-server', 'policy']);

export const registerPlan: CommandRegistrar = (program, ctx) => {
  withHome(program.command('plan'))
    .description('Show what applying a stack file would change')
    .argument('<file>', 'stack file')
    .option('--json', 'machine-readable output')
    .option('--format <format>', 'text | json (json is --json)')
    .option('-y, --auto-approve', 'apply the changes without asking')
    .action(
      async (
        file: string,
        opts: { home?: string; json?: boolean; format?: string; autoApprove?: boolean },
      ) => {
        const paths = homeFor(ctx, opts);
        if (opts.format !== undefined && !['text', 'json'].includes(opts.format)) {
          fail(ctx, `--format ${opts.format}: use text or json`);
          return;
        }
        if (opts.json && opts.format === 'text') {
          fail(ctx, '--json and --format text contradict each other; pass one');
          return;
        }
        if (opts.format === 'json') opts.json = true;
        let loaded: LoadResult;
        let redact: (text: string) => string;
        try {
          ({ loaded, redact } = await loadForRun(file, ctx.env, paths));
          ctx.setRedactor(redact);
        } catch (err) {
          fail(ctx, (err as Error).message);
          return;
        }
        if (!loaded.ok || !loaded.stack) {
          fail(ctx, `${file} has errors; run \`gridctl validate ${file}\` for details`);
          for (const i of loaded.issues.filter((x) => x.severity === 'error')) {
            ctx.stderr.write(`  ✗ ${i.line ? `${i.line}:${i.column ?? 1} ` : ''}${i.field}: ${i.message}\n`);
          }
          return;
        }
        // The snapshot in the state file has its secrets masked: compare like with like.
        const proposed = JSON.parse(redact(JSON.stringify(loaded.stack))) as Stack;
        const read = readState(paths, proposed.name);
        const running = read.kind === 'ok' && read.alive ? read.state : undefined;
        const current = running?.applied_spec as Stack | undefined;
        const diff = diffStacks(current, proposed);
        // What apply would do with the stack's `link:` block (dry runs: nothing is written).
        const links = loaded.stack.link?.length
          ? describeDeclared(
              reconcileLinks(loaded.stack, clientEnv(ctx.env, ctx.cwd), paths.root, {
                port: running?.port ?? 8180,
                dryRun: true,
              }),
            ).map((l) => l.line)
          : [];

        if (opts.json) {
          const clientLinks = links.length > 0 ? { clientLinks: links } : {};
          ctx.stdout.write(
            `${JSON.stringify({ stack: proposed.name, running: Boolean(running), ...diff, ...clientLinks }, null, 2)}\n`,
          );
        } else {
          render(ctx, proposed.name, Boolean(running), diff.items, diff.summary);
          if (links.length > 0) {
            ctx.stdout.write('\nClient links (made once apply is healthy):\n');
            for (const l of links) ctx.stdout.write(`  ${l}\n`);
          }
        }
        if (!diff.hasChanges) return;
        if (!opts.autoApprove && (opts.json || !(await confirm(ctx)))) return;
        if (!running) {
          await apply(ctx, file, applyDefaults({ home: opts.home }));
          return;
        }
        if (diff.items.every((i) => RELOADABLE.has(i.kind)) && running.stack_file === loaded.file) {
          const r = await reloadOne(running);
          print(ctx, proposed.name, r);
          if (!r.success) ctx.exitCode = 1;
          return;
        }
        // Gateway, network or file changes need a fresh start: replace the running stack.
        await destroyStack(paths, proposed.name);
        ctx.stdout.write(`Stopped '${proposed.name}' to replace it.\n`);
        await apply(ctx, file, applyDefaults({ home: opts.home, port: String(running.port) }));
      },
    );
};

function render(
  ctx: CliContext,
  name: string,
  running: boolean,
  items: DiffItem[],
  summary: { add: number; change: number; remove: number },
): void {
  if (items.length === 0) {
    ctx.stdout.write(`No changes. Stack '${name}' is up to date.\n`);
    return;
  }
  if (!running) ctx.stdout.write(`Stack '${name}' is not running; everything would be created.\n`);
  ctx.stdout.write(
    `Plan: ${summary.add} to add, ${summary.change} to change, ${summary.remove} to remove\n\n`,
  );
  const sign = {
    add: ctx.paint('green', '+'),
    change: ctx.paint('yellow', '~'),
    remove: ctx.paint('red', '-'),
  };
  for (const i of items) {
    ctx.stdout.write(`  ${sign[i.action]} ${i.kind} "${i.name}"\n`);
    for (const d of i.details) ctx.stdout.write(`      ${d}\n`);
  }
}

async function confirm(ctx: CliContext): Promise<boolean> {
  if (!process.stdin.isTTY) {
    ctx.stdout.write('\nRun again with -y to apply these changes.\n');
    return false;
  }
  const rl = createInterface({ input: process.stdin, output: ctx.stdout });
  try {
    return /^y(es)?$/i.test((await rl.question('\nApply these changes? [y/N] ')).trim());
  } finally {
    rl.close();
  }
}
