// `gridctl skill`: the skills registry in <home>/registry/skills (docs/skills.md). Every verb works
// on the folder through SkillLibrary; running gateways watch it and follow on their own.
import { formatSkillIssue, SkillError, type SkillIssue } from '../skills/issues.js';
import { SkillLibrary, type SkillSummary, summarize } from '../skills/library.js';
import type { CliContext, CommandRegistrar } from './context.js';
import { fail, homeFor, withHome } from './options.js';
import { table } from './render.js';

interface Opts {
  home?: string;
  json?: boolean;
}

const oneLine = (s: string, max = 60) => {
  const flat = s.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
};

/** A long URL or path keeps its end, the part that tells sources apart. */
const tail = (s: string, max = 40) => (s.length > max ? `…${s.slice(s.length - max + 1)}` : s);

function printIssues(ctx: CliContext, issues: readonly SkillIssue[]): void {
  for (const i of issues) {
    const line = formatSkillIssue(i);
    ctx.stdout.write(`${i.severity === 'error' ? ctx.paint('red', line) : ctx.paint('yellow', line)}\n`);
  }
}

function stateCell(ctx: CliContext, s: SkillSummary): string {
  if (s.errors > 0) return ctx.paint('red', `${s.state} (${s.errors} error${s.errors > 1 ? 's' : ''})`);
  return s.state === 'active' ? ctx.paint('green', s.state) : s.state;
}

