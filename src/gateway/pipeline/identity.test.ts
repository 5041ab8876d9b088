import { describe, expect, it } from 'vitest';
import { accessIdOf, normalizeClientId } from './identity.js';

describe('normalizeClientId', () => {
  it('lowercases and folds every run of other characters to one "-", trimmed at both ends', () => {
    expect(normalizeClientId('Claude Code')).toBe('claude-code');
    expect(normalizeClientId('  My  Script!! v2 ')).toBe('my-script-v2');
    expect(normalizeClientId('__x__')).toBe('x');
    expect(normalizeClientId('Cursor/1.2.3')).toBe('cursor-1.2.3');
    expect(normalizeClientId('ünïcode')).toBe('n-code');
  });

  it('maps the names known clients send to the ids stack files use', () => {
    expect(normalizeClientId('claude-ai')).toBe('claude-desktop');
    expect(normalizeClientId('Claude Desktop')).toBe('claude-desktop');
    expect(normalizeClientId('LM Studio')).toBe('lmstudio');
    expect(normalizeClientId('lm.studio')).toBe('lmstudio');
    expect(normalizeClientId('Visual Studio Code')).toBe('vscode');
    expect(normalizeClientId('codex-mcp-client')).toBe('codex');
  });

  it('keeps ids to 64 characters without a trailing "-"', () => {
    expect(normalizeClientId('a'.repeat(200))).toBe('a'.repeat(64));
    const cut = normalizeClientId(`${'a'.repeat(63)} b`);
    expect(cut).toBe('a'.repeat(63));
  });

  it('gives "" for a name with nothing to keep', () => {
    expect(normalizeClientId('!!!')).toBe('');
    expect(normalizeClientId('')).toBe('');
  });
});

describe('accessIdOf', () => {
  it('prefers the explicit id, normalised', () => {
    expect(accessIdOf('Team Bot', 'Claude Code')).toBe('team-bot');
  });

  it('falls back to clientInfo.name when the explicit id is missing or blank', () => {
    expect(accessIdOf(undefined, 'Claude Code')).toBe('claude-code');
    expect(accessIdOf('   ', 'claude-ai')).toBe('claude-desktop');
  });

  it('is "" (anonymous) with neither', () => {
    expect(accessIdOf(undefined, undefined)).toBe('');
    expect(accessIdOf('', '')).toBe('');
  });
});
