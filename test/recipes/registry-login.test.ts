import { describe, expect, it } from 'vitest';
import { registryCredentials } from '../../recipes/registry-login.js';

describe('registryCredentials (the push swarm-wiz makes itself, from the scripts\' variables)', () => {
  it('DigitalOcean: the token as user and password, or which variable to set', () => {
    expect(registryCredentials('registry.digitalocean.com/me', { DIGITALOCEAN_ACCESS_TOKEN: ' tok ' })).toEqual({ credentials: { host: 'registry.digitalocean.com', username: 'tok', password: 'tok' } });
    expect(registryCredentials('registry.digitalocean.com/me', {}).problem).toContain('DIGITALOCEAN_ACCESS_TOKEN');
  });

  it('any registry: SWARM_WIZ_REGISTRY_USER and _PASSWORD, both or neither', () => {
    const env = { SWARM_WIZ_REGISTRY_USER: 'ci', SWARM_WIZ_REGISTRY_PASSWORD: 'pw' };
    expect(registryCredentials('ghcr.io/acme', env)).toEqual({ credentials: { host: 'ghcr.io', username: 'ci', password: 'pw' } });
    expect(registryCredentials('registry.digitalocean.com/me', env).credentials?.username).toBe('ci');
    expect(registryCredentials('ghcr.io/acme', { SWARM_WIZ_REGISTRY_USER: 'ci' }).problem).toContain('only the user is set');
    expect(registryCredentials('ghcr.io/acme', { SWARM_WIZ_REGISTRY_PASSWORD: '  ' })).toEqual({});
  });

  it('a registry of its own with no variable set: an anonymous push', () => {
    expect(registryCredentials('10.110.0.2:5000/swz', {})).toEqual({});
  });

  it('ECR: says how to hand over the login password', () => {
    expect(registryCredentials('123456789012.dkr.ecr.eu-central-1.amazonaws.com/demo', {}).problem).toContain('aws ecr get-login-password --region eu-central-1');
  });
});
