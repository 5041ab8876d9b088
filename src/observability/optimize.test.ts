import { describe, expect, it } from 'vitest';
import type { UsageReport } from './observability.js';
import { optimize } from './optimize.js';

const tool = (server: string, name: string, calls: number, outputTokens = 10 * calls) => ({
  server,
  tool: name,
  calls,
  errors: 0,
  inputTokens: 0,
  outputTokens,
  bytes: 0,
  totalMs: calls,
  lastCall: '2026-12-02T10:00:00.000Z',
});

function report(over: Partial<UsageReport>): UsageReport {
  return {
    tokenizer: 'cl100k_base',
    since: '2026-12-02T09:00:00.000Z',
    calls: 0,
    inputTokens: 0,
    outputTokens: 0,
    tools: [],
    clients: [],
    schemas: [],
    ...over,
  };
}

describe('optimize', () => {
  it('finds unused servers and tools, with the whitelist that cuts them', () => {
    const findings = optimize({
      usage: report({
        calls: 30,
        tools: [tool('fs', 'read_file', 25), tool('fs', 'list_directory', 5)],
        schemas: [
          { server: 'fs', tool: 'read_file', tokens: 120 },
          { server: 'fs', tool: 'list_directory', tokens: 100 },
          { server: 'fs', tool: 'move_file', tokens: 150 },
          { server: 'web', tool: 'fetch', tokens: 200 },
        ],
      }),
      servers: [{ name: 'fs' }, { name: 'web' }],
      codeMode: false,
    });
    const byKind = Object.fromEntries(findings.map((f) => [f.kind, f]));
    expect(byKind['unused-server']).toMatchObject({ server: 'web', impact: 200, per: 'tools/list' });
    expect(byKind['unused-tools']).toMatchObject({ server: 'fs', impact: 150 });
    expect(byKind['unused-tools']!.fix).toBe(
      'mcp-servers:\n  - name: fs\n    tools: [list_directory, read_file]',
    );
    expect(findings.some((f) => f.kind === 'code-mode')).toBe(false); // 570 tokens is cheap
  });

  it('says nothing is unused before enough calls were seen', () => {
    const findings = optimize({
      usage: report({
        calls: 3,
        tools: [tool('fs', 'read_file', 3)],
        schemas: [{ server: 'web', tool: 'fetch', tokens: 50 }],
      }),
      servers: [{ name: 'fs' }, { name: 'web' }],
      codeMode: false,
    });
    expect(findings.filter((f) => f.kind.startsWith('unused'))).toEqual([]);
  });

  it('suggests code mode for a costly list, and a compact format for big JSON results', () => {
    const schemas = Array.from({ length: 60 }, (_, i) => ({ server: 'gh', tool: `t${i}`, tokens: 400 }));
    const findings = optimize({
      usage: report({ calls: 40, tools: [tool('gh', 't0', 40, 40 * 3000)], schemas }),
      servers: [{ name: 'gh' }],
      codeMode: false,
    });
    expect(findings[0]).toMatchObject({ kind: 'code-mode', severity: 'critical', impact: 24_000 - 260 });
    expect(findings.find((f) => f.kind === 'output-format')).toMatchObject({
      server: 'gh',
      tool: 't0',
      per: 'call',
    });
    // With code mode on and toon set, neither is suggested.
    const quiet = optimize({
      usage: report({ calls: 40, tools: [tool('gh', 't0', 40, 40 * 3000)], schemas }),
      servers: [{ name: 'gh', outputFormat: 'toon' }],
      codeMode: true,
    });
    expect(quiet.filter((f) => f.kind === 'code-mode' || f.kind === 'output-format')).toEqual([]);
  });
});
