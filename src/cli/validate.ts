// `gridctl validate FILE`: run the same load pipeline as apply and report every issue with its place.
// Exit 0 = valid and clean, 1 = errors (or unreadable/unparseable file), 2 = warnings only.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { type Issue, loadStack, printable } from '../config/index.js';
import type { CliContext, CommandRegistrar } from './context.js';

export const registerValidate: CommandRegistrar = (program, ctx) => {
  program
    .command('validate')
    .description('Check a stack file and report every issue with its place')
    .argument('<file>', 'stack file')
    .option('--format <format>', 'output format: human or json', 'human')
    .option('--json', 'same as --format json')
    .action(async (file: string, opts: { format: string; json?: boolean }) => {
      const format = opts.json ? 'json' : opts.format;
      if (format !== 'human' && format !== 'json') {
        ctx.stderr.write(`validate: unknown format "${format}" (use human or json)\n`);
        ctx.exitCode = 1;
        return;
      }
      const result = await loadStack(path.resolve(ctx.cwd, file), { mode: 'validate', env: ctx.env });
      const errors = result.issues.filter((i) => i.severity === 'error').length;
      const warnings = result.issues.filter((i) => i.severity === 'warning').length;
      ctx.exitCode = errors > 0 ? 1 : warnings > 0 ? 2 : 0;
      if (format === 'json') {
        const issues = result.issues.map((i) => ({
          severity: i.severity,
          code: i.code,
          field: i.field,
          message: i.message,
          ...(i.hint ? { hint: i.hint } : {}),
          ...(i.file && i.file !== result.file ? { file: i.file } : {}),
          ...(i.line !== undefined ? { line: i.line, column: i.column } : {}),
        }));
        ctx.stdout.write(
          `${JSON.stringify({ valid: errors === 0, errorCount: errors, warningCount: warnings, issues }, null, 2)}\n`,
        );
        return;
      }
      renderHuman(ctx, file, result.issues, errors, warnings);
    });
};

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function renderHuman(ctx: CliContext, file: string, issues: Issue[], errors: number, warnings: number) {
  const out = (s: string) => ctx.stdout.write(`${s}\n`);
  if (errors > 0) {
    out(
      ctx.paint(
        'red',
        `✗ ${file} has ${plural(errors, 'error')}${warnings ? ` and ${plural(warnings, 'warning')}` : ''}`,
      ),
    );
  } else if (warnings > 0) {
    out(ctx.paint('yellow', `⚠ ${file} is valid with ${plural(warnings, 'warning')}`));
  } else {
    out(ctx.paint('green', `✓ ${file} is valid`));
  }
  if (issues.length > 0) out('');
  for (const i of issues) {
    const [mark, style] =
      i.severity === 'error'
        ? (['✗ error  ', 'red'] as const)
        : i.severity === 'warning'
          ? (['⚠ warning', 'yellow'] as const)
          : (['ℹ info   ', 'cyan'] as const);
    const where = i.file
      ? `${path.relative(ctx.cwd, i.file) || i.file}${i.line ? `:${i.line}:${i.column}` : ''}`
      : '';
    out(
      `  ${ctx.paint(style, mark)} ${ctx.paint('dim', where)}  ${ctx.paint('bold', i.field)}: ${i.message}`,
    );
    if (i.code === 'YAML_SYNTAX' || i.code === 'YAML_DUPLICATE_KEY') {
      const snippet = excerpt(i);
      if (snippet) out(snippet);
    }
    if (i.hint) out(`      ${ctx.paint('dim', `hint: ${i.hint}`)}`);
  }
}

/** The offending source line, escaped (it may hold any bytes), with a caret under the column. */
function excerpt(i: Issue): string | undefined {
  if (!i.file || !i.line) return undefined;
  let text: string;
  try {
    text = readFileSync(i.file, 'utf8');
  } catch {
    return undefined;
  }
  const line = text.split(/\r?\n/)[i.line - 1];
  if (line === undefined) return undefined;
  const gutter = `      ${i.line} | `;
  // The caret goes under the escaped text, so measure the escaped part before the column.
  const before = [...printable(line.slice(0, Math.max(0, (i.column ?? 1) - 1)))].length;
  return `${gutter}${printable(line)}\n${' '.repeat(gutter.length + before)}^`;
}
