// Options several commands share, declared once.
import type { Command } from 'commander';
import { type HomePaths, resolveHome } from '../state/paths.js';
import type { CliContext } from './context.js';

export function withHome(cmd: Command): Command {
  return cmd.option('--home <dir>', 'gridctl home folder (default: $GRIDCTL_HOME or ~/.gridctl)');
}

export function homeFor(ctx: CliContext, opts: { home?: string }): HomePaths {
  return resolveHome({ home: opts.home, env: ctx.env });
}

/** Prints an error the way every command does: one line, no stack trace, exit code 1. */
export function fail(ctx: CliContext, message: string, code = 1): void {
  ctx.stderr.write(`${ctx.paint('red', 'Error:')} ${message}\n`);
  ctx.exitCode = code;
}
