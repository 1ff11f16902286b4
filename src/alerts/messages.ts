import { remoteLine } from '../text/remote-text.js';
import type { AlertFormat } from './destinations.js';

/** What one alert says: a problem (again), its end, or a test from `alerts test`. */
export type AlertEvent =
  | { kind: 'problem'; key: string; severity: 'warning' | 'critical'; line: string; since: string /* ISO */ }
  | { kind: 'resolved'; key: string; line: string /* the problem's last line */; since: string }
  | { kind: 'test' };

/** One HTTP request, as data: built here, sent by src/adapters/webhook.ts. */
export interface HttpRequest {
  url: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
}

/** Slack's limit on a section block's text. */
export const SLACK_TEXT_MAX = 3000;
/** Discord's limits (Execute Webhook, embed limits), in UTF-16 code units as Discord counts. */
export const DISCORD_CONTENT_MAX = 2000;
export const DISCORD_TITLE_MAX = 256;
export const DISCORD_DESCRIPTION_MAX = 4096;
/** ntfy treats a longer body (4,096 bytes by default) as an attachment; stay below it. */
export const NTFY_BODY_MAX_BYTES = 4000;
/** A header value's length at most (one short line). */
export const NTFY_HEADER_MAX = 200;
/** How much of a project's name a message repeats. */
const PROJECT_MAX = 100;

/** The parts of a message: its headline (`[project] CRITICAL`) and the remote line after it, both cleaned. */
interface Parts {
  headline: string;
  /** event.line through remoteLine, or the test's own words. */
  line: string;
}

function parts(project: string, event: AlertEvent): Parts {
  const name = `[${remoteLine(project, PROJECT_MAX)}]`;
  switch (event.kind) {
    case 'problem':
      return { headline: `${name} ${event.severity === 'critical' ? 'CRITICAL' : 'WARNING'}`, line: remoteLine(event.line) };
    case 'resolved':
      return { headline: `${name} resolved`, line: remoteLine(event.line) };
    case 'test':
      return { headline: `${name} test alert from swarm-wiz`, line: 'alerts reach this place' };
  }
}

/**
 * The alert as one line of plain text: `[project] CRITICAL: <line>`, `[project] WARNING: <line>`,
 * `[project] resolved: <line>`, `[project] test alert from swarm-wiz: alerts reach this place`. The
 * remote part went through remoteLine (no control characters, one line, at most REMOTE_TEXT_MAX).
 */
export function alertText(project: string, event: AlertEvent): string {
  const { headline, line } = parts(project, event);
  return `${headline}: ${line}`;
}

/**
 * `text` escaped character by character, cut with `…` so the escaped result has at most `max` UTF-16
 * code units; an escape (`&amp;`, `\*`) or a surrogate pair is never cut in half.
 */
export function escapeWithin(text: string, escape: (character: string) => string, max: number): string {
  const whole = Array.from(text, escape).join('');
  if (whole.length <= max) return whole;
  let cut = '';
  for (const character of text) {
    const next = escape(character);
    if (cut.length + next.length > max - 1) break;
    cut += next;
  }
  return `${cut}…`;
}

/** Slack's control characters as the HTML entities Slack asks for; nothing else is touched. */
const slackEscape = (character: string) => (character === '&' ? '&amp;' : character === '<' ? '&lt;' : character === '>' ? '&gt;' : character);

function slack(url: string, { headline, line }: Parts): HttpRequest {
  const head = `${Array.from(headline, slackEscape).join('')}: `;
  const text = head + escapeWithin(line, slackEscape, SLACK_TEXT_MAX - head.length);
  return json(url, { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] });
}

