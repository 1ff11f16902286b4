import { describe, expect, it } from 'vitest';
import { withServiceImage } from '../../src/config/index.js';

describe('withServiceImage', () => {
  const text = [
    '# my project: keep this comment',
    'project: demo',
    'sites:',
    '  - domain: a.com',
    '    service: { name: web, image: ghcr.io/me/a:1.0, port: 5000 }   # the shop',
    '    private:',
    '      - name: db',
    '        image: postgres:16 # pinned',
    '        port: 5432',
    '',
  ].join('\n');

  it("replaces one service's image and keeps every comment and the rest of the layout", () => {
    const out = withServiceImage(text, ['sites', 0, 'service'], 'ghcr.io/me/a:1.1');
    expect(out).toContain('# my project: keep this comment');
    expect(out).toContain('service: { name: web, image: ghcr.io/me/a:1.1, port: 5000 } # the shop');
    expect(out).toContain('image: postgres:16 # pinned');
    const db = withServiceImage(text, ['sites', 0, 'private', 0], 'postgres:16.4');
    expect(db).toContain('image: postgres:16.4 # pinned');
    expect(db).toContain('image: ghcr.io/me/a:1.0');
  });

  it('refuses a path that names no service image', () => {
    expect(() => withServiceImage(text, ['sites', 3, 'service'], 'x:1')).toThrow('sites.3.service.image is not in the config');
  });
});
