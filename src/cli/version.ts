// `gridctl version`: what is installed, for bug reports (`--version` prints the bare number).
import { VERSION } from '../version.js';
import type { CommandRegistrar } from './context.js';

export const registerVersion: CommandRegistrar = (program, ctx) => {
  program
    .command('version')
    .description('Print the gridctl version, and the Node.js and platform it runs on')
    .option('--json', 'machine-readable output')
    .action((opts: { json?: boolean }) => {
      const info = {
        version: VERSION,
        node: process.versions.node,
        platform: `${process.platform}-${process.arch}`,
      };
      ctx.stdout.write(
        opts.json
          ? `${JSON.stringify(info, null, 2)}\n`
          : `gridctl ${info.version} (Node.js ${info.node}, ${info.platform})\n`,
      );
    });
};
