import { z } from 'zod';
import { issuePath, parseJsonText } from './json-file.js';

/**
 * Where alerts go: one webhook (Slack, Discord, ntfy or plain JSON) and one heartbeat URL. Both URLs
 * carry their service's token, so they are secrets: never printed in full (maskUrl), never repeated by
 * an error message — not even a part of them.
 */
export const ALERT_FORMATS = ['slack', 'discord', 'ntfy', 'json'] as const;
export type AlertFormat = (typeof ALERT_FORMATS)[number];

export interface AlertDestinations {
  webhook?: { url: string; format: AlertFormat };
  heartbeat?: { url: string };
}

/** The longest URL accepted (browsers and proxies cut around here; every service's URL is far shorter). */
export const ALERT_URL_MAX = 2048;

/** What an alert URL must be, said in every message about one. */
const VALID_URL = `an http:// or https:// URL with a host, at most ${ALERT_URL_MAX} characters, no spaces or control characters, no user:password@`;

// eslint-disable-next-line no-control-regex
const BLANK_OR_CONTROL = /[\s\u0000-\u001f\u007f-\u009f]/;

/** Why `text` is no alert URL (in words that never repeat any of it), or its normalized form. */
function inspectUrl(text: string): { url: string } | { problem: string } {
  const trimmed = text.trim();
  if (trimmed === '') return { problem: 'it is empty' };
  if (trimmed.length > ALERT_URL_MAX) return { problem: `it is ${trimmed.length} characters long` };
  if (BLANK_OR_CONTROL.test(trimmed)) return { problem: 'it contains a space or a control character' };
  const url = parseUrl(trimmed);
  if (!url) return { problem: 'it cannot be read as a URL' };
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { problem: 'its scheme is neither http nor https' };
  if (url.hostname === '') return { problem: 'it names no host' };
  if (url.username !== '' || url.password !== '') return { problem: 'it holds a user:password@ part; give the URL as the service shows it' };
  if (url.href.length > ALERT_URL_MAX) return { problem: `it is ${url.href.length} characters long once normalized` };
  return { url: url.href };
}

/** A `--webhook` or `--heartbeat` value that is no usable URL. The message never contains the value (a secret). */
export class AlertUrlError extends Error {
  constructor(
    readonly field: '--webhook' | '--heartbeat',
    readonly problem: string,
  ) {
    super(`${field} is not an http(s) URL with a host (${problem}); expected ${VALID_URL}. The value is not repeated here: it holds a secret token.`);
    this.name = 'AlertUrlError';
  }
}

/** The URL of `--webhook` / `--heartbeat`, trimmed and normalized (WHATWG URL), or AlertUrlError. */
export function checkAlertUrl(field: '--webhook' | '--heartbeat', text: string): string {
  const checked = inspectUrl(text);
  if ('problem' in checked) throw new AlertUrlError(field, checked.problem);
  return checked.url;
}

const alertUrl = z.string({ error: (i) => (i.input === undefined ? `is required (${VALID_URL})` : `is not text (${VALID_URL})`) }).superRefine((text, ctx) => {
  const checked = inspectUrl(text);
  if ('problem' in checked) ctx.addIssue({ code: 'custom', message: `is not an alert URL (${checked.problem}); expected ${VALID_URL}` });
});

const alertFormat = z.enum(ALERT_FORMATS, { error: `is not one of ${ALERT_FORMATS.join(', ')}` });

/** The stored destinations (JSON, kept with the other secrets): unknown keys are refused, like a typo would be. */
export const alertDestinationsSchema: z.ZodType<AlertDestinations> = z.strictObject(
  {
    webhook: z.strictObject({ url: alertUrl, format: alertFormat }, { error: unknownKeyOr('a mapping with url and format') }).optional(),
    heartbeat: z.strictObject({ url: alertUrl }, { error: unknownKeyOr('a mapping with url') }).optional(),
  },
  { error: unknownKeyOr('a mapping with webhook and/or heartbeat') },
);

