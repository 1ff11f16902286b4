import { describe, expect, it } from 'vitest';
import {
  ALERT_URL_MAX,
  AlertUrlError,
  alertDestinationsSchema,
  checkAlertUrl,
  guessFormat,
  maskUrl,
  parseAlertDestinations,
  secretPartsOf,
  type AlertDestinations,
} from '../../src/alerts/destinations.js';

const SLACK = 'https://hooks.slack.com/services/T0SECRET/B0SECRET/xoxSECRETtoken';
const DISCORD = 'https://discord.com/api/webhooks/123456789/discordSECRETtoken';
const NTFY = 'https://ntfy.sh/secret-topic-42';
const HEARTBEAT = 'https://hc-ping.com/0d1c2b3a-secret-uuid';

/** The message of what `run` throws (it must throw). */
function thrown(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error');
}

describe('checkAlertUrl', () => {
  it('accepts http and https URLs with a host, trimmed and normalized', () => {
    expect(checkAlertUrl('--webhook', `  ${SLACK}\n`)).toBe(SLACK);
    expect(checkAlertUrl('--heartbeat', 'http://LOCALHOST:8080/ping')).toBe('http://localhost:8080/ping');
    expect(checkAlertUrl('--webhook', 'https://example.com')).toBe('https://example.com/');
  });

  it.each([
    ['ftp://files.example.com/secretpath', /scheme is neither http nor https/],
    ['file:///etc/secretpath', /scheme is neither http nor https/],
    ['https://user:secretpass@example.com/hook', /user:password@/],
    ['https://example.com/secret path', /space or a control character/],
    ['https://example.com/secret\u0007path', /space or a control character/],
    ['https://example.com/secret\tpath', /space or a control character/],
    ['secretpath-without-scheme', /cannot be read as a URL/],
    ['', /empty/],
    [`https://example.com/${'s'.repeat(ALERT_URL_MAX)}`, /characters long/],
  ])('refuses %j, naming the field and what is valid, without repeating the value', (text, why) => {
    const error = thrown(() => checkAlertUrl('--webhook', text));
    expect(error).toBeInstanceOf(AlertUrlError);
    expect((error as AlertUrlError).field).toBe('--webhook');
    expect(error.message).toMatch(/^--webhook is not an http\(s\) URL with a host \(/);
    expect(error.message).toMatch(why);
    expect(error.message).toContain('at most 2048 characters');
    expect(error.message).not.toMatch(/secretpa|secret path|secret.path|s{10}/);
    if (text !== '') expect(error.message).not.toContain(text);
  });

  it('names --heartbeat when that is the field', () => {
    const error = thrown(() => checkAlertUrl('--heartbeat', 'mailto:ops@example.com'));
    expect(error.message).toMatch(/^--heartbeat /);
    expect(error.message).not.toContain('ops@example.com');
  });
});

describe('guessFormat', () => {
  it.each([
    [SLACK, 'slack'],
    [DISCORD, 'discord'],
    ['https://discordapp.com/api/webhooks/1/t', 'discord'],
    ['https://canary.discord.com/api/v10/webhooks/1/t', 'discord'],
    ['https://discord.com/channels/1/2', 'json'],
    [NTFY, 'ntfy'],
    ['https://ntfy.example.org/alerts', 'ntfy'],
    ['https://ntfy.example.org/v1/alerts', 'json'],
    ['https://example.com/hooks/alerts', 'json'],
    ['https://hooks.slack.com.evil.test/services/T/B/x', 'json'],
  ] as const)('%s → %s', (url, format) => {
    expect(guessFormat(url)).toBe(format);
  });
});

describe('maskUrl', () => {
  it.each([
    [SLACK, undefined, 'https://hooks.slack.com/services/…'],
    [DISCORD, 'discord', 'https://discord.com/api/webhooks/…'],
    [NTFY, 'ntfy', 'https://ntfy.sh/…'],
    [HEARTBEAT, 'heartbeat', 'https://hc-ping.com/…'],
    ['https://example.com/hook?token=abc', 'json', 'https://example.com/…'],
    ['https://example.com/?token=abc', 'json', 'https://example.com/…'],
    ['http://127.0.0.1:8080/x', 'json', 'http://127.0.0.1:8080/…'],
    ['https://example.com/', 'json', 'https://example.com'],
    ['https://user:pw@example.com/', 'json', 'https://example.com'],
  ] as const)('%s (%s) → %s', (url, format, masked) => {
    expect(maskUrl(url, format)).toBe(masked);
  });

  it('never shows the secret part of any of them', () => {
    for (const url of [SLACK, DISCORD, NTFY, HEARTBEAT]) {
      const masked = maskUrl(url);
      expect(masked).not.toMatch(/SECRET|secret/);
      expect(masked.endsWith('…')).toBe(true);
    }
  });
});

describe('secretPartsOf', () => {
  it('lists the full URLs, host+path, path+query and the masked part, longest first', () => {
    const dest: AlertDestinations = { webhook: { url: DISCORD, format: 'discord' }, heartbeat: { url: `${HEARTBEAT}?rid=7` } };
    const parts = secretPartsOf(dest);
    expect(parts).toContain(DISCORD);
    expect(parts).toContain('discord.com/api/webhooks/123456789/discordSECRETtoken');
    expect(parts).toContain('/api/webhooks/123456789/discordSECRETtoken');
    expect(parts).toContain('123456789/discordSECRETtoken');
    expect(parts).toContain(`${HEARTBEAT}?rid=7`);
    expect(parts).toContain('/0d1c2b3a-secret-uuid?rid=7');
    expect(parts).toContain('?rid=7');
    expect([...parts].sort((a, b) => b.length - a.length)).toEqual(parts);
    // Scrubbing in that order leaves nothing of either secret.
    let text = `posting to ${DISCORD} failed; then ${HEARTBEAT}?rid=7 and discord.com/api/webhooks/123456789/discordSECRETtoken`;
    for (const part of parts) text = text.split(part).join('***');
    expect(text).not.toMatch(/SECRET|secret/);
  });

  it('is empty without destinations', () => {
    expect(secretPartsOf({})).toEqual([]);
  });
});

describe('parseAlertDestinations', () => {
  it('reads what the schema accepts', () => {
    const dest = { webhook: { url: SLACK, format: 'slack' }, heartbeat: { url: HEARTBEAT } };
    expect(parseAlertDestinations(JSON.stringify(dest), 'alerts.json')).toEqual(dest);
    expect(parseAlertDestinations('{}', 'alerts.json')).toEqual({});
    expect(alertDestinationsSchema.safeParse({ heartbeat: { url: HEARTBEAT } }).success).toBe(true);
  });

  it('names the file and the field, never the URL', () => {
    const text = JSON.stringify({ webhook: { url: 'ftp://secret.example/token', format: 'teams' }, heartbeat: { url: 'https://a:secretpw@hc-ping.com/x' } });
    const message = thrown(() => parseAlertDestinations(text, '/p/.swarm-wiz/alerts.json')).message;
    expect(message).toMatch(/^\/p\/\.swarm-wiz\/alerts\.json is not a valid alert destinations file: /);
    expect(message).toContain('webhook.url: is not an alert URL (its scheme is neither http nor https)');
    expect(message).toContain('webhook.format: is not one of slack, discord, ntfy, json');
    expect(message).toContain('heartbeat.url: is not an alert URL (it holds a user:password@ part');
    expect(message).not.toMatch(/secret|token|teams/);
  });

  it('refuses unknown keys and missing fields by name', () => {
    const message = thrown(() => parseAlertDestinations(JSON.stringify({ webhook: { url: SLACK }, pager: 1 }), 'alerts.json')).message;
    expect(message).toContain('webhook.format: is not one of');
    expect(message).toContain('has unknown key pager');
    const keyed = thrown(() => parseAlertDestinations(JSON.stringify({ 'https://secret.example/tok': 1 }), 'alerts.json')).message;
    expect(keyed).toContain('has unknown key (a key that is no plain name)');
    expect(keyed).not.toContain('secret.example');
    expect(message).not.toContain('SECRET');
  });

  it('says where JSON is broken, without quoting it (JSON.parse would)', () => {
    const message = thrown(() => parseAlertDestinations(`{"webhook": {"url": "${SLACK}" x}}`, 'alerts.json')).message;
    expect(message).toMatch(/^alerts\.json is not a valid alert destinations file: not JSON \(line 1, column \d+\)$/);
    expect(message).not.toContain('SECRET');
    expect(thrown(() => parseAlertDestinations('  ', 'alerts.json')).message).toContain('it is empty');
  });
});
