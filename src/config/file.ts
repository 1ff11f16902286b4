import { readFile } from 'node:fs/promises';
import YAML from 'yaml';
import { writeFileAtomic } from './fs-atomic.js';
import { ConfigError } from './errors.js';
import { parseConfig, type KeyLocator } from './parse.js';
import type { Config } from './schema.js';

/** How many values YAML aliases (`*name`) may expand to; more is an alias bomb ("billion laughs"). */
const MAX_ALIAS_COUNT = 100;

/** The first line of a YAML error, cut so that a long value quoted in it never fills the screen. */
function firstLine(message: string): string {
  const line = message.split('\n')[0] || 'is not valid YAML';
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}

/** Parses YAML text and validates it. YAML syntax errors name the line. */
export function configFromYaml(text: string, file?: string): Config {
  const lineCounter = new YAML.LineCounter();
  const document = YAML.parseDocument(text, { uniqueKeys: true, prettyErrors: true, lineCounter });
  if (document.errors.length > 0) {
    throw new ConfigError(
      document.errors.map((error) => ({ path: error.linePos ? `line ${error.linePos[0].line}` : '(yaml)', reason: firstLine(error.message) })),
      file,
    );
  }
  let value: unknown;
  try {
    value = document.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    // yaml throws a ReferenceError when the aliases expand past maxAliasCount.
    const reason = /alias/i.test(String(error))
      ? `the file uses too many aliases (*name expands to more than ${MAX_ALIAS_COUNT} values, as in an alias bomb); write the values out instead`
      : firstLine(error instanceof Error ? error.message : String(error));
    throw new ConfigError([{ path: '(yaml)', reason }], file);
  }
  return parseConfig(value, file, keyLocator(document, lineCounter));
}

/** `line L, column C` of the key at `path` in the document (the key's own position, not its text). */
function keyLocator(document: YAML.Document, lineCounter: YAML.LineCounter): KeyLocator {
  return (path) => {
    const parent = path.length === 1 ? document.contents : document.getIn(path.slice(0, -1), true);
    if (!YAML.isMap(parent)) return undefined;
    const pair = parent.items.find((item) => YAML.isScalar(item.key) && String(item.key.value) === String(path[path.length - 1]));
    const offset = YAML.isScalar(pair?.key) ? pair.key.range?.[0] : undefined;
    if (offset === undefined) return undefined;
    const { line, col } = lineCounter.linePos(offset);
    return `line ${line}, column ${col}`;
  };
}

/** Reads and validates `swarm-wiz.yaml`. */
export async function loadConfig(path: string): Promise<Config> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'does not exist (run swarm-wiz to create it, or pass --config FILE)' : `cannot be read (${code ?? String(error)})`;
    throw new ConfigError([{ path: path, reason }]);
  }
  return configFromYaml(text, path);
}

const HEADER = '# swarm-wiz.yaml: the desired state of this project. Safe to commit: it holds no secrets.\n# Edit it and run `swarm-wiz plan` to see what would change.\n';

/** A validated site as swarm-wiz.yaml writes it: empty aliases and private services left out. */
export function siteInput(site: Config['sites'][number]): Record<string, unknown> {
  return {
    domain: site.domain,
    ...(site.aliases.length > 0 ? { aliases: site.aliases } : {}),
    service: site.service,
    ...(site.private.length > 0 ? { private: site.private } : {}),
  };
}

/** The YAML text of a config, in the documented key order. */
export function configToYaml(config: Config): string {
  const sites = config.sites.map(siteInput);
  const ordered = {
    project: config.project,
    region: config.region,
    size: config.size,
    managers: config.managers,
    workers: config.workers,
    topology: config.topology,
    sites,
    certificates: config.certificates,
    ...(config.registry ? { registry: config.registry } : {}),
    proxy: config.proxy,
  };
  const document = new YAML.Document(ordered, { aliasDuplicateObjects: false });
  // A command health check on one line, as the docs write it: `health: { cmd: [pg_isready, -U, postgres] }`.
  YAML.visit(document, {
    Pair(_, pair) {
      if (YAML.isScalar(pair.key) && pair.key.value === 'health' && YAML.isMap(pair.value)) pair.value.flow = true;
    },
  });
  return HEADER + document.toString({ lineWidth: 0, flowCollectionPadding: true });
}

/** Validates then writes atomically: an invalid config never reaches the disk. */
export async function saveConfig(path: string, config: Config): Promise<void> {
  const text = configToYaml(config);
  configFromYaml(text, path);
  await writeFileAtomic(path, text);
}

/**
 * The config text with one service's image replaced, comments and layout kept (the YAML document is
 * edited, not re-rendered). `path` is the service's key path, like `['sites', 0, 'private', 1]`.
 */
export function withServiceImage(text: string, path: readonly (string | number)[], image: string): string {
  const document = YAML.parseDocument(text);
  if (!document.hasIn([...path, 'image'])) throw new Error(`${path.join('.')}.image is not in the config`);
  document.setIn([...path, 'image'], image);
  return document.toString({ lineWidth: 0 });
}

/**
 * The config text with one more site appended to `sites:` (and `workers` set, when given), comments and
 * layout kept. The caller validates the resulting config; `site` is written as given (input form).
 */
export function withAddedSite(text: string, site: Record<string, unknown>, workers?: number): string {
  const document = YAML.parseDocument(text);
  const sites = document.get('sites');
  if (!YAML.isSeq(sites)) throw new Error('sites is not a list in the config');
  sites.add(document.createNode(site, { flow: false }));
  if (workers !== undefined) document.set('workers', workers);
  return document.toString({ lineWidth: 0 });
}
