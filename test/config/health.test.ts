import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { healthCheck, renderCompose } from '../../recipes/compose.js';
import { configFromYaml, configToYaml, parseConfig, SEED_EXAMPLE, withAddedSite, withServiceImage, type ConfigInput } from '../../src/config/index.js';
import { issuesOf } from './issues.js';

/** The seed example with `health` on its first site's second private service (sites[0].private[1]). */
const withHealth = (health: unknown): ConfigInput => {
  const copy = structuredClone(SEED_EXAMPLE) as ConfigInput;
  (copy.sites[0]!.private![1] as Record<string, unknown>).health = health;
  return copy;
};
const AT = 'sites[0].private[1].health';

describe('health: an HTTP path, or a command run in the container', () => {
  it('takes the path form as before, and the command form as a list of words', () => {
    expect(parseConfig(withHealth('/up')).sites[0]!.private[1]!.health).toBe('/up');
    expect(parseConfig(withHealth({ cmd: ['pg_isready', '-U', 'postgres'] })).sites[0]!.private[1]!.health).toEqual({ cmd: ['pg_isready', '-U', 'postgres'] });
    // YAML reads 6379 as a number: a word of the command is its text.
    expect(configFromYaml(configToYaml(parseConfig(SEED_EXAMPLE)).replace('name: a2', 'name: a2\n        health: { cmd: [redis-cli, -p, 6379, ping] }')).sites[0]!.private[1]!.health).toEqual({ cmd: ['redis-cli', '-p', '6379', 'ping'] });
    // No shell: quotes, $ and spaces inside a word are the program's to read.
    const words = ['sh', '-c', 'pg_isready -U "$POSTGRES_USER" && test -f /tmp/ready'];
    expect(parseConfig(withHealth({ cmd: words })).sites[0]!.private[1]!.health).toEqual({ cmd: words });
  });

  it.each([
    [{ cmd: [] }, `${AT}.cmd: is empty; give the command to run in the container, like [pg_isready, -U, postgres]`],
    [{ cmd: 'pg_isready -U postgres' }, `${AT}.cmd: "pg_isready -U postgres" is not a list of the command's words, like [pg_isready, -U, postgres]`],
    [{ cmd: ['pg_isready', ''] }, `${AT}.cmd[1]: is empty; each word of the command is some text`],
    [{ cmd: ['pg_isready', 'a\nb'] }, `${AT}.cmd[1]: "a\\nb" has a NUL or a line break; a word of the command is one line of text`],
    [{ cmd: ['pg_isready', 'a\rb'] }, `${AT}.cmd[1]: "a\\rb" has a NUL or a line break; a word of the command is one line of text`],
    [{ cmd: ['pg_isready', 'a\0b'] }, `${AT}.cmd[1]: "a\\u0000b" has a NUL or a line break; a word of the command is one line of text`],
    [{ cmd: ['pg_isready', { U: 'postgres' }] }, `${AT}.cmd[1]: a mapping is not a word of the command (text)`],
    [{ cmd: ['pg_isready -U postgres'] }, `${AT}.cmd[0]: "pg_isready -U postgres" is one word with spaces: the command runs without a shell, so write each word apart, like [pg_isready, -U, postgres] (or [sh, -c, "…"] for a shell)`],
    [{ cmd: ['CMD-SHELL', 'pg_isready'] }, `${AT}.cmd[0]: "CMD-SHELL" is compose's own marker; swarm-wiz adds CMD itself: give only the command's words, like [pg_isready, -U, postgres] (or [sh, -c, "…"] for a shell)`],
    [{ cmd: ['CMD', 'pg_isready'] }, `${AT}.cmd[0]: "CMD" is compose's own marker; swarm-wiz adds CMD itself: give only the command's words, like [pg_isready, -U, postgres] (or [sh, -c, "…"] for a shell)`],
    [{}, `${AT}.cmd: is required (the command to run in the container, like [pg_isready, -U, postgres])`],
    [{ cmd: ['pg_isready'], interval: '5s' }, `${AT}.interval: is not a known key (check the spelling; see the config reference in README.md)`],
    [['pg_isready', '-U', 'postgres'], `${AT}: is a list; a command goes under cmd: (health: { cmd: [pg_isready, -U, postgres] })`],
    [5432, `${AT}: 5432 is not a health check (an HTTP path like /up, or { cmd: [pg_isready, -U, postgres] })`],
    [null, `${AT}: null is not a health check (an HTTP path like /up, or { cmd: [pg_isready, -U, postgres] })`],
    ['up', `${AT}: "up" is not an HTTP path (it starts with / and has letters, digits and . _ ~ % / = ? & + - only; at most 200 characters)`],
  ])('refuses %j, naming the key', (health, issue) => {
    expect(issuesOf(withHealth(health))).toEqual([issue]);
  });

  it('tcp: PORT is refused with the reason and what to write instead', () => {
    expect(issuesOf(withHealth({ tcp: 5432 }))).toEqual([
      `${AT}.tcp: is not offered: a TCP check needs a tool in the image that opens a connection (bash's /dev/tcp, nc), and swarm-wiz cannot know what an image holds. Use the image's own check: cmd: [pg_isready, -U, postgres], [mysqladmin, ping, -h, 127.0.0.1], [redis-cli, ping]`,
    ]);
  });

  it('round-trips through swarm-wiz.yaml, and the file edits (deploy, add-domain) keep it', () => {
    const config = parseConfig(withHealth({ cmd: ['sh', '-c', 'pg_isready -U "$POSTGRES_USER"', 5432] }));
    const text = configToYaml(config);
    expect(text).toContain('        health: { cmd: [ sh, -c, pg_isready -U "$POSTGRES_USER", "5432" ] }\n');
    expect(configFromYaml(text)).toEqual(config);
    const deployed = configFromYaml(withServiceImage(text, ['sites', 0, 'private', 1], 'ghcr.io/me/a2:2.0'));
    expect(deployed.sites[0]!.private[1]).toMatchObject({ image: 'ghcr.io/me/a2:2.0', health: { cmd: ['sh', '-c', 'pg_isready -U "$POSTGRES_USER"', '5432'] } });
    const added = configFromYaml(withAddedSite(text, { domain: 'd.com', service: { name: 'service-d', image: 'ghcr.io/me/d:1', port: 5000 }, private: [{ name: 'd1', image: 'postgres:16', port: 5432, health: { cmd: ['pg_isready', '-U', 'postgres'] } }] }));
    expect(added.sites[0]!.private[1]!.health).toEqual(config.sites[0]!.private[1]!.health);
    expect(added.sites.at(-1)!.private[0]!.health).toEqual({ cmd: ['pg_isready', '-U', 'postgres'] });
  });
});