export const registerSkill: CommandRegistrar = (program, ctx) => {
  const skill = program
    .command('skill')
    .description(
      'Skills registry: SKILL.md files served to clients as prompts (list, info, add, remove, ...)',
    );
  const sub = (name: string) => withHome(skill.command(name));
  const library = (opts: Opts) => new SkillLibrary(homeFor(ctx, opts).root);
  const json = (v: unknown) => ctx.stdout.write(`${JSON.stringify(v, null, 2)}\n`);
  const run =
    <A extends unknown[]>(fn: (...args: A) => Promise<void> | void) =>
    async (...args: A) => {
      try {
        await fn(...args);
      } catch (err) {
        if (err instanceof SkillError) fail(ctx, `${err.message} [${err.code}]`);
        else fail(ctx, err instanceof Error ? err.message : String(err));
      }
    };

  sub('list')
    .description('Every skill in the registry with its state; active skills without errors are served')
    .option('--json', 'machine-readable output')
    .action(
      run((opts: Opts) => {
        const lib = library(opts);
        const { skills, issues } = lib.list();
        if (opts.json) return void json({ dir: lib.dir, skills, issues });
        if (skills.length === 0) {
          ctx.stdout.write(
            `No skills in ${lib.dir}. Add one with \`gridctl skill add <git-url or folder>\`.\n`,
          );
        } else {
          ctx.stdout.write(
            table(
              ['NAME', 'STATE', 'SERVED', 'SOURCE', 'DESCRIPTION'],
              skills.map((s) => [
                s.name,
                stateCell(ctx, s),
                s.servable ? 'yes' : 'no',
                s.source ? tail(s.source.source) : 'local',
                oneLine(s.description),
              ]),
            ),
          );
        }
        const errors = issues.filter((i) => i.severity === 'error').length;
        if (issues.length > 0)
          ctx.stdout.write(
            `\n${issues.length} problem(s), ${errors} error(s): see \`gridctl skill validate\`.\n`,
          );
      }),
    );

  sub('info')
    .description("A skill's front matter, file, source and problems")
    .argument('<name>', 'skill name')
    .option('--json', 'machine-readable output')
    .action(
      run((name: string, opts: Opts) => {
        const lib = library(opts);
        const s = lib.get(name);
        const summary = summarize(lib.dir, s);
        const fm = s.frontMatter;
        if (opts.json)
          return void json({ ...summary, file: s.file, frontMatter: fm, body: s.body, issues: s.issues });
        const rows: [string, string][] = [
          ['Name', s.name],
          ['State', stateCell(ctx, summary)],
          ['Served', summary.servable ? "yes (unless the stack's skills policy hides it)" : 'no'],
          ['Description', s.description],
          ['File', s.file],
          ['Body', `${s.body.split('\n').length} lines, ${Buffer.byteLength(s.body)} bytes`],
        ];
        if (fm.license) rows.push(['License', fm.license]);
        if (fm.compatibility) rows.push(['Compatibility', fm.compatibility]);
        if (fm['allowed-tools'])
          rows.push(['Allowed tools', ([] as string[]).concat(fm['allowed-tools']).join(', ')]);
        for (const [k, v] of Object.entries(fm.metadata ?? {})) rows.push([`metadata.${k}`, v]);
        if (summary.source) {
          const src = summary.source;
          rows.push([
            'Source',
            `${src.source}${src.ref ? ` @ ${src.ref}` : ''}${src.path ? ` (${src.path})` : ''}`,
          ]);
          if (src.commit) rows.push(['Commit', src.commit]);
          rows.push(['Imported', src.imported_at]);
        }
        const width = Math.max(...rows.map(([k]) => k.length));
        for (const [k, v] of rows) ctx.stdout.write(`${`${k}:`.padEnd(width + 2)}${v}\n`);
        if (s.issues.length > 0) {
          ctx.stdout.write('\n');
          printIssues(ctx, s.issues);
        }
      }),
    );

  sub('validate')
    .description('Check one skill (name or SKILL.md path) or all; exit 1 on errors, 2 on warnings only')
    .argument('[target]', 'skill name, or path to a SKILL.md or its folder')
    .option('--json', 'machine-readable output')
    .action(
      run((target: string | undefined, opts: Opts) => {
        const issues = library(opts).validate(target);
        const errors = issues.filter((i) => i.severity === 'error').length;
        ctx.exitCode = errors > 0 ? 1 : issues.length > 0 ? 2 : 0;
        if (opts.json) return void json({ valid: errors === 0, issues });
        printIssues(ctx, issues);
        if (issues.length === 0) ctx.stdout.write(`${ctx.paint('green', '✓')} no problems\n`);
        else ctx.stdout.write(`${errors} error(s), ${issues.length - errors} warning(s)\n`);
      }),
    );

  sub('add')
    .description('Import the SKILL.md files of a git repository (cloned with git) or a folder')
    .argument('<source>', 'git URL (https://, ssh://, file://, git@host:repo) or a folder')
    .option('--ref <ref>', 'branch or tag to clone')
    .option('--path <dir>', 'only the skills under this folder of the source')
    .option('--no-activate', 'keep each skill in the state its file says (default: activate)')
    .option('--force', 'replace skills of the same name already in the registry')
    .option('--json', 'machine-readable output')
    .action(
      run(
        async (
          source: string,
          opts: Opts & { ref?: string; path?: string; activate: boolean; force?: boolean },
        ) => {
          const r = await library(opts).add(source, {
            ref: opts.ref,
            path: opts.path,
            activate: opts.activate,
            force: opts.force,
          });
          if (r.skipped.length > 0) ctx.exitCode = 1;
          if (opts.json) return void json(r);
          for (const s of r.added) {
            ctx.stdout.write(
              `${ctx.paint('green', '✓')} added ${s.name} (${s.state}): ${oneLine(s.description)}\n`,
            );
            for (const f of s.findings)
              ctx.stdout.write(
                `  ${ctx.paint('yellow', `${f.code} ${f.severity}`)}: ${f.reason} (at ${f.location})${f.excerpt ? `: ${JSON.stringify(f.excerpt)}` : ''}\n`,
              );
          }
          const flagged = r.added.filter((s) => s.findings.length > 0).map((s) => s.name);
          if (flagged.length > 0)
            ctx.stdout.write(
              `Review ${flagged.join(', ')} before use (gridctl skill info <name>); \`gridctl skill disable <name>\` stops serving one.\n`,
            );
          if (r.skipped.length > 0) {
            ctx.stdout.write(`${r.skipped.length} skipped:\n`);
            printIssues(ctx, r.skipped);
          }
          if (r.added.length === 0 && r.skipped.length === 0) ctx.stdout.write('Nothing to import.\n');
        },
      ),
    );

  sub('remove')
    .description("Delete a skill's folder from the registry")
    .argument('<name>', 'skill name')
    .action(
      run((name: string, opts: Opts) => {
        const folder = library(opts).remove(name);
        ctx.stdout.write(`${ctx.paint('green', '✓')} removed ${name} (${folder})\n`);
      }),
    );

  for (const [verb, state, what] of [
    ['activate', 'active', 'Serve a skill: set its state to active (refused while it has errors)'],
    ['disable', 'disabled', 'Stop serving a skill: set its state to disabled'],
  ] as const) {
    sub(verb)
      .description(what)
      .argument('<name>', 'skill name')
      .action(
        run((name: string, opts: Opts) => {
          const r = library(opts).setState(name, state);
          ctx.stdout.write(
            r.changed
              ? `${ctx.paint('green', '✓')} ${name} is ${state}${state === 'active' && !r.skill.servable ? ' (not served: it has errors)' : ''}\n`
              : `${name} is already ${state}\n`,
          );
        }),
      );
  }
};
