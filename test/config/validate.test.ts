import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../support/temp.js';
import { fixture, type JsonIssue, type JsonReport, runCli, validateJson } from './cli.js';

describe('gridctl validate (acceptance)', () => {
  it('lists all five distinct errors with line:col and field path, and exits 1', async () => {
    const file = fixture('five-errors.yaml');
    const r = await runCli(['validate', file]);
    expect(r.code).toBe(1);
    expect(r.stdout.split('\n')[0]).toMatch(/has 5 errors$/);
    const rel = path.relative(process.cwd(), file);
    for (const [where, field] of [
      ['3:5', 'mcp-servers[0].port'],
      ['7:15', 'mcp-servers[1].replicas'],
      ['10:11', 'mcp-servers[2].port'],
      ['11:11', 'mcp-servers[3].name'],
      ['13:20', 'mcp-servers[3].ready_timeout'],
    ]) {
      expect(r.stdout).toContain(`${rel}:${where}  ${field}:`);
    }
    const { report } = await validateJson(file);
    expect(report.errorCount).toBe(5);
    expect(report.issues.map((i) => i.code).sort()).toEqual(
      ['FIELD_NOT_ALLOWED', 'INVALID_FORMAT', 'NAME_DUPLICATE', 'PORT_REQUIRED', 'TYPE_MISMATCH'].sort(),
    );
  });

  it('exits 2 when the only problem is a gateway block without auth', async () => {
    const r = await runCli(['validate', fixture('gateway-no-auth.yaml')]);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/is valid with 1 warning/);
    expect(r.stdout).toMatch(/⚠ warning .*gateway-no-auth\.yaml:3:3 {2}gateway: the gateway has no `auth`/);
    const { report } = await validateJson(fixture('gateway-no-auth.yaml'));
    expect(report).toMatchObject({ valid: true, errorCount: 0, warningCount: 1 });
    expect(report.issues[0]).toMatchObject({
      severity: 'warning',
      code: 'GATEWAY_NO_AUTH',
      field: 'gateway',
    });
  });

  const precise: [string, Partial<JsonIssue>][] = [
    ['mixed-kinds.yaml', { code: 'KIND_MULTIPLE', field: 'mcp-servers[0]', line: 3, column: 5 }],
    ['container-no-port.yaml', { code: 'PORT_REQUIRED', field: 'mcp-servers[0].port', line: 3, column: 5 }],
    ['replicas-40.yaml', { code: 'OUT_OF_RANGE', field: 'mcp-servers[0].replicas', line: 5, column: 15 }],
    [
      'autoscale-with-replicas.yaml',
      { code: 'AUTOSCALE_WITH_REPLICAS', field: 'mcp-servers[0].replicas', line: 5 },
    ],
    [
      'unknown-transport.yaml',
      { code: 'INVALID_VALUE', field: 'mcp-servers[0].transport', line: 6, column: 16 },
    ],
    [
      'name-double-underscore.yaml',
      { code: 'NAME_INVALID', field: 'mcp-servers[0].name', line: 3, column: 11 },
    ],
    ['duplicate-names.yaml', { code: 'NAME_DUPLICATE', field: 'mcp-servers[1].name', line: 5, column: 11 }],
  ];
  for (const [name, expected] of precise) {
    it(`${name}: exactly one precise error`, async () => {
      const { code, report } = await validateJson(fixture(name));
      expect(code).toBe(1);
      expect(report.errorCount).toBe(1);
      expect(report.issues.filter((i) => i.severity === 'error')[0]).toMatchObject(expected);
    });
  }

  it('warns that scaled HTTP containers on a host-driver network never become ready', async () => {
    const { code, report } = await validateJson(fixture('autoscale-host-network.yaml'));
    expect(report.errorCount).toBe(0);
    expect(code).not.toBe(1);
    const warning = report.issues.find((i) => i.code === 'SCALING_ON_HOST_NETWORK');
    expect(warning).toMatchObject({ severity: 'warning', field: 'mcp-servers[0].autoscale' });
    expect(warning?.message).toContain('no published port');
  });

  it('explains each precise error in words', async () => {
    const texts = await Promise.all(precise.map(([name]) => runCli(['validate', fixture(name)])));
    const [mixed, noPort, replicas, autoscale, transport, underscore, dupes] = texts.map((t) => t.stdout);
    expect(mixed).toContain('server "both" sets `image` and `url`; a server can only have one of');
    expect(noPort).toContain('server "web" is a container with transport http and needs `port`');
    expect(replicas).toContain('must be at most 32, not 40');
    expect(autoscale).toContain('sets both `replicas` and `autoscale`');
    expect(transport).toContain('must be one of http, sse, stdio, not string "websocket"');
    expect(underscore).toContain('server name "a__b" contains "__" at position 2');
    expect(dupes).toContain('server name "memory" is already used by mcp-servers[0]');
  });

  it('reports an extends cycle with the whole chain, at the extends line that closes it', async () => {
    const { code, report } = await validateJson(fixture('cycle-a.yaml'));
    expect(code).toBe(1);
    expect(report.issues).toHaveLength(1);
    expect(report.issues[0]).toMatchObject({ code: 'EXTENDS_CYCLE', field: 'extends', line: 2, column: 10 });
    expect(report.issues[0]!.message).toBe('circular extends: cycle-a.yaml → cycle-b.yaml → cycle-a.yaml');
  });

  it('says which character of a name is wrong', async () => {
    const dir = tempDir('names');
    const file = path.join(dir, 'stack.yaml');
    await writeFile(file, 'name: my stack\nmcp-servers:\n  - name: web/api\n    command: [x]\n');
    const { report } = await validateJson(file);
    expect(report.issues.map((i) => [i.field, i.message])).toEqual([
      [
        'name',
        `stack name "my stack" character space at position 3 is not allowed; use letters, digits, '_', '.' or '-'`,
      ],
      [
        'mcp-servers[0].name',
        `server name "web/api" character '/' at position 4 is not allowed; use letters, digits, '_', '.' or '-'`,
      ],
    ]);
  });

  it('shows a YAML syntax error with the line and a caret, exit 1', async () => {
    // Written at test time: the repository's formatter parses every .yaml file it holds.
    const dir = tempDir('syntax');
    const file = path.join(dir, 'syntax-error.yaml');
    await writeFile(
      file,
      'name: broken\nmcp-servers:\n  - name: memory\n    command: ["npx", "-y", "@modelcontextprotocol/server-memory"\n  - name: other\n',
    );
    const r = await runCli(['validate', file]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/syntax-error\.yaml:5:3 {2}stack: /);
    expect(r.stdout).toContain('      5 |   - name: other\n            ^');
  });

  it('warns about an unknown key and names the closest known key (exit 2)', async () => {
    const r = await runCli(['validate', fixture('typo-key.yaml')]);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain(
      'typo-key.yaml:6:5  mcp-servers[0].transprot: unknown key `transprot`; did you mean `transport`?',
    );
  });

  it('collects type errors and rule errors together', async () => {
    const { code, report } = await validateJson(fixture('wrong-types.yaml'));
    expect(code).toBe(1);
    expect(report.issues.map((i) => `${i.field} ${i.code}`)).toEqual([
      'name TYPE_MISMATCH',
      'mcp-servers[0].command TYPE_MISMATCH',
      'mcp-servers[0].env TYPE_MISMATCH',
      'mcp-servers[0].unprefixed TYPE_MISMATCH',
      'gateway.maxToolResultBytes OUT_OF_RANGE',
      'gateway.code_mode INVALID_VALUE',
      'gateway GATEWAY_NO_AUTH',
    ]);
  });

  it('exits 1 with a message (no stack trace) for a missing file, an empty file and a list', async () => {
    const dir = tempDir('bad');
    await writeFile(path.join(dir, 'empty.yaml'), '');
    await writeFile(path.join(dir, 'list.yaml'), '- a\n- b\n');
    const missing = await runCli(['validate', path.join(dir, 'nope.yaml')]);
    expect(missing.code).toBe(1);
    expect(missing.stdout).toContain('cannot read');
    expect(missing.stdout).toContain('no such file');
    const empty = await runCli(['validate', path.join(dir, 'empty.yaml')]);
    expect(empty.code).toBe(1);
    expect(empty.stdout).toContain('the file is empty');
    const list = await runCli(['validate', path.join(dir, 'list.yaml')]);
    expect(list.stdout).toContain('must be a mapping of keys to values, not a list');
    for (const r of [missing, empty, list]) expect(r.stdout + r.stderr).not.toMatch(/\n\s+at /);
  });

  it('--json is an alias of --format json', async () => {
    const r = await runCli(['validate', fixture('replicas-40.yaml'), '--json']);
    const report = JSON.parse(r.stdout) as JsonReport;
    expect(report).toMatchObject({ valid: false, errorCount: 1, warningCount: 0 });
    expect(Object.keys(report.issues[0]!).sort()).toEqual([
      'code',
      'column',
      'field',
      'line',
      'message',
      'severity',
    ]);
  });

  it('paints only on a TTY', async () => {
    const r = await runCli(['validate', fixture('replicas-40.yaml')]);
    expect(r.stdout).not.toContain('\u001b[');
  });

  it('resolves extends like apply does: child wins, parent entries appended, parent positions kept', async () => {
    const { code, report } = await validateJson(fixture('extends/child/stack.yaml'));
    expect(code).toBe(1);
    expect(report.issues).toHaveLength(1);
    expect(report.issues[0]).toMatchObject({
      code: 'PORT_REQUIRED',
      field: 'mcp-servers[2].port',
      line: 11,
      column: 5,
    });
    expect((report.issues[0] as JsonIssue & { file?: string }).file).toMatch(/extends\/parent\.yaml$/);
  });
});
