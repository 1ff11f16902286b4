/** `webhook.url`, `problems["cert:a.test:expired"].since`: a zod issue's path as people read it. */
export function issuePath(path: readonly PropertyKey[]): string {
  let shown = '';
  for (const key of path) {
    if (typeof key === 'number') shown += `[${key}]`;
    else if (typeof key === 'string' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) shown += shown === '' ? key : `.${key}`;
    else shown += `[${JSON.stringify(String(key).slice(0, 80))}]`;
  }
  return shown === '' ? '(top level)' : shown;
}

/**
 * JSON text → value, or an Error naming `where` and the place of the fault: never the text itself
 * (JSON.parse's own message quotes it, and these files hold secrets).
 */
export function parseJsonText(text: string, where: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const position = /position (\d+)/.exec(String((error as { message?: unknown }).message ?? ''));
    const before = text.slice(0, position ? Number(position[1]) : text.length).split('\n');
    const place =
      text.trim() === '' ? 'it is empty' : `not JSON (line ${before.length}, column ${(before.at(-1)?.length ?? 0) + 1}${position ? '' : ', where it ends too early'})`;
    throw new Error(`${where} is not a valid ${what}: ${place}`);
  }
}
