import { describe, expect, it } from 'vitest';
import { serverEnv, withoutOwn } from './env.js';

const host = {
  PATH: '/usr/bin',
  HOME: '/home/u',
  LC_ALL: 'C.UTF-8',
  GRIDCTL_VAULT_PASSPHRASE: 'open sesame',
  GRIDCTL_HOME: '/home/u/.gridctl',
  AWS_REGION: 'eu-west-1',
  AWS_SECRET_ACCESS_KEY: 'aws-secret',
  SSH_AUTH_SOCK: '/tmp/agent',
  UNRELATED: 'x',
};

describe('serverEnv', () => {
  it('gives a local process the basics and its declared env, nothing else of the host', () => {
    expect(serverEnv({ host, declared: { TOKEN: 't' } })).toEqual({
      PATH: '/usr/bin',
      HOME: '/home/u',
      LC_ALL: 'C.UTF-8',
      TOKEN: 't',
    });
  });

  it('passes what pass_env names, by name or prefix, but never gridctl’s own variables', () => {
    const env = serverEnv({ host, pass: ['AWS_*', 'UNRELATED', 'GRIDCTL_HOME', 'G*'] });
    expect(env.AWS_REGION).toBe('eu-west-1');
    expect(env.AWS_SECRET_ACCESS_KEY).toBe('aws-secret');
    expect(env.UNRELATED).toBe('x');
    expect(Object.keys(env).filter((k) => k.startsWith('GRIDCTL_'))).toEqual([]);
  });

  it('lets the declared env win over what is inherited', () => {
    expect(serverEnv({ host, declared: { PATH: '/opt/bin' }, pass: ['UNRELATED'] }).PATH).toBe('/opt/bin');
  });

  it('adds SSH_AUTH_SOCK for the ssh client only, and no basics for a container', () => {
    expect(serverEnv({ host }).SSH_AUTH_SOCK).toBeUndefined();
    expect(serverEnv({ host, base: 'ssh' }).SSH_AUTH_SOCK).toBe('/tmp/agent');
    expect(serverEnv({ host, base: 'container', declared: { A: '1' }, pass: ['AWS_REGION'] })).toEqual({
      A: '1',
      AWS_REGION: 'eu-west-1',
    });
  });
});

describe('withoutOwn', () => {
  it('keeps the host environment but gridctl’s own variables', () => {
    const env = withoutOwn(host);
    expect(env.UNRELATED).toBe('x');
    expect(env.GRIDCTL_VAULT_PASSPHRASE).toBeUndefined();
    expect(env.GRIDCTL_HOME).toBeUndefined();
  });
});
