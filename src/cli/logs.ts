// `gridctl logs [NAME]`: the daemon's log, which also carries each server's stderr tagged [server].
// Reads the file directly, so it works for stopped stacks too.
import { closeSync, openSync, readSync, statSync, watch } from 'node:fs';
import { parseDuration } from '../config/index.js';
import { runningStates } from '../controller/targets.js';
import { listStates } from '../state/state-file.js';
import type { CommandRegistrar } from './context.js';
import { fail, homeFor, withHome } from './options.js';

interface LogsOptions {
  home?: string;
  follow?: boolean;
  server?: string;
  since?: string;
  lines?: string;
  tail?: string;
  stack?: string;
}

export const registerLogs: CommandRegistrar = (program, ctx) => {
  withHome(program.command('logs'))
    .description("Show a stack's log: the gateway's own lines and each server's stderr")
    .argument('[name]', 'stack name (default: the only running stack)')
    .option('-f, --follow', 'keep printing new lines')
    .option('--server <name>', "only this server's lines")
    .option('--since <duration>', 'only lines newer than this, e.g. 10m')
    .option('-n, --lines <n>', 'last N lines', '200')
    .option('--tail <n>', "the same as --lines (the reference's name)")
    .option('-s, --stack <name>', 'stack name (instead of the argument)')
    .action(async (name: string | undefined, opts: LogsOptions) => {
      const paths = homeFor(ctx, opts);
      if (opts.tail !== undefined) opts.lines = opts.tail;
      const stack = name ?? opts.stack ?? defaultStack(paths);
      if (!stack) {
        fail(ctx, 'no stack named and none running; pass a stack name (see `gridctl status`)');
        return;
      }
      // logging.file and --log-file put it elsewhere; the state file says where.
      const recorded = listStates(paths).find((x) => x.name === stack)?.read;
      const file = (recorded?.kind === 'ok' && recorded.state.log_file) || paths.logFile(stack);
      let since = 0;
      if (opts.since) {
        try {
          since = Date.now() - parseDuration(opts.since);
        } catch {
          fail(ctx, `--since ${opts.since}: not a duration (try 30s, 10m, 2h)`);
          return;
        }
      }
      const keep = (line: string) =>
        (!opts.server || line.includes(`[${opts.server}]`)) && (since === 0 || lineTime(line) >= since);

      let offset: number;
      try {
        const text = readFrom(file, 0);
        offset = Buffer.byteLength(text);
        const lines = text.split('\n').filter((l) => l !== '' && keep(l));
        const n = Number(opts.lines);
        for (const l of Number.isFinite(n) && n > 0 ? lines.slice(-n) : lines) ctx.stdout.write(`${l}\n`);
      } catch {
        fail(ctx, `no log for stack '${stack}' at ${file}`);
        return;
      }
      if (!opts.follow) return;

      // Follow until interrupted: print whatever was appended since the last read.
      let partial = '';
      await new Promise<void>((resolve) => {
        const watcher = watch(file, () => {
          let size: number;
          try {
            size = statSync(file).size;
          } catch {
            return;
          }
          if (size < offset) offset = 0; // truncated by a restart
          const chunk = readFrom(file, offset);
          offset += Buffer.byteLength(chunk);
          const lines = (partial + chunk).split('\n');
          partial = lines.pop() ?? '';
          for (const l of lines) if (keep(l)) ctx.stdout.write(`${l}\n`);
        });
        const stop = () => {
          watcher.close();
          resolve();
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });
};

function defaultStack(paths: ReturnType<typeof homeFor>): string | undefined {
  const running = runningStates(paths);
  if (running.length === 1) return running[0]!.stack_name;
  const all = listStates(paths);
  return all.length === 1 ? all[0]!.name : undefined;
}

function readFrom(file: string, offset: number): string {
  const fd = openSync(file, 'r');
  try {
    const size = statSync(file).size;
    const buf = Buffer.alloc(Math.max(0, size - offset));
    readSync(fd, buf, 0, buf.length, offset);
    return buf.toString('utf8');
  } finally {
    closeSync(fd);
  }
}

function lineTime(line: string): number {
  const t = Date.parse(line.slice(0, 24));
  return Number.isNaN(t) ? Number.POSITIVE_INFINITY : t;
}
