/** How many characters of a remote text are shown at most. */
export const REMOTE_TEXT_MAX = 2000;

/** ANSI/VT escape sequences as a whole (CSI, OSC to BEL or ST, other ESC pairs), 7-bit and C1 forms. */
// eslint-disable-next-line no-control-regex
const ESCAPE_SEQUENCE = /(?:\u001b\[|\u009b)[0-?]*[ -/]*[@-~]|(?:\u001b\]|\u009d)[^\u0007\u001b\u009c]*(?:\u0007|\u001b\\|\u009c)?|\u001b[@-Z\\-_]/g;
/** Every C0 and C1 control character but the newline (and DEL). */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/g;

/**
 * Text that came from a server or another program (an API's message, a task's error, ssh's stderr, a
 * CA's problem detail), made safe to show on a terminal or in a log: escape sequences and every other
 * C0/C1 control character except the newline removed (`\r\n` becomes a newline), then cut after
 * REMOTE_TEXT_MAX characters with `… N more characters`. Every adapter passes remote text through
 * this before it reaches an error or a screen.
 */
export function remoteText(text: string, max = REMOTE_TEXT_MAX): string {
  const clean = text.replace(/\r\n/g, '\n').replace(ESCAPE_SEQUENCE, '').replace(CONTROL, '');
  if (clean.length <= max) return clean;
  const characters = Array.from(clean);
  if (characters.length <= max) return clean;
  return `${characters.slice(0, max).join('')}… ${characters.length - max} more characters`;
}

/** remoteText on one line: newlines (and the blanks around them) become one space. */
export function remoteLine(text: string, max = REMOTE_TEXT_MAX): string {
  return remoteText(text, max).replace(/\s*\n\s*/g, ' ').trim();
}

/** Text with the `user:password@` of every URL in it replaced by `***@`. */
export function hideUrlCredentials(text: string): string {
  return text.replace(/(\b[a-z][a-z0-9+.-]*:\/\/)[^\s/@]+@/gi, '$1***@');
}

/**
 * An error's one line for a progress row or a message that quotes it: the first line of its `summary`
 * when it has one (a failed command), else of its message. For showing only: nothing is decided by it.
 */
export function errorLine(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const { summary } = error as { summary?: unknown };
  const text = typeof summary === 'string' ? summary : error.message;
  return text.split('\n')[0] ?? '';
}
