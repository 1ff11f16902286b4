/** How many characters of a value an error message repeats. */
export const SHOWN_CHARACTERS = 60;

/** The first SHOWN_CHARACTERS characters of `text`, and how long it is, when it is longer. */
function cut(text: string): { shown: string; more: string } {
  const characters = Array.from(text);
  if (characters.length <= SHOWN_CHARACTERS) return { shown: text, more: '' };
  return { shown: characters.slice(0, SHOWN_CHARACTERS).join(''), more: `… (${characters.length} characters)` };
}

/**
 * A value as an error message repeats it: a string quoted, cut after its first 60 characters with
 * its length said (`"xxxx"… (10000 characters)`), so a huge value never fills the screen or a
 * log; a list or a mapping named as such.
 */
export function showValue(value: unknown): string {
  if (typeof value === 'string') {
    const { shown, more } = cut(value);
    return `${JSON.stringify(shown)}${more}`;
  }
  if (Array.isArray(value)) return 'a list';
  // YAML's tags give more than mappings: !!binary, !!timestamp, !!set (yaml's toJS types for them).
  if (value instanceof Uint8Array) return 'binary data (!!binary)';
  if (value instanceof Date) return 'a date (!!timestamp)';
  if (value instanceof Set) return 'a set (!!set)';
  if (value !== null && typeof value === 'object') return 'a mapping';
  return String(value);
}

/** A key of the file as a path repeats it: unquoted, cut like showValue. */
export function showKey(key: string): string {
  const { shown, more } = cut(key);
  return `${shown}${more}`;
}
