import { describe, expect, it } from 'vitest';
import { proxyImageLogin } from '../../src/app/live-deploy.js';
import { UsageError } from '../../src/app/errors.js';
import { parseConfig, SEED_EXAMPLE } from '../../src/config/index.js';

describe('the registry login for delivery: image on droplets', () => {
  const image = parseConfig({ ...SEED_EXAMPLE, registry: 'registry.digitalocean.com/me', certificates: { ...SEED_EXAMPLE.certificates, delivery: 'image' } });

  it('comes from the environment', () => {
    expect(proxyImageLogin(image, { DIGITALOCEAN_ACCESS_TOKEN: 'tok' })).toEqual({ host: 'registry.digitalocean.com', username: 'tok', password: 'tok' });
  });

  it('is a usage error naming the variable when it is missing', () => {
    expect(() => proxyImageLogin(image, {})).toThrow(UsageError);
    expect(() => proxyImageLogin(image, {})).toThrow('DIGITALOCEAN_ACCESS_TOKEN');
  });

  it('renew goes on without it (only a rollout needs the push)', () => {
    expect(proxyImageLogin(image, {}, { required: false })).toBeUndefined();
  });

  it('is not needed for the other deliveries', () => {
    expect(proxyImageLogin(parseConfig(SEED_EXAMPLE), {})).toBeUndefined();
  });
});
