// The skills registry: every SKILL.md under <home>/registry/skills/, walked recursively (folders may
// group skills), parsed and checked. Only active skills without errors are served; a broken file is
// reported and skipped, never breaking the others. A watcher reloads the registry when files change
// and tells listeners (the gateway, which sends list_changed to its clients).
import { createHash } from 'node:crypto';
import { existsSync, type FSWatcher, mkdirSync, readdirSync, readFileSync, statSync, watch } from 'node:fs';
import { basename, dirname, join, relative, sep } from 'node:path';
import type { Logger } from '../logging/logger.js';
import { formatSkillIssue, type SkillIssue, skillIssue } from './issues.js';
import { type ParsedSkill, parseSkill } from './skill-file.js';

export const SKILL_FILE = 'SKILL.md';

/** <home>/registry/skills */
export function skillsDir(home: string): string {
  return join(home, 'registry', 'skills');
}

/** A file of a skill as the skills extension lists it. */
export interface SkillFileEntry {
  /** Relative to the skill's folder, `/`-separated; `SKILL.md` first. */
  path: string;
  digest: string;
  size: number;
}

/** What the gateway serves of one skill. */
export interface ServedSkill {
  name: string;
  description: string;
  body: string;
  /** For the MCP skills extension (SEP-2640): the front matter as written and every file. */
  manifest?: { frontmatter: Record<string, unknown>; files: readonly SkillFileEntry[] };
}

export interface RegistrySnapshot {
  /** Every SKILL.md found, in walk order (served or not). */
  skills: readonly ParsedSkill[];
  /** Problems of every file, duplicates included. */
  issues: readonly SkillIssue[];
}

/** Every SKILL.md below `dir`, sorted so the first-wins rule does not depend on the file system. */
function findSkillFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      if (e.name.startsWith('.') || e.name === 'node_modules') continue;
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name === SKILL_FILE && (e.isFile() || e.isSymbolicLink())) out.push(p);
    }
  };
  walk(dir);
  return out;
}

/** Read and check every skill under `dir` (missing folder: none). */
/**
 * What the last load read, keyed by path and checked by size, mtime and inode: a reload re-reads
 * only the files that changed, so a change to one skill of a large registry is cheap.
 */
export class ReadCache {
  private parsed = new Map<string, { key: string; skill: ParsedSkill }>();
  private digests = new Map<string, { key: string; digest: string; size: number }>();
  private seenParsed = new Set<string>();
  private seenDigests = new Set<string>();

  static key(st: { size: number; mtimeMs: number; ino: number }): string {
    return `${st.size}:${st.mtimeMs}:${st.ino}`;
  }

  parse(file: string, key: string, read: () => ParsedSkill): ParsedSkill {
    this.seenParsed.add(file);
    const hit = this.parsed.get(file);
    // A copy: the load appends per-load issues (duplicates) to it.
    if (hit?.key === key) return { ...hit.skill, issues: [...hit.skill.issues] };
    const skill = read();
    this.parsed.set(file, { key, skill: { ...skill, issues: [...skill.issues] } });
    return skill;
  }

  digest(file: string, key: string, read: () => Buffer): { digest: string; size: number } {
    this.seenDigests.add(file);
    const hit = this.digests.get(file);
    if (hit?.key === key) return hit;
    const bytes = read();
    const d = { key, digest: digestOf(bytes), size: bytes.length };
    this.digests.set(file, d);
    return d;
  }

  /** Forget files the last load did not see. */
  prune(): void {
    for (const f of this.parsed.keys()) if (!this.seenParsed.has(f)) this.parsed.delete(f);
    for (const f of this.digests.keys()) if (!this.seenDigests.has(f)) this.digests.delete(f);
    this.seenParsed.clear();
    this.seenDigests.clear();
  }
}

