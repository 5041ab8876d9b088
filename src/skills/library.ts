// What the `gridctl skill` commands and the API do to the registry folder: list, inspect, change
// state, remove, and import from a git repository or a folder. Everything works on files, so the
// running gateways (which watch the folder) follow without being asked.
import { execFile } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { promisify } from 'node:util';
import { type Finding, scanTool } from '../security/pins/scan.js';
import { SkillError, type SkillIssue, skillIssue } from './issues.js';
import { hasErrors, loadSkills, SKILL_FILE, skillsDir } from './registry.js';
import { nameProblem, type ParsedSkill, parseSkill, type SkillState, withState } from './skill-file.js';

const run = promisify(execFile);

/** Written into an imported skill's folder: where it came from. */
export const SOURCE_FILE = '.gridctl-source.json';

export interface SkillSourceRecord {
  /** The git URL or folder given to `skill add`. */
  source: string;
  ref?: string;
  path?: string;
  /** The commit imported, for git sources. */
  commit?: string;
  imported_at: string;
}

export interface SkillSummary {
  name: string;
  state: SkillState;
  description: string;
  /** Relative to the registry folder. */
  file: string;
  /** Served when a gateway runs (active, no errors; the stack's policy may still hide it). */
  servable: boolean;
  errors: number;
  warnings: number;
  source?: SkillSourceRecord;
}

export function summarize(dir: string, s: ParsedSkill): SkillSummary {
  const source = readSource(dirname(s.file));
  return {
    name: s.name,
    state: s.state,
    description: s.description,
    file: relative(dir, s.file),
    servable: s.state === 'active' && !hasErrors(s),
    errors: s.issues.filter((i) => i.severity === 'error').length,
    warnings: s.issues.filter((i) => i.severity === 'warning').length,
    ...(source ? { source } : {}),
  };
}

function readSource(folder: string): SkillSourceRecord | undefined {
  try {
    return JSON.parse(readFileSync(join(folder, SOURCE_FILE), 'utf8')) as SkillSourceRecord;
  } catch {
    return undefined;
  }
}

export class SkillLibrary {
  readonly dir: string;

  constructor(home: string) {
    this.dir = skillsDir(home);
  }

  list(): { skills: SkillSummary[]; issues: SkillIssue[] } {
    const snap = loadSkills(this.dir);
    return { skills: snap.skills.map((s) => summarize(this.dir, s)), issues: [...snap.issues] };
  }

  /** The first skill of that name (the one a gateway serves). */
  get(name: string): ParsedSkill {
    const s = loadSkills(this.dir).skills.find((k) => k.name === name);
    if (!s)
      throw new SkillError('SKILL_NOT_FOUND', `no skill "${name}" in ${this.dir} (see gridctl skill list)`);
    return s;
  }

  /** Problems of one skill (by name or SKILL.md path) or of every skill. */
  validate(target?: string): SkillIssue[] {
    if (target === undefined) return [...loadSkills(this.dir).issues];
    const asPath = resolve(target);
    if (existsSync(asPath) && (asPath.endsWith(SKILL_FILE) || existsSync(join(asPath, SKILL_FILE)))) {
      const file = asPath.endsWith(SKILL_FILE) ? asPath : join(asPath, SKILL_FILE);
      return parseSkill(file, basename(dirname(file)), readFileSync(file, 'utf8')).issues;
    }
    const all = loadSkills(this.dir);
    if (!all.skills.some((s) => s.name === target))
      throw new SkillError(
        'SKILL_NOT_FOUND',
        `no skill "${target}" in ${this.dir}, and no SKILL.md at ${asPath}`,
      );
    return all.issues.filter((i) => basename(dirname(i.file)) === target);
  }

  /** Set a skill's front matter `state`; activating a skill with errors is refused. */
  setState(name: string, state: SkillState): { changed: boolean; skill: SkillSummary } {
    const s = this.get(name);
    if (state === 'active' && hasErrors(s)) {
      const first = s.issues.find((i) => i.severity === 'error')!;
      throw new SkillError(
        'SKILL_HAS_ERRORS',
        `skill "${name}" has errors; fix them first (gridctl skill validate ${name}): ${first.file}:${first.line}: ${first.message}`,
      );
    }
    if (s.state === state) return { changed: false, skill: summarize(this.dir, s) };
    const raw = readFileSync(s.file, 'utf8');
    const next = withState(raw, state);
    if (next === undefined)
      throw new SkillError('SKILL_HAS_ERRORS', `${s.file} has no front matter to set the state in`);
    writeAtomic(s.file, next);
    return { changed: true, skill: summarize(this.dir, this.get(name)) };
  }

  /** Delete a skill's folder (with its supporting files). */
  remove(name: string): string {
    const folder = dirname(this.get(name).file);
    // The folder is the skill's own, inside the registry, never the registry itself.
    if (!folder.startsWith(this.dir + sep)) throw new SkillError('SKILL_NOT_FOUND', `no skill "${name}"`);
    rmSync(folder, { recursive: true, force: true });
    return folder;
  }