/** The message for a strict object: its unknown keys (plain names only, never values), or what it should have been. */
function unknownKeyOr(expected: string) {
  const shown = (key: string) => (/^[A-Za-z0-9_-]{1,40}$/.test(key) ? key : '(a key that is no plain name)');
  return (issue: { code?: string; keys?: string[] }) =>
    issue.code === 'unrecognized_keys' ? `has unknown key${issue.keys?.length === 1 ? '' : 's'} ${(issue.keys ?? []).map(shown).join(', ')} (${expected})` : `is not ${expected}`;
}

/**
 * The stored destinations from their JSON text; an Error naming `where` and each bad field (its
 * reason, never its value) otherwise.
 */
export function parseAlertDestinations(text: string, where: string): AlertDestinations {
  const result = alertDestinationsSchema.safeParse(parseJsonText(text, where, 'alert destinations file'));
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => `${issuePath(issue.path)}: ${issue.message}`);
  throw new Error(`${where} is not a valid alert destinations file: ${issues.join('; ')}`);
}

/** A URL object, or undefined when `text` is none (URL.parse is newer than Node 20.17). */
function parseUrl(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}

const DISCORD_HOST = /^(?:[a-z0-9-]+\.)?(?:discord|discordapp)\.com$/;
const DISCORD_PATH = /^\/api\/(?:v\d+\/)?webhooks\//;

/** The format a webhook URL most likely wants, when `--format` is not given. */
export function guessFormat(url: string): AlertFormat {
  const parsed = parseUrl(url);
  if (!parsed) return 'json';
  const host = parsed.hostname.toLowerCase();
  if (host === 'hooks.slack.com') return 'slack';
  if (DISCORD_HOST.test(host) && DISCORD_PATH.test(parsed.pathname)) return 'discord';
  if (host === 'ntfy.sh') return 'ntfy';
  if (host.includes('ntfy') && /^\/[^/]+$/.test(parsed.pathname)) return 'ntfy';
  return 'json';
}

/** A URL split into what may be shown (its origin and a well-known path prefix) and the secret rest. */
function splitSecret(url: URL, format: AlertFormat | 'heartbeat'): { shown: string; secret: string } {
  const rest = `${url.pathname}${url.search}`;
  const prefix =
    format === 'slack' && url.pathname.startsWith('/services/')
      ? '/services/'
      : format === 'discord'
        ? (DISCORD_PATH.exec(url.pathname)?.[0] ?? '/')
        : '/';
  return { shown: `${url.origin}${prefix}`, secret: rest.slice(prefix.length) };
}

/**
 * What `alerts ls` shows of a URL: its origin and a well-known prefix, the secret rest as `…`
 * (`https://hooks.slack.com/services/…`, `https://discord.com/api/webhooks/…`, `https://ntfy.sh/…` —
 * an ntfy topic is itself the secret). Never a query string or user:password@. Without a format, the
 * one guessFormat picks.
 */
export function maskUrl(url: string, format?: AlertFormat | 'heartbeat'): string {
  const parsed = parseUrl(url);
  if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) return '(not an http(s) URL)';
  const { shown, secret } = splitSecret(parsed, format ?? guessFormat(url));
  if (secret !== '') return `${shown}…`;
  return shown === `${parsed.origin}/` ? parsed.origin : shown;
}

/**
 * Every form in which a destination's secret could appear in a text: each full URL (as given and
 * normalized), host+path, path+query, and the part maskUrl hides; longest first, so a scrubber that
 * replaces them in order leaves no tail behind. For tests and for "no leak" checks.
 */
export function secretPartsOf(dest: AlertDestinations): string[] {
  const parts = new Set<string>();
  const add = (url: string, format: AlertFormat | 'heartbeat') => {
    parts.add(url);
    const parsed = parseUrl(url);
    if (!parsed) return;
    parts.add(parsed.href);
    const pathAndQuery = `${parsed.pathname}${parsed.search}`;
    if (pathAndQuery !== '/') {
      parts.add(`${parsed.host}${pathAndQuery}`);
      parts.add(pathAndQuery);
      if (parsed.search.length > 1) parts.add(parsed.search);
    }
    const { secret } = splitSecret(parsed, format);
    if (secret.length >= 4) parts.add(secret);
  };
  if (dest.webhook) add(dest.webhook.url, dest.webhook.format);
  if (dest.heartbeat) add(dest.heartbeat.url, 'heartbeat');
  return [...parts].filter((part) => part !== '').sort((a, b) => b.length - a.length);
}