export function loadSkills(dir: string, cache?: ReadCache): RegistrySnapshot {
  const skills: ParsedSkill[] = [];
  const issues: SkillIssue[] = [];
  const seen = new Map<string, string>();
  for (const file of findSkillFiles(dir)) {
    if (dirname(file) === dir) {
      issues.push(
        skillIssue(
          'SKILL_MISPLACED',
          file,
          1,
          `${SKILL_FILE} sits directly in ${dir}; each skill needs its own folder, named for the skill`,
          `move it to ${join(dir, '<skill-name>', SKILL_FILE)}`,
        ),
      );
      continue;
    }
    let skill: ParsedSkill;
    try {
      const st = statSync(file);
      if (!st.isFile()) continue;
      const read = () => parseSkill(file, basename(dirname(file)), readFileSync(file, 'utf8'));
      skill = cache ? cache.parse(file, ReadCache.key(st), read) : read();
    } catch (err) {
      issues.push(skillIssue('SKILL_UNREADABLE', file, 1, `cannot read: ${(err as Error).message}`));
      continue;
    }
    const first = seen.get(skill.name);
    if (first !== undefined) {
      skill.issues.push(
        skillIssue(
          'SKILL_DUPLICATE',
          file,
          1,
          `skill "${skill.name}" is already defined by ${first}; this one is not served`,
          'rename one of the folders',
        ),
      );
    } else seen.set(skill.name, file);
    skills.push(skill);
    issues.push(...skill.issues);
  }
  return { skills, issues };
}

/**
 * A skill as its pin covers it: the front matter without `state` (so activating or disabling is not
 * a change), the body, and a sha256 of each supporting file in its folder (not nested skills, not
 * dot files such as the import record).
 */
function pinDefinition(s: ParsedSkill, files: readonly SkillFileEntry[]): Record<string, unknown> {
  const { state: _state, extra, ...known } = s.frontMatter;
  return {
    name: s.name,
    description: s.description,
    frontMatter: { ...known, ...extra },
    body: s.body,
    files: Object.fromEntries(files.filter((f) => f.path !== SKILL_FILE).map((f) => [f.path, f.digest])),
  };
}

/** The MCP skills extension's limit for a whole skill; no single supporting file may exceed it. */
const MAX_FILE_BYTES = 16 * 1024 * 1024;

const digestOf = (bytes: Buffer | string) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

/** SKILL.md and the supporting files in its folder (not nested skills, not dot files). */
function skillFiles(s: ParsedSkill, cache?: ReadCache): SkillFileEntry[] {
  const out: SkillFileEntry[] = [
    { path: SKILL_FILE, digest: digestOf(s.raw), size: Buffer.byteLength(s.raw) },
  ];
  const folder = dirname(s.file);
  const walk = (d: string, depth: number) => {
    if (depth > 8) return;
    let entries: import('node:fs').Dirent[];
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const p = join(d, e.name);
      if (e.isDirectory()) {
        if (!existsSync(join(p, SKILL_FILE))) walk(p, depth + 1);
      } else if (e.isFile() && p !== s.file) {
        try {
          // A file past the extension's 16 MiB skill limit is left out.
          const st = statSync(p);
          if (st.size > MAX_FILE_BYTES) continue;
          const read = () => readFileSync(p);
          const { digest, size } = cache
            ? cache.digest(p, ReadCache.key(st), read)
            : { digest: digestOf(read()), size: st.size };
          out.push({ path: relative(folder, p).split(sep).join('/'), digest, size });
        } catch {
          // unreadable now (removed mid-walk, permissions): left out until it can be read
        }
      }
    }
  };
  walk(folder, 0);
  return out;
}

export function hasErrors(skill: ParsedSkill): boolean {
  return skill.issues.some((i) => i.severity === 'error');
}

export class SkillRegistry {
  private snapshot: RegistrySnapshot = { skills: [], issues: [] };
  private servedList: readonly ServedSkill[] = [];
  private pinDefs: readonly Record<string, unknown>[] = [];
  private readonly listeners = new Set<() => void>();
  private watcher: FSWatcher | undefined;
  private debounce: NodeJS.Timeout | undefined;
  private poll: NodeJS.Timeout | undefined;
  private readonly cache = new ReadCache();
  private closed = false;
  private readonly counts = new Map<string, { count: number; lastUsed: string }>();

  constructor(
    readonly dir: string,
    private readonly logger?: Logger,
  ) {}

