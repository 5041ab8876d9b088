// `gridctl info`: facts about this installation, no judgement (that is `gridctl doctor`). Exit 0.
import { detectRuntime } from '../runtime/index.js';
import { VERSION } from '../version.js';
import type { CommandRegistrar } from './context.js';
import { homeFor, withHome } from './options.js';

export const registerInfo: CommandRegistrar = (program, ctx) => {
  withHome(program.command('info'))
    .description('Print facts about this installation: version, Node.js, home, container engine')
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean; home?: string }) => {
      const paths = homeFor(ctx, opts);
      const { runtime, attempts } = await detectRuntime({ env: ctx.env, pingTimeoutMs: 1000 }).catch(
        (err: Error) => ({ runtime: undefined, attempts: [], error: err.message }),
      );
      const info = {
        version: VERSION,
        node: process.versions.node,
        platform: `${process.platform}-${process.arch}`,
        home: paths.root,
        home_from: opts.home ? '--home' : ctx.env.GRIDCTL_HOME ? 'GRIDCTL_HOME' : 'default',
        engine: runtime
          ? {
              kind: runtime.info.kind,
              version: runtime.info.version,
              socket: runtime.info.socket,
              source: runtime.info.source,
            }
          : null,
        sockets_tried: attempts.map((a) => a.socket),
      };
      if (opts.json) {
        ctx.stdout.write(`${JSON.stringify(info, null, 2)}\n`);
        return;
      }
      const engine = info.engine
        ? `${info.engine.kind} ${info.engine.version} at ${info.engine.socket} (${info.engine.source})`
        : `none answers (tried ${info.sockets_tried.join(', ') || 'no socket'})`;
      ctx.stdout.write(
        `${[
          `gridctl   ${info.version}`,
          `node      ${info.node} (${info.platform})`,
          `home      ${info.home} (${info.home_from})`,
          `engine    ${engine}`,
        ].join('\n')}\n`,
      );
    });
};
