import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../test/support/wait.js';
import { loadSkills, SkillRegistry } from './registry.js';

const made: string[] = [];
const registries: SkillRegistry[] = [];
afterEach(() => {
  for (const r of registries.splice(0)) r.close();
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
});

function folder(): string {
  const d = join(tmpdir(), `gridctl-skills-reg-${process.pid}-${made.length}-${Date.now()}`);
  made.push(d);
  return d;
}

function put(dir: string, name: string, state = 'active'): void {
  mkdirSync(join(dir, name), { recursive: true });
  writeFileSync(
    join(dir, name, 'SKILL.md'),
    `---\nname: ${name}\ndescription: d\nstate: ${state}\n---\nbody`,
  );
}

describe('skills registry', () => {
  it('reads nested folders in name order; the first of two same-named skills wins', () => {
    const dir = folder();
    put(join(dir, 'b-group'), 'same');
    put(join(dir, 'a-group'), 'same');
    put(dir, 'other');
    writeFileSync(join(dir, 'SKILL.md'), 'misplaced');
    const snap = loadSkills(dir);
    expect(snap.skills.map((s) => s.file.slice(dir.length))).toEqual([
      '/a-group/same/SKILL.md',
      '/b-group/same/SKILL.md',
      '/other/SKILL.md',
    ]);
    expect(snap.issues.map((i) => [i.code, i.file.slice(dir.length)])).toEqual([
      ['SKILL_MISPLACED', '/SKILL.md'],
      ['SKILL_DUPLICATE', '/b-group/same/SKILL.md'],
    ]);
  });

  it('keeps watching when the whole folder is removed and comes back', async () => {
    const dir = folder();
    put(dir, 'one');
    const reg = new SkillRegistry(dir);
    registries.push(reg);
    reg.load();
    let changes = 0;
    reg.onChange(() => void changes++);
    reg.watch(20);
    rmSync(dir, { recursive: true, force: true });
    await waitFor(() => reg.served().length === 0, { what: 'the skills gone with their folder' });
    expect(changes).toBe(1);
    put(dir, 'two');
    await waitFor(
      () =>
        reg
          .served()
          .map((s) => s.name)
          .join() === 'two',
      { what: 'the folder back' },
    );
    put(dir, 'three');
    await waitFor(() => reg.served().length === 2, { what: 'a skill added after the folder came back' });
  });
});
