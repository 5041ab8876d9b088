// Every relative link in README.md and docs/*.md points at a file that exists, and every #anchor at
// a heading of the target (GitHub's slugs, duplicates numbered) or an explicit id. Links to other
// sites are not fetched.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import GithubSlugger from 'github-slugger';
import { Lexer, type Token, type Tokens, walkTokens } from 'marked';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const FILES = [
  join(ROOT, 'README.md'),
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => join(ROOT, 'docs', f)),
];

const tokensOf = (file: string) => Lexer.lex(readFileSync(file, 'utf8'));

/** The heading's text as GitHub renders it: inline code and emphasis without their marks. */
function plain(tokens: readonly Token[]): string {
  return tokens
    .map((t) => ('tokens' in t && t.tokens ? plain(t.tokens) : 'text' in t ? String(t.text) : ''))
    .join('');
}

const anchorCache = new Map<string, Set<string>>();
function anchorsOf(file: string): Set<string> {
  let anchors = anchorCache.get(file);
  if (anchors) return anchors;
  const slugger = new GithubSlugger();
  anchors = new Set();
  const text = readFileSync(file, 'utf8');
  for (const m of text.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) anchors.add(m[1]!);
  walkTokens(tokensOf(file), (t) => {
    if (t.type === 'heading') anchors!.add(slugger.slug(plain((t as Tokens.Heading).tokens)));
  });
  anchorCache.set(file, anchors);
  return anchors;
}

let checked = 0;
function brokenLinks(file: string): string[] {
  const broken: string[] = [];
  const where = relative(ROOT, file);
  walkTokens(tokensOf(file), (t) => {
    if (t.type !== 'link' && t.type !== 'image') return;
    const href = (t as Tokens.Link).href;
    if (/^[a-z][a-z0-9+.-]*:/i.test(href)) return; // https:, mailto:, ...
    checked++;
    const hash = href.indexOf('#');
    const path = decodeURIComponent(hash === -1 ? href : href.slice(0, hash));
    const anchor = hash === -1 ? undefined : decodeURIComponent(href.slice(hash + 1));
    const target = path === '' ? file : resolve(dirname(file), path);
    if (!existsSync(target)) {
      broken.push(`${where}: ${href} (no file ${relative(ROOT, target)})`);
    } else if (anchor !== undefined && target.endsWith('.md') && !anchorsOf(target).has(anchor)) {
      broken.push(`${where}: ${href} (no heading #${anchor} in ${relative(ROOT, target)})`);
    }
  });
  return broken;
}

describe('documentation links', () => {
  it('finds the headings it checks against', () => {
    // The checker itself: known headings of configuration.md under GitHub's slugs.
    const anchors = anchorsOf(join(ROOT, 'docs/configuration.md'));
    expect(anchors).toContain('secretssets');
    expect(anchors).toContain('gridctl-validate-file');
    expect(anchors).toContain('not-implemented-yet');
  });

  it('every relative link and anchor in README.md and docs/*.md resolves', () => {
    expect(FILES.flatMap(brokenLinks)).toEqual([]);
    expect(checked).toBeGreaterThan(30); // the walk reached links in prose, lists and tables
  });
});
