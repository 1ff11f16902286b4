import { describe, expect, it } from 'vitest';
import { imagePush, redact, registryLogin } from '../../src/commands/index.js';

describe('registry commands', () => {
  const credentials = { host: 'registry.digitalocean.com', username: 'dop_v1_secret', password: 'dop_v1_secret' };

  it('logs in with the password on stdin, never in argv, and redacts it', () => {
    const login = registryLogin(credentials);
    expect(login.argv).toEqual(['docker', 'login', '--username', 'dop_v1_secret', '--password-stdin', 'registry.digitalocean.com']);
    expect(login.stdin).toBe('dop_v1_secret');
    expect(redact(login.argv.join(' '), login.secrets)).not.toContain('dop_v1_secret');
    expect(login.description).not.toContain('secret');
  });

  it('keeps a plain user visible and the password out of argv', () => {
    const login = registryLogin({ host: '10.110.0.2:5000', username: 'ci', password: 'hunter2' });
    expect(login.argv).not.toContain('hunter2');
    expect(login.argv).toContain('ci');
    expect(login.secrets).toEqual(['hunter2']);
  });

  it('pushes the tag the compose file names', () => {
    expect(imagePush('registry.digitalocean.com/me/demo-proxy:0123456789ab').argv).toEqual(['docker', 'push', 'registry.digitalocean.com/me/demo-proxy:0123456789ab']);
  });
});
