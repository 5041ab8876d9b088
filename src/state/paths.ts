// Where gridctl keeps its files. GRIDCTL_HOME (or --home) replaces ~/.gridctl entirely, so tests and
// parallel installs stay isolated.
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';

export interface HomePaths {
  root: string;
  stateDir: string;
  logsDir: string;
  stateFile(stack: string): string;
  lockFile(stack: string): string;
  logFile(stack: string): string;
  serverLogFile(stack: string, server: string): string;
}

export function resolveHome(opts: { home?: string; env?: NodeJS.ProcessEnv } = {}): HomePaths {
  const env = opts.env ?? process.env;
  const raw = opts.home ?? env.GRIDCTL_HOME;
  const root = raw ? (isAbsolute(raw) ? raw : resolve(raw)) : join(homedir(), '.gridctl');
  const stateDir = join(root, 'state');
  const logsDir = join(root, 'logs');
  return {
    root,
    stateDir,
    logsDir,
    stateFile: (stack) => join(stateDir, `${stack}.json`),
    lockFile: (stack) => join(stateDir, `${stack}.lock`),
    logFile: (stack) => join(logsDir, `${stack}.log`),
    serverLogFile: (stack, server) => join(logsDir, stack, `${server}.log`),
  };
}
