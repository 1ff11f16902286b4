import { describe, expect, it } from 'vitest';
import { ALERT_FORMATS } from '../../src/alerts/destinations.js';
import {
  DISCORD_CONTENT_MAX,
  DISCORD_DESCRIPTION_MAX,
  DISCORD_TITLE_MAX,
  NTFY_BODY_MAX_BYTES,
  SLACK_TEXT_MAX,
  alertRequest,
  alertText,
  escapeWithin,
  heartbeatRequest,
  type AlertEvent,
  type HttpRequest,
} from '../../src/alerts/messages.js';

const URL_ = 'https://hooks.example.test/T0/B0/token';
const at = new Date('2026-11-30T12:00:00.000Z');
const since = '2026-11-30T06:00:00.000Z';
const critical: AlertEvent = { kind: 'problem', key: 'cert:a.test:expired', severity: 'critical', line: 'a.test: expired at 2026-11-29 00:00 UTC', since };
const warning: AlertEvent = { kind: 'problem', key: 'cert:a.test:overdue', severity: 'warning', line: 'a.test: renewal overdue', since };
const resolved: AlertEvent = { kind: 'resolved', key: 'cert:a.test:expired', line: 'a.test: expired at 2026-11-29 00:00 UTC', since };
const test: AlertEvent = { kind: 'test' };

/** A line from a hostile or broken server: escapes, Slack and Discord mentions, markdown, newlines, 5000 characters. */
const HOSTILE =
  '\u001b[2J\u001b]0;owned\u0007a.test: <!channel> <@U123> @everyone @here *bold* _it_ ~s~ `code` ||spoiler|| [x](https://evil.test) & done\r\nsecond line\n' +
  'x'.repeat(5000);
const hostile: AlertEvent = { kind: 'problem', key: 'cert:a.test:x', severity: 'critical', line: HOSTILE, since };

const body = (request: HttpRequest) => JSON.parse(request.body ?? '') as Record<string, unknown>;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

describe('alertText', () => {
  it('words each kind of event', () => {
    expect(alertText('shop', critical)).toBe('[shop] CRITICAL: a.test: expired at 2026-11-29 00:00 UTC');
    expect(alertText('shop', warning)).toBe('[shop] WARNING: a.test: renewal overdue');
    expect(alertText('shop', resolved)).toBe('[shop] resolved: a.test: expired at 2026-11-29 00:00 UTC');
    expect(alertText('shop', test)).toBe('[shop] test alert from swarm-wiz: alerts reach this place');
  });

  it('passes the remote line through remoteLine: no escapes, one line, capped', () => {
    const text = alertText('shop', hostile);
    expect(text).not.toMatch(CONTROL);
    expect(text).not.toContain('owned');
    expect(text).toContain('& done second line x');
    expect(text).toMatch(/… \d+ more characters$/);
    expect(text.length).toBeLessThan(2100);
  });
});

describe('slack', () => {
  it('is { text, blocks: [section mrkdwn] } with text as the fallback', () => {
    const request = alertRequest('slack', URL_, 'shop', critical, at);
    expect(request).toMatchObject({ url: URL_, method: 'POST', headers: { 'content-type': 'application/json' } });
    const text = '[shop] CRITICAL: a.test: expired at 2026-11-29 00:00 UTC';
    expect(body(request)).toEqual({ text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] });
  });

  it('escapes &, < and > as Slack documents, so no <!channel>, mention or link comes through', () => {
    const { text, blocks } = body(alertRequest('slack', URL_, 'shop', { ...warning, line: 'a & b <!channel> <https://evil.test|x> 1 > 0' }, at)) as { text: string; blocks: { text: { text: string } }[] };
    expect(text).toBe('[shop] WARNING: a &amp; b &lt;!channel&gt; &lt;https://evil.test|x&gt; 1 &gt; 0');
    expect(blocks[0]?.text.text).toBe(text);
  });

  it('keeps a hostile line within the section limit, escaped and without control characters', () => {
    const { text } = body(alertRequest('slack', URL_, 'shop', hostile, at)) as { text: string };
    expect(text.length).toBeLessThanOrEqual(SLACK_TEXT_MAX);
    expect(text).not.toMatch(/[<>]/);
    expect(text).toContain('&lt;!channel&gt;');
    expect(text).not.toMatch(CONTROL);
    expect(text).not.toMatch(/&(?!amp;|lt;|gt;)/);
  });

  it('cuts so the escaped text fits, never inside an entity', () => {
    const { text } = body(alertRequest('slack', URL_, 'shop', { ...warning, line: '<'.repeat(1999) }, at)) as { text: string };
    expect(text.length).toBeLessThanOrEqual(SLACK_TEXT_MAX);
    expect(text).toMatch(/(&lt;)+…$/);
  });
});

