import { describe, expect, it } from 'vitest';
import { renderSkill } from './render.js';
import { parseSkill, withState } from './skill-file.js';

const parse = (text: string, folder = 'my-skill') => parseSkill(`/r/${folder}/SKILL.md`, folder, text);
const codes = (text: string, folder?: string) => parse(text, folder).issues.map((i) => `${i.code}:${i.line}`);

describe('SKILL.md parsing', () => {
  it('reads front matter and body, CRLF or not, trimming one newline after the closing line', () => {
    const s = parse(
      '---\r\nname: my-skill\r\ndescription: Does X\r\nstate: active\r\nmetadata: {n: 1, t: x}\r\nfoo: bar\r\n---\r\n\r\nBody\r\n',
    );
    expect(s.issues).toEqual([]);
    expect(s).toMatchObject({ name: 'my-skill', state: 'active', description: 'Does X', body: 'Body\n' });
    expect(s.frontMatter.metadata).toEqual({ n: '1', t: 'x' });
    expect(s.frontMatter.extra).toEqual({ foo: 'bar' });
  });

  it('defaults the state to draft', () => {
    expect(parse('---\ndescription: d\n---\nb').state).toBe('draft');
  });

  it('names each problem with its line', () => {
    expect(codes('just text')).toEqual(['SKILL_FRONTMATTER_MISSING:1']);
    expect(codes('---\ndescription: d\nno end')).toEqual(['SKILL_FRONTMATTER_UNCLOSED:1']);
    expect(codes('---\nname: x\ndescription: d\nstate: live\n---\n')).toEqual([
      'SKILL_NAME_MISMATCH:2',
      'SKILL_STATE_INVALID:4',
    ]);
    expect(codes('---\nname: my-skill\n---\n')).toEqual(['SKILL_DESCRIPTION_MISSING:1']);
    expect(codes('---\ndescription: [a, b]\n---\n')).toEqual(['SKILL_FIELD_TYPE:2']);
    expect(codes('---\ndescription: d\ndescription: e\n---\n')[0]).toMatch(/^SKILL_YAML:3$/);
    expect(codes(`---\ndescription: ${'x'.repeat(1025)}\n---\n`)).toEqual(['SKILL_DESCRIPTION_LONG:2']);
    expect(codes(`---\ndescription: d\n---\n${'line\n'.repeat(501)}`)).toEqual(['SKILL_BODY_LONG:1']);
    expect(codes('---\ndescription: d\n---\n', 'Bad--name')).toEqual(['SKILL_NAME_INVALID:1']);
    expect(codes('---\ndescription: d\n---\n', 'a--b')).toEqual(['SKILL_NAME_INVALID:1']);
    expect(codes('---\ndescription: d\n---\n', 'x'.repeat(65))).toEqual(['SKILL_NAME_INVALID:1']);
  });

  it('counts lines from a leading blank line', () => {
    expect(codes('\n\n---\ndescription: d\nstate: nope\n---\n')).toEqual(['SKILL_STATE_INVALID:5']);
  });
});

describe('withState', () => {
  it('replaces or adds only the state line, keeping everything else byte for byte', () => {
    expect(withState('---\nname: a\nstate: draft # why\ndescription: d\n---\nBody\n', 'active')).toBe(
      '---\nname: a\nstate: active\ndescription: d\n---\nBody\n',
    );
    expect(withState('---\r\nname: a\r\n---\r\n---\r\nBody', 'disabled')).toBe(
      '---\r\nname: a\r\nstate: disabled\r\n---\r\n---\r\nBody',
    );
    expect(withState('---\n---\nBody', 'active')).toBe('---\nstate: active\n---\nBody');
    expect(withState('no front matter', 'active')).toBeUndefined();
  });
});

describe('renderSkill', () => {
  it('fills placeholders, empties a missing context and appends a context the body does not place', () => {
    expect(renderSkill('A {{ context }} B {{other}}', { context: 'ctx' })).toBe('A ctx B {{other}}');
    expect(renderSkill('A {{context}}.', {})).toBe('A .');
    expect(renderSkill('A {{x}}', { x: '1' })).toBe('A 1');
    expect(renderSkill('Body\n\n', { context: 'c' })).toBe('Body\n\n## Context\n\nc\n');
    expect(renderSkill('Body', {})).toBe('Body');
  });
});
