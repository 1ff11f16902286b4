import { describe, expect, it } from 'vitest';
import { launchDir } from '../../src/cli/io.js';

describe('launchDir: the folder the user called swarm-wiz from', () => {
  const checkout = '/home/me/swarm-wiz';
  it("swarm-wiz's own `npm start`: the folder npm was called from (INIT_CWD), not the checkout npm runs the script in", () => {
    expect(launchDir({ npm_lifecycle_event: 'start', npm_package_name: 'swarm-wiz', INIT_CWD: '/home/me/sites' }, checkout)).toBe('/home/me/sites');
  });

  it('anything else: the working directory (an installed swarm-wiz, another script, another package)', () => {
    expect(launchDir({ INIT_CWD: '/home/me/sites' }, checkout)).toBe(checkout);
    expect(launchDir({ npm_lifecycle_event: 'test', npm_package_name: 'swarm-wiz', INIT_CWD: '/home/me/sites' }, checkout)).toBe(checkout);
    expect(launchDir({ npm_lifecycle_event: 'start', npm_package_name: 'my-site', INIT_CWD: '/home/me/sites' }, checkout)).toBe(checkout);
    expect(launchDir({ npm_lifecycle_event: 'start', npm_package_name: 'swarm-wiz', INIT_CWD: '' }, checkout)).toBe(checkout);
  });
});