describe('discord', () => {
  it('is { content, embeds: [{ title, description, color }], allowed_mentions: { parse: [] } }', () => {
    const request = alertRequest('discord', URL_, 'shop', critical, at);
    expect(request).toMatchObject({ url: URL_, method: 'POST', headers: { 'content-type': 'application/json' } });
    expect(body(request)).toEqual({
      content: '\\[shop\\] CRITICAL: a.test: expired at 2026-11-29 00:00 UTC',
      embeds: [{ title: '\\[shop\\] CRITICAL', description: `a.test: expired at 2026-11-29 00:00 UTC\nsince ${since}`, color: 0xed4245 }],
      allowed_mentions: { parse: [] },
    });
  });

  it('colours warning, resolved and test differently from critical', () => {
    const colours = [critical, warning, resolved, test].map((event) => (body(alertRequest('discord', URL_, 'shop', event, at)).embeds as { color: number }[])[0]?.color);
    expect(new Set(colours).size).toBe(4);
  });

  it('neutralises markdown and mentions and keeps Discord limits for a hostile line', () => {
    const sent = body(alertRequest('discord', URL_, 'shop', hostile, at)) as { content: string; embeds: { title: string; description: string }[]; allowed_mentions: unknown };
    const embed = sent.embeds[0]!;
    expect(sent.content.length).toBeLessThanOrEqual(DISCORD_CONTENT_MAX);
    expect(embed.description.length).toBeLessThanOrEqual(DISCORD_DESCRIPTION_MAX);
    expect(embed.title.length).toBeLessThanOrEqual(DISCORD_TITLE_MAX);
    expect(sent.allowed_mentions).toEqual({ parse: [] });
    expect(embed.description).toMatch(/… \d+ more characters\nsince 2026-11-30T06:00:00.000Z$/);
    for (const text of [sent.content, embed.description.replace(/\nsince .*$/, '')]) {
      expect(text).not.toMatch(CONTROL);
      expect(text).not.toMatch(/@everyone|@here/);
      expect(text).toContain('@\u200beveryone');
      expect(text).toContain('\\<@U123\\>');
      expect(text).toContain('\\*bold\\*');
      expect(text).toContain('\\_it\\_');
      expect(text).toContain('\\~s\\~');
      expect(text).toContain('\\`code\\`');
      expect(text).toContain('\\|\\|spoiler\\|\\|');
      expect(text).toContain('\\[x\\]\\(https://evil.test\\)');
      // Every markdown character has its backslash (an escaped backslash counts as one pair).
      expect(text.replace(/\\[\\*_~`|<>[\]()#]/g, '')).not.toMatch(/[\\*_~`|<>[\]()#]/);
    }
    expect(sent.content.endsWith('…')).toBe(true);
  });

  it('escapes a title that would be too long within 256', () => {
    const sent = body(alertRequest('discord', URL_, 'x'.repeat(300), test, at)) as { embeds: { title: string }[]; content: string };
    expect(sent.embeds[0]!.title.length).toBeLessThanOrEqual(DISCORD_TITLE_MAX);
    expect(sent.content.length).toBeLessThanOrEqual(DISCORD_CONTENT_MAX);
  });
});

describe('ntfy', () => {
  it('POSTs the text to the topic URL with Title, Priority and Tags headers', () => {
    const request = alertRequest('ntfy', 'https://ntfy.sh/topic', 'shop', critical, at);
    expect(request).toEqual({
      url: 'https://ntfy.sh/topic',
      method: 'POST',
      headers: { 'content-type': 'text/plain; charset=utf-8', Title: '[shop] CRITICAL', Priority: 'urgent', Tags: 'rotating_light' },
      body: '[shop] CRITICAL: a.test: expired at 2026-11-29 00:00 UTC',
    });
  });

  it.each([
    [warning, 'default', 'warning'],
    [resolved, 'low', 'white_check_mark'],
    [test, 'low', 'test_tube'],
  ] as const)('priority and tags of %j', (event, priority, tags) => {
    expect(alertRequest('ntfy', URL_, 'shop', event, at).headers).toMatchObject({ Priority: priority, Tags: tags });
  });

  it('keeps headers single-line printable ASCII and the body UTF-8 text under the attachment threshold', () => {
    for (const project of ['shöp\r\nX-Injected: 1', 'шоп 🚀']) {
      const request = alertRequest('ntfy', URL_, project, { ...hostile, line: `${'🚨'.repeat(1900)}\n${HOSTILE}` }, at);
      for (const value of Object.values(request.headers)) expect(value).toMatch(/^[\x20-\x7e]*$/);
      expect(request.headers.Title).not.toContain('\n');
      expect(Buffer.byteLength(request.body ?? '')).toBeLessThanOrEqual(NTFY_BODY_MAX_BYTES);
      expect(request.body).not.toMatch(CONTROL);
      expect(request.body?.startsWith('[')).toBe(true);
    }
  });
});

describe('json', () => {
  it('is { project, event, severity, key, text, since, at } for a problem', () => {
    const request = alertRequest('json', URL_, 'shop', critical, at);
    expect(request).toMatchObject({ url: URL_, method: 'POST', headers: { 'content-type': 'application/json' } });
    expect(body(request)).toEqual({
      project: 'shop',
      event: 'problem',
      severity: 'critical',
      key: 'cert:a.test:expired',
      text: '[shop] CRITICAL: a.test: expired at 2026-11-29 00:00 UTC',
      since,
      at: at.toISOString(),
    });
  });

  it('has no severity for resolved and only text for a test', () => {
    expect(body(alertRequest('json', URL_, 'shop', resolved, at))).toEqual({ project: 'shop', event: 'resolved', key: 'cert:a.test:expired', text: '[shop] resolved: a.test: expired at 2026-11-29 00:00 UTC', since, at: at.toISOString() });
    expect(body(alertRequest('json', URL_, 'shop', test, at))).toEqual({ project: 'shop', event: 'test', text: '[shop] test alert from swarm-wiz: alerts reach this place', at: at.toISOString() });
  });

  it('carries a hostile line cleaned and capped', () => {
    const { text } = body(alertRequest('json', URL_, 'shop', hostile, at)) as { text: string };
    expect(text).not.toMatch(CONTROL);
    expect(text).not.toContain('\u001b');
    expect(text.length).toBeLessThan(2100);
  });
});

describe('every format', () => {
  it.each(ALERT_FORMATS)('%s: a hostile line is cleaned, one line, capped, and the URL is used as given', (format) => {
    const request = alertRequest(format, URL_, 'shop', hostile, at);
    expect(request.url).toBe(URL_);
    const text = request.body ?? '';
    expect(text.length).toBeLessThan(6000);
    expect(text).not.toContain('\u001b');
    expect(text).not.toContain('owned');
    expect(text).not.toMatch(/[\r\n]/);
    if (format === 'slack' || format === 'discord') expect(text).not.toContain('<!channel>');
  });
});

describe('escapeWithin', () => {
  it('never cuts an escape or a surrogate pair in half', () => {
    expect(escapeWithin('&&&&', (c) => (c === '&' ? '&amp;' : c), 12)).toBe('&amp;&amp;…');
    expect(escapeWithin('🚀🚀🚀', (c) => c, 4)).toBe('🚀…');
    expect(escapeWithin('abc', (c) => c, 3)).toBe('abc');
  });
});

describe('heartbeatRequest', () => {
  it('is a plain GET', () => {
    expect(heartbeatRequest('https://hc-ping.com/uuid')).toEqual({ url: 'https://hc-ping.com/uuid', method: 'GET', headers: {} });
  });
});
