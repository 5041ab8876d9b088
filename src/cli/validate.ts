// `gridctl validate FILE` — placeholder until the config package lands.
import type { CommandRegistrar } from './main.js';

export const registerValidate: CommandRegistrar = (program, ctx) => {
  program
    .command('validate')
    .description('Check a stack file and report every issue with its place')
    .argument('<file>', 'stack file')
    .action(() => {
      ctx.stderr.write('validate: not implemented yet\n');
      ctx.exitCode = 1;
    });
};