/** Discord markdown's characters, each behind a backslash (Discord shows it as the plain character). */
const DISCORD_MARKDOWN = /[\\*_~`|<>[\]()#]/;
const discordEscape = (character: string) => (DISCORD_MARKDOWN.test(character) ? `\\${character}` : character);
/** `@everyone` and `@here` broken by a zero-width space (allowed_mentions already stops the ping). */
const breakMentions = (text: string) => text.replace(/@(everyone|here)/gi, '@\u200b$1');

const DISCORD_COLOURS: Record<AlertEvent['kind'] | 'warning', number> = {
  problem: 0xed4245,
  warning: 0xfee75c,
  resolved: 0x57f287,
  test: 0x5865f2,
};

function discord(url: string, { headline, line }: Parts, event: AlertEvent): HttpRequest {
  const escape = (text: string, max: number) => escapeWithin(breakMentions(text), discordEscape, max);
  const title = escape(headline, DISCORD_TITLE_MAX);
  const head = `${title}: `;
  const content = head + escape(line, DISCORD_CONTENT_MAX - head.length);
  const since = event.kind === 'test' ? '' : `\nsince ${remoteLine(event.since, 40)}`;
  const description = escape(line, DISCORD_DESCRIPTION_MAX - since.length) + since;
  const color = DISCORD_COLOURS[event.kind === 'problem' && event.severity === 'warning' ? 'warning' : event.kind];
  return json(url, { content, embeds: [{ title, description, color }], allowed_mentions: { parse: [] } });
}

/** A header value: printable ASCII on one line (anything else becomes `?`), at most NTFY_HEADER_MAX. */
export function headerValue(text: string): string {
  const ascii = text.replace(/[^\x20-\x7e]/g, '?').trim();
  return ascii.length <= NTFY_HEADER_MAX ? ascii : `${ascii.slice(0, NTFY_HEADER_MAX - 3)}...`;
}

/** `text` cut so its UTF-8 form has at most `max` bytes, never inside a character. */
function withinBytes(text: string, max: number): string {
  if (Buffer.byteLength(text) <= max) return text;
  let cut = '';
  let bytes = 0;
  for (const character of text) {
    const size = Buffer.byteLength(character);
    if (bytes + size > max - 3) break;
    cut += character;
    bytes += size;
  }
  return `${cut}…`;
}

const NTFY_LOOK: Record<AlertEvent['kind'] | 'warning', { priority: string; tags: string }> = {
  problem: { priority: 'urgent', tags: 'rotating_light' },
  warning: { priority: 'default', tags: 'warning' },
  resolved: { priority: 'low', tags: 'white_check_mark' },
  test: { priority: 'low', tags: 'test_tube' },
};

function ntfy(url: string, { headline, line }: Parts, event: AlertEvent): HttpRequest {
  const look = NTFY_LOOK[event.kind === 'problem' && event.severity === 'warning' ? 'warning' : event.kind];
  return {
    url,
    method: 'POST',
    headers: { 'content-type': 'text/plain; charset=utf-8', Title: headerValue(headline), Priority: look.priority, Tags: look.tags },
    body: withinBytes(`${headline}: ${line}`, NTFY_BODY_MAX_BYTES),
  };
}

function plainJson(url: string, project: string, event: AlertEvent, at: Date): HttpRequest {
  const text = alertText(project, event);
  const base = { project: remoteLine(project, PROJECT_MAX), event: event.kind };
  const about =
    event.kind === 'problem'
      ? { severity: event.severity, key: remoteLine(event.key), text, since: event.since }
      : event.kind === 'resolved'
        ? { key: remoteLine(event.key), text, since: event.since }
        : { text };
  return json(url, { ...base, ...about, at: at.toISOString() });
}

function json(url: string, body: unknown): HttpRequest {
  return { url, method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

/**
 * The request that tells `url` about `event`, in the shape its service documents:
 * - slack: `{ text, blocks: [section mrkdwn] }`, `&`, `<`, `>` as HTML entities (no `<!channel>`, no link
 *   can be formed by remote text), at most SLACK_TEXT_MAX characters;
 * - discord: `{ content, embeds: [{ title, description, color }], allowed_mentions: { parse: [] } }`,
 *   markdown characters escaped, `@everyone`/`@here` broken, Discord's length limits kept;
 * - ntfy: the text as the body (UTF-8, under ntfy's attachment threshold), Title/Priority/Tags headers
 *   in printable ASCII;
 * - json: `{ project, event, severity?, key?, text, since?, at }`.
 * Remote text (event.line) goes through remoteLine first, then the format's escaping.
 */
export function alertRequest(format: AlertFormat, url: string, project: string, event: AlertEvent, at: Date): HttpRequest {
  switch (format) {
    case 'slack':
      return slack(url, parts(project, event));
    case 'discord':
      return discord(url, parts(project, event), event);
    case 'ntfy':
      return ntfy(url, parts(project, event), event);
    case 'json':
      return plainJson(url, project, event, at);
  }
}

/** The heartbeat's ping: a plain GET (healthchecks.io and its kind take any method). */
export function heartbeatRequest(url: string): HttpRequest {
  return { url, method: 'GET', headers: {} };
}
