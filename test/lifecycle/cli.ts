// Runs the real gridctl CLI (from the TypeScript sources through tsx) in an isolated home.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { tempDir } from '../support/temp.js';

export const ROOT = resolve(import.meta.dirname, '../..');
const ENTRY = join(ROOT, 'src/cli/main-run.ts');
// Absolute, because the CLI runs with the sandbox as its working directory.
const TSX = pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href;
export const EVERYTHING = join(ROOT, 'node_modules/@modelcontextprotocol/server-everything/dist/index.js');
export const MEMORY = join(ROOT, 'node_modules/@modelcontextprotocol/server-memory/dist/index.js');

export interface Sandbox {
  dir: string;
  home: string;
  env: NodeJS.ProcessEnv;
  write(name: string, text: string): string;
}

export function sandbox(): Sandbox {
  const dir = tempDir('life');
  const home = join(dir, 'home');
  const env = { ...process.env, GRIDCTL_HOME: home, NO_COLOR: '1' };
  return {
    dir,
    home,
    env,
    write(name, text) {
      const file = join(dir, name);
      writeFileSync(file, text);
      return file;
    },
  };
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function gridctl(sb: Sandbox, args: string[], timeoutMs = 90_000): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['--import', TSX, ENTRY, ...args], {
      cwd: sb.dir,
      env: sb.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => {
      stdout += c;
    });
    child.stderr.on('data', (c) => {
      stderr += c;
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`gridctl ${args.join(' ')} did not finish in ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr });
    });
  });
}

/** Starts gridctl without waiting for it to end (foreground mode). */
export function gridctlProcess(sb: Sandbox, args: string[]) {
  const child = spawn(process.execPath, ['--import', TSX, ENTRY, ...args], {
    cwd: sb.dir,
    env: sb.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = { text: '' };
  child.stdout.on('data', (c) => {
    output.text += c;
  });
  child.stderr.on('data', (c) => {
    output.text += c;
  });
  return { child, output };
}

export function stackYaml(name: string, servers: string): string {
  return `name: ${name}\nmcp-servers:\n${servers}`;
}

export function localServer(name: string, script: string, ...args: string[]): string {
  const argv = ['node', script, ...args].map((a) => JSON.stringify(a)).join(', ');
  return `  - name: ${name}\n    command: [${argv}]\n`;
}