  /**
   * Import every SKILL.md of a git repository (cloned with git) or a folder. Each skill's folder is
   * copied to <registry>/<name>/ with its supporting files; skills with errors are skipped and
   * reported. Imported skills are activated unless `activate` is false.
   */
  async add(
    source: string,
    opts: { ref?: string; path?: string; activate?: boolean; force?: boolean } = {},
  ): Promise<{
    added: (SkillSummary & { findings: Finding[] })[];
    skipped: SkillIssue[];
    commit?: string;
  }> {
    const work = mkdtempSync(join(tmpdir(), 'gridctl-skill-add-'));
    try {
      let root: string;
      let commit: string | undefined;
      if (isGitUrl(source)) {
        root = join(work, 'repo');
        await clone(source, root, opts.ref);
        commit = (await run('git', ['-C', root, 'rev-parse', 'HEAD'])).stdout.trim();
      } else {
        root = resolve(source);
        if (!existsSync(root) || !statSync(root).isDirectory())
          throw new SkillError('SKILL_SOURCE_FAILED', `${source} is neither a git URL nor a folder`);
        if (opts.ref) {
          // A ref of a local repository: clone it so the working tree is that ref.
          const cloned = join(work, 'repo');
          await clone(root, cloned, opts.ref);
          commit = (await run('git', ['-C', cloned, 'rev-parse', 'HEAD'])).stdout.trim();
          root = cloned;
        }
      }
      const base = opts.path ? resolve(root, opts.path) : root;
      if ((base !== root && !base.startsWith(root + sep)) || !existsSync(base))
        throw new SkillError('SKILL_SOURCE_FAILED', `--path ${opts.path} is not a folder of ${source}`);
      // The source's own skills, checked as a registry of their own (name rules, duplicates).
      const found = loadSkills(base).skills;
      if (found.length === 0 && !existsSync(join(base, SKILL_FILE)))
        throw new SkillError('SKILL_SOURCE_EMPTY', `no ${SKILL_FILE} under ${opts.path ?? source}`);
      const candidates: ParsedSkill[] = [...found];
      // A repository that is one skill: SKILL.md at its root, named by the source.
      if (existsSync(join(base, SKILL_FILE))) {
        const name = repoName(opts.path ? basename(base) : source);
        candidates.unshift(
          parseSkill(join(base, SKILL_FILE), name, readFileSync(join(base, SKILL_FILE), 'utf8')),
        );
      }
      const skipped: SkillIssue[] = [];
      const ready: ParsedSkill[] = [];
      for (const s of candidates) {
        if (hasErrors(s)) skipped.push(...s.issues.filter((i) => i.severity === 'error'));
        else if (existsSync(join(this.dir, s.name)) && !opts.force)
          skipped.push(
            skillIssue(
              'SKILL_DUPLICATE',
              s.file,
              1,
              `the registry already has a skill "${s.name}"; not replaced`,
              'add --force to replace it, or `gridctl skill remove` it first',
            ),
          );
        else ready.push(s);
      }
      const added: (SkillSummary & { findings: Finding[] })[] = [];
      mkdirSync(this.dir, { recursive: true });
      for (const s of ready) {
        const from = dirname(s.file);
        const to = join(this.dir, s.name);
        // Staged beside the target and renamed in: a watching gateway sees the whole skill at once.
        const stage = join(this.dir, `.${s.name}.importing`);
        rmSync(stage, { recursive: true, force: true });
        cpSync(from, stage, {
          recursive: true,
          filter: (p) => {
            const rel = relative(from, p);
            // The folder's own files, not nested skills or git metadata.
            if (rel === '') return true;
            const top = rel.split(sep)[0] as string;
            if (top === '.git') return false;
            return !existsSync(join(from, top, SKILL_FILE)) || !statSync(join(from, top)).isDirectory();
          },
        });
        const record: SkillSourceRecord = {
          source: isGitUrl(source) || isAbsolute(source) ? source : resolve(source),
          ...(opts.ref ? { ref: opts.ref } : {}),
          ...(opts.path ? { path: opts.path } : {}),
          ...(commit ? { commit } : {}),
          imported_at: new Date().toISOString(),
        };
        writeFileSync(join(stage, SOURCE_FILE), `${JSON.stringify(record, null, 2)}\n`);
        const file = join(stage, SKILL_FILE);
        if (opts.activate !== false && s.state !== 'active') {
          const next = withState(readFileSync(file, 'utf8'), 'active');
          if (next !== undefined) writeFileSync(file, next);
        }
        rmSync(to, { recursive: true, force: true });
        renameSync(stage, to);
        // The tool pins' poisoning heuristics over what the model will read: advisory, shown to
        // the user who asked for the import (hidden instructions, credential paths, hidden Unicode).
        const { state: _state, extra, ...known } = s.frontMatter;
        const findings = scanTool({
          name: s.name,
          description: s.description,
          frontMatter: { ...known, ...extra },
          body: s.body,
        });
        added.push({ ...summarize(this.dir, this.get(s.name)), findings });
      }
      return { added, skipped, ...(commit ? { commit } : {}) };
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }
}

export function isGitUrl(s: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(s) || /^[\w.-]+@[\w.-]+:/.test(s);
}

/** A skill name from a repository URL or folder: its last part without `.git`, lower-cased. */
function repoName(source: string): string {
  const last = source.replace(/\/+$/, '').split(/[/:]/).pop() ?? source;
  const name = last.replace(/\.git$/, '').toLowerCase();
  return nameProblem(name) ? name.replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '') : name;
}

async function clone(url: string, into: string, ref?: string): Promise<void> {
  const args = ['clone', '--quiet', '--depth', '1', ...(ref ? ['--branch', ref] : []), '--', url, into];
  try {
    await run('git', args, {
      timeout: 120_000,
      // Never stop to ask for a password: a private repository fails with git's message instead.
      env: { ...process.env, GIT_TERMINAL_PROMPT: '0' },
    });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    const why = (e.stderr ?? '').trim().split('\n').filter(Boolean).pop() ?? e.message;
    throw new SkillError(
      'SKILL_SOURCE_FAILED',
      `git clone ${url}${ref ? ` (ref ${ref})` : ''} failed: ${why}`,
    );
  }
}

function writeAtomic(file: string, text: string): void {
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}
