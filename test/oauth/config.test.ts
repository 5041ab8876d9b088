// What `gridctl validate` says about OAuth settings that cannot work, at their place.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateJson } from '../config/cli.js';
import { tempDir } from '../support/temp.js';

const dir = tempDir('oauth-config');
async function issues(yaml: string) {
  const file = join(dir, `s${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, yaml);
  const { report } = await validateJson(file);
  return report.issues
    .filter((i) => i.code === 'AUTH_INVALID')
    .map((i) => `${i.field}: ${i.message}`)
    .sort();
}
const remote = (auth: string, extra = '') =>
  `name: s\nmcp-servers:\n  - name: remote\n    url: https://mcp.example.com/mcp\n${extra}    auth: ${auth}\n`;

describe('OAuth settings in validate', () => {
  it('client_credentials needs the client id and secret', async () => {
    expect(await issues(remote('{type: oauth, grant: client_credentials, client_id: app}'))).toEqual([
      'mcp-servers[0].auth.client_secret: `grant: client_credentials` needs `client_secret`',
    ]);
    expect(await issues(remote('{type: bearer, token: t, grant: client_credentials}'))).toEqual([
      'mcp-servers[0].auth.grant: `grant` does not belong to auth type bearer',
    ]);
  });

  it('oauth is refused on the legacy SSE transport', async () => {
    expect(
      await issues(
        remote(
          '{type: oauth, grant: client_credentials, client_id: a, client_secret: b}',
          '    transport: sse\n',
        ),
      ),
    ).toEqual([
      'mcp-servers[0].auth.type: `auth: {type: oauth}` needs the streamable HTTP transport; the legacy SSE one is not signed in',
    ]);
  });

  it('gateway.auth oauth needs issuer and audience, and takes no token', async () => {
    const gw = (auth: string) => `name: s\nmcp-servers: []\ngateway:\n  auth: ${auth}\n`;
    expect(await issues(gw('{type: oauth, token: x}'))).toEqual(
      [
        'gateway.auth.token: `token` does not belong to auth type oauth',
        'gateway.auth.issuer: auth type oauth needs `issuer`',
        'gateway.auth.audience: auth type oauth needs `audience`',
      ].sort(),
    );
    expect(await issues(gw('{type: oauth, issuer: idp.example.com, audience: https://gw/mcp}'))).toEqual([
      'gateway.auth.issuer: `issuer` must be an http(s) URL',
    ]);
    expect(await issues(gw('{type: bearer, issuer: https://idp}'))).toEqual(
      [
        'gateway.auth.issuer: `issuer` does not belong to auth type bearer',
        'gateway.auth.token: auth type bearer needs `token`',
      ].sort(),
    );
    expect(
      await issues(
        gw(
          '{type: oauth, issuer: https://idp.example.com, audience: https://gw.example.com/mcp, scopes: [a]}',
        ),
      ),
    ).toEqual([]);
  });
});
