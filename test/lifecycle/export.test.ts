// gridctl export: the stack file itself while it is what runs; the applied spec, with secrets
// shown as [REDACTED] and named, once the file has moved on.
import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { freePort } from '../support/net.js';
import { EVERYTHING, gridctl, localServer, type Sandbox, sandbox } from './cli.js';

const sandboxes: Sandbox[] = [];
afterAll(async () => {
  for (const sb of sandboxes) await gridctl(sb, ['destroy', 'exported']).catch(() => undefined);
});

describe('gridctl export', () => {
  it('exports the file while it is what runs, else the applied spec with its secrets named', async () => {
    const sb = sandbox();
    sandboxes.push(sb);
    expect((await gridctl(sb, ['var', 'set', 'EXPORT_TOKEN', 'tok-secret-123456'])).code).toBe(0);
    const port = await freePort();
    const text = `# my comment\nname: exported\nmcp-servers:\n${localServer('everything', EVERYTHING, 'stdio')}    env:\n      TOKEN: \${var:EXPORT_TOKEN}\n`;
    const file = sb.write('stack.yaml', text);
    expect((await gridctl(sb, ['apply', file, '-p', String(port)])).code).toBe(0);

    const same = await gridctl(sb, ['export']);
    expect(same.code, same.stderr).toBe(0);
    expect(same.stdout).toBe(text);
    expect(same.stderr).toContain('is what runs; exported as it is');

    writeFileSync(file, text.replace('stdio"]', 'stdio", "--extra"]'));
    const moved = await gridctl(sb, ['export', 'exported', '-o', 'out.yaml']);
    expect(moved.code, moved.stderr).toBe(0);
    expect(moved.stderr).toContain('1 value(s) are secrets and read [REDACTED]');
    expect(moved.stderr).toContain('mcp-servers[0].env.TOKEN');
    const out = readFileSync(`${sb.dir}/out.yaml`, 'utf8');
    expect(out).not.toContain('tok-secret-123456');
    expect(parse(out)['mcp-servers'][0].env.TOKEN).toBe('[REDACTED]');
    expect(parse(out)['mcp-servers'][0].command).not.toContain('--extra');
  });
});