describe('the compose health check of each form', () => {
  it('a command: CMD and its words as written, $ doubled for docker stack deploy; 60 s before failures count', () => {
    expect(healthCheck({ port: 5432, health: { cmd: ['pg_isready', '-U', 'postgres'] } })).toEqual({ test: ['CMD', 'pg_isready', '-U', 'postgres'], interval: '5s', timeout: '3s', retries: 3, start_period: '60s' });
    expect(healthCheck({ port: 5432, health: { cmd: ['sh', '-c', 'pg_isready -U "$POSTGRES_USER" ${X:-y}'] } })?.test).toEqual(['CMD', 'sh', '-c', 'pg_isready -U "$$POSTGRES_USER" $${X:-y}']);
  });

  it('a path: wget, else curl, on the service port, as before; none without health', () => {
    expect(healthCheck({ port: 5000, health: '/up' })).toEqual({
      test: ['CMD-SHELL', "wget -q -O /dev/null 'http://127.0.0.1:5000/up' || curl -fsS -o /dev/null 'http://127.0.0.1:5000/up'"],
      interval: '5s',
      timeout: '3s',
      retries: 3,
      start_period: '20s',
    });
    expect(healthCheck({ port: 5000 })).toBeUndefined();
  });

  it('reaches the private service in docker-compose.yml', () => {
    const compose = YAML.parse(renderCompose(parseConfig(withHealth({ cmd: ['pg_isready', '-U', 'postgres'] })))) as { services: Record<string, { healthcheck?: { test: string[] } }> };
    expect(compose.services.a2?.healthcheck?.test).toEqual(['CMD', 'pg_isready', '-U', 'postgres']);
    expect(compose.services.a1?.healthcheck).toBeUndefined();
  });
});
