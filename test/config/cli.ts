// Config tests run the CLI through the shared helper; fixtures live beside them.
import { runCli } from '../support/cli.js';

export { type CliRun, runCli } from '../support/cli.js';

export const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url).pathname;

export interface JsonIssue {
  severity: string;
  code: string;
  field: string;
  message: string;
  hint?: string;
  line?: number;
  column?: number;
}
export interface JsonReport {
  valid: boolean;
  errorCount: number;
  warningCount: number;
  issues: JsonIssue[];
}

/** `gridctl validate FILE --format json`, parsed. */
export async function validateJson(file: string, env: NodeJS.ProcessEnv = {}) {
  const r = await runCli(['validate', file, '--format', 'json'], { env });
  return { code: r.code, report: JSON.parse(r.stdout) as JsonReport, stderr: r.stderr };
}