  /** (Re)read the folder; true when what is served changed. Issues are logged once per load. */
  load(): boolean {
    const next = loadSkills(this.dir, this.cache);
    const before = JSON.stringify(this.servedList);
    const defsBefore = this.pinDefs;
    const reported = new Set(this.snapshot.issues.map(formatSkillIssue));
    this.snapshot = next;
    const valid = next.skills
      .filter((s) => !hasErrors(s))
      .map((s) => ({ s, files: skillFiles(s, this.cache) }));
    this.cache.prune();
    this.servedList = valid
      .filter(({ s }) => s.state === 'active')
      .map(({ s, files }) => ({
        name: s.name,
        description: s.description,
        body: s.body,
        // The skills extension keys on the name in the file: only skills that state it are listed.
        ...(s.data.name === s.name ? { manifest: { frontmatter: s.data, files } } : {}),
      }));
    const defs = valid.map(({ s, files }) => pinDefinition(s, files));
    if (JSON.stringify(defs) !== JSON.stringify(this.pinDefs)) this.pinDefs = defs;
    for (const i of next.issues) {
      const line = formatSkillIssue(i);
      if (reported.has(line)) continue;
      if (i.severity === 'error') this.logger?.warn(`skill not served: ${line}`);
      else this.logger?.warn(`skill: ${line}`);
    }
    return JSON.stringify(this.servedList) !== before || this.pinDefs !== defsBefore;
  }

  /** What skill pins cover, per valid skill; the same array until it changes. */
  pinDefinitions(): readonly Record<string, unknown>[] {
    return this.pinDefs;
  }

  /** Active skills without errors, in walk order (the policy is the gateway's). */
  served(): readonly ServedSkill[] {
    return this.servedList;
  }

  all(): RegistrySnapshot {
    return this.snapshot;
  }

  get(name: string): ParsedSkill | undefined {
    return this.snapshot.skills.find((s) => s.name === name);
  }

  /** Called on every change of what is served; returns an unsubscribe function. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** A client read skill `name` (prompts/get or resources/read). */
  used(name: string): void {
    const c = this.counts.get(name) ?? { count: 0, lastUsed: '' };
    c.count++;
    c.lastUsed = new Date().toISOString();
    this.counts.set(name, c);
  }

  /**
   * A file of a served skill by its manifest path (SKILL.md or a supporting file); undefined for
   * anything the manifest does not list, so no path outside the skill's folder can be read.
   */
  readFile(name: string, path: string): Buffer | undefined {
    const skill = this.servedList.find((s) => s.name === name);
    if (!skill?.manifest?.files.some((f) => f.path === path)) return undefined;
    const parsed = this.get(name);
    if (!parsed) return undefined;
    try {
      return readFileSync(join(dirname(parsed.file), ...path.split('/')));
    } catch {
      return undefined;
    }
  }

  /** Reads per skill since the daemon started. */
  usage(): Record<string, { count: number; lastUsed: string }> {
    return Object.fromEntries(this.counts);
  }

  /**
   * Watch the folder (created when missing, so skills added later are seen) and reload 300 ms
   * after the last change, so an editor's multi-step save or a copied tree is one reload.
   */
  watch(debounceMs = 300): void {
    if (this.watcher || this.closed) return;
    if (!existsSync(this.dir)) mkdirSync(this.dir, { recursive: true });
    const onEvent = () => {
      clearTimeout(this.debounce);
      this.debounce = setTimeout(() => {
        this.refresh();
        // The folder itself was removed (the watch on it is dead): wait for it to come back.
        if (!existsSync(this.dir)) this.rearm(debounceMs);
      }, debounceMs);
    };
    const w = watch(this.dir, { recursive: true }, onEvent);
    w.on('error', () => {
      // Most often the folder went away; the reload after the event says what is left.
      onEvent();
    });
    this.watcher = w;
  }

  /** After the folder was removed: check for it once a second, and watch it again when it is back. */
  private rearm(debounceMs: number): void {
    this.watcher?.close();
    this.watcher = undefined;
    clearInterval(this.poll);
    this.poll = setInterval(() => {
      if (this.closed || !existsSync(this.dir)) return;
      clearInterval(this.poll);
      this.watch(debounceMs);
      this.refresh();
    }, 1000);
    this.poll.unref();
  }

  /** Reload now and tell listeners if what is served changed. */
  refresh(): void {
    try {
      if (!this.load()) return;
    } catch (err) {
      this.logger?.error(`skills reload failed: ${(err as Error).message}`);
      return;
    }
    this.logger?.info(`skills: ${this.servedList.length} served`, {
      skills: this.servedList.map((s) => s.name),
    });
    for (const l of this.listeners) l();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.debounce);
    clearInterval(this.poll);
    this.watcher?.close();
    this.watcher = undefined;
  }

  /** Where a skill's file is, relative to the registry folder (for listings). */
  relative(file: string): string {
    return relative(this.dir, file);
  }
}
