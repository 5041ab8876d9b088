// Entry point: builds the command tree and runs it. Each command lives in its own file and stays
// thin: parse flags, call into config/controller/api, render the outcome.
import { Command, CommanderError } from 'commander';
import { VERSION } from '../version.js';
import { registerApply } from './apply.js';
import { type CliContext, type CliIO, createContext } from './context.js';
import { registerDestroy } from './destroy.js';
import { registerInit } from './init.js';
import { registerLogs } from './logs.js';
import { registerPins } from './pins.js';
import { registerPlan } from './plan.js';
import { registerReload } from './reload.js';
import { registerServe } from './serve.js';
import { registerStatus } from './status.js';
import { registerValidate } from './validate.js';
import { registerVar } from './var.js';

export type CommandRegistrar = (program: Command, ctx: CliContext) => void;

const registrars: CommandRegistrar[] = [
  registerApply,
  registerStatus,
  registerDestroy,
  registerLogs,
  registerPlan,
  registerPins,
  registerReload,
  registerServe,
  registerValidate,
  registerVar,
  registerInit,
];

export function buildProgram(ctx: CliContext): Command {
  const program = new Command('gridctl')
    .description('One MCP endpoint in front of many MCP servers, declared in one stack.yaml')
    .version(VERSION, '--version')
    .showHelpAfterError()
    .configureOutput({
      writeOut: (s) => ctx.stdout.write(s),
      writeErr: (s) => ctx.stderr.write(s),
    })
    .exitOverride();
  for (const register of registrars) register(program, ctx);
  for (const cmd of program.commands) {
    cmd.exitOverride().configureOutput({
      writeOut: (s) => ctx.stdout.write(s),
      writeErr: (s) => ctx.stderr.write(s),
    });
  }
  return program;
}

export async function main(
  argv: string[],
  io: CliIO = { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() },
): Promise<number> {
  const ctx = createContext(io);
  const program = buildProgram(ctx);
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version exit 0; usage errors exit 1 (commander already printed the message).
      return err.exitCode === 0 ? 0 : err.code === 'commander.help' ? 0 : 1;
    }
    throw err;
  }
  return ctx.exitCode;
}
