// `gridctl init [DIR]` — placeholder until the config package lands.
import type { CommandRegistrar } from './main.js';

export const registerInit: CommandRegistrar = (program, ctx) => {
  program
    .command('init')
    .description('Write a commented starter stack.yaml')
    .argument('[dir]', 'target folder', '.')
    .action(() => {
      ctx.stderr.write('init: not implemented yet\n');
      ctx.exitCode = 1;
    });
};
