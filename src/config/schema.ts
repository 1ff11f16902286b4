import { z } from 'zod';
import { checkDomainName } from './domain-name.js';
import { showKey, showValue as show } from './show-value.js';

/** The four ways to place the proxy, as the seed describes them. */
export const TOPOLOGIES = ['manager', 'dedicated', 'per-domain', 'global-lb'] as const;
export type Topology = (typeof TOPOLOGIES)[number];

export const CHALLENGES = ['http-01', 'dns-01'] as const;
export type Challenge = (typeof CHALLENGES)[number];

export const DELIVERIES = ['files', 'secrets', 'image'] as const;
export type Delivery = (typeof DELIVERIES)[number];

export const DEFAULT_PROXY_IMAGE = 'nginx:1.28-alpine';

/** Lower-case DNS label: what Docker accepts as a stack and service name and what nginx can use as a host. */
const DNS_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const SLUG = /^[a-z0-9][a-z0-9-]{0,63}$/;
const REGISTRY_HOST = String.raw`(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]{1,5})?`;
const PATH_COMPONENT = String.raw`[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*`;
const TAG = String.raw`[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`;
const DIGEST = String.raw`[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}`;
/** Docker's image reference grammar (distribution/reference), anchored. */
export const IMAGE_REFERENCE = new RegExp(
  `^(?:${REGISTRY_HOST}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*(?::${TAG})?(?:@${DIGEST})?$`,
);
const REGISTRY_REFERENCE = new RegExp(`^${REGISTRY_HOST}(?:/${PATH_COMPONENT})*$`);
/** The port of a registry host (`host:PORT/…`), when the reference names one. */
const registryPort = (reference: string): number | undefined => {
  const host = /^([^/]+)\//.exec(`${reference}/`)?.[1] ?? '';
  const port = /^[^:]*\.[^:]*:(\d+)$|^localhost:(\d+)$|^[^:.]+:(\d+)$/.exec(host);
  const digits = port?.[1] ?? port?.[2] ?? port?.[3];
  return digits === undefined ? undefined : Number(digits);
};
const validPort = (port: number | undefined) => port === undefined || (port >= 1 && port <= 65535);
const registryPortError = (what: string) => ({ error: (i: { input?: unknown }) => `${show(i.input)} names registry port ${registryPort(String(i.input))}; ${what} port is 1–65535` });
/**
 * A plain addr-spec (`ops@a.com`): letters, digits, '.', '_', '+' and '-' before the @, starting with a
 * letter or digit (nothing a mailer reads as a flag, like `-oQ…`), then a domain name. It reaches the
 * crontab's MAILTO, so no shell or crontab character (space, `|`, `$`, `%`, quotes, newline) gets in.
 */
const EMAIL = /^[A-Za-z0-9](?:[A-Za-z0-9_+-]|\.(?!\.)){0,63}@(?=.{4,253}$)(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$/;
/** Let's Encrypt's limit on the names of one certificate: a site's domain and its aliases. */
export const NAMES_PER_CERTIFICATE = 100;
/** The proxy service's own name in the stack; no site may take it. */
export const RESERVED_SERVICE_NAMES = ['proxy', 'support'] as const;

const typeError = (expected: string) => ({
  error: (issue: { input?: unknown }) =>
    issue.input === undefined ? `is required (${expected})` : `${show(issue.input)} is not ${expected}`,
});

const notAPort = { error: (i: { input?: unknown }) => `${show(i.input)} is not a port (1–65535)` };
const port = z.number(typeError('a port (1–65535)')).int({ ...notAPort, abort: true }).min(1, { ...notAPort, abort: true }).max(65535, notAPort);

const serviceName = z
  .string(typeError('a service name'))
  .regex(DNS_LABEL, {
    error: (i) => `${show(i.input)} is not a valid Swarm service name (lower-case letters, digits and '-', 1–63 characters)`,
  })
  .refine((name) => !(RESERVED_SERVICE_NAMES as readonly string[]).includes(name), {
    error: (i) => `${show(i.input)} is reserved for swarm-wiz's own services (${RESERVED_SERVICE_NAMES.join(', ')})`,
  });

/** Docker refuses a longer image reference (distribution/reference's NameTotalLengthMax). */
export const IMAGE_REFERENCE_MAX = 255;

const image = z
  .string(typeError('an image reference'))
  .max(IMAGE_REFERENCE_MAX, { abort: true, error: (i) => `is ${String(i.input).length} characters; Docker allows at most ${IMAGE_REFERENCE_MAX}` })
  .regex(IMAGE_REFERENCE, {
    error: (i) => `${show(i.input)} is not a Docker image reference (like ghcr.io/me/app:1.0)`,
  })
  .refine((reference) => !reference.includes('/') || validPort(registryPort(reference)), registryPortError("a registry's"));

const domainText = z.string(typeError('a domain name')).min(1, { error: 'is empty; expected a domain name like a.com' });

/** How many tasks a service runs; 0 keeps it defined but stopped (its domain answers 503). */
export const MAX_REPLICAS = 100;
const replicas = z
  .number(typeError(`a number of replicas (0–${MAX_REPLICAS})`))
  .int({ error: (i) => `${show(i.input)} is not a whole number of replicas (0–${MAX_REPLICAS})` })
  .min(0, { error: (i) => `${show(i.input)} is not a number of replicas (0–${MAX_REPLICAS})` })
  .max(MAX_REPLICAS, { error: (i) => `${show(i.input)} is more than ${MAX_REPLICAS} replicas` });

/** An HTTP path the service answers 2xx/3xx on when it is ready (`/up`): the health check runs `wget` or `curl` in the container. */
const HEALTH_PATH = /^\/[A-Za-z0-9._~%/=?&+-]{0,199}$/;
const healthPath = z
  .string(typeError('an HTTP path like /up'))
  .regex(HEALTH_PATH, { error: (i) => `${show(i.input)} is not an HTTP path (it starts with / and has letters, digits and . _ ~ % / = ? & + - only; at most 200 characters)` });

/** Compose's own markers in `test:`; swarm-wiz writes `CMD` itself, so a command never starts with one. */
const COMPOSE_TEST_MARKERS = ['CMD', 'CMD-SHELL', 'NONE'];
export const HEALTH_COMMAND_EXAMPLE = '[pg_isready, -U, postgres]';
/** One word of a health command: text (a number or true/false as YAML reads it is taken as its text), never empty, no NUL or line break. */
const healthWord = z
  .union([z.string(), z.number(), z.boolean()], typeError('a word of the command (text)'))
  .transform((value) => String(value))
  .refine((word) => word !== '', { abort: true, error: 'is empty; each word of the command is some text' })
  .refine((word) => !/[\0\r\n]/.test(word), { error: (i) => `${show(i.input)} has a NUL or a line break; a word of the command is one line of text` });
/**
 * A command the container runs as its health check (compose's `test: ["CMD", …]`): healthy when it
 * exits 0. Its words go to the program as they are, with no shell (`[sh, -c, "…"]` for one).
 */
const healthCommand = z
  .array(healthWord, typeError(`a list of the command's words, like ${HEALTH_COMMAND_EXAMPLE}`))
  .min(1, { abort: true, error: `is empty; give the command to run in the container, like ${HEALTH_COMMAND_EXAMPLE}` })
  .superRefine((words, ctx) => {
    const [program = ''] = words;
    if (COMPOSE_TEST_MARKERS.includes(program)) {
      ctx.addIssue({ code: 'custom', path: [0], message: `${show(program)} is compose's own marker; swarm-wiz adds CMD itself: give only the command's words, like ${HEALTH_COMMAND_EXAMPLE} (or [sh, -c, "…"] for a shell)` });
    } else if (/\s/.test(program)) {
      ctx.addIssue({ code: 'custom', path: [0], message: `${show(program)} is one word with spaces: the command runs without a shell, so write each word apart, like ${HEALTH_COMMAND_EXAMPLE} (or [sh, -c, "…"] for a shell)` });
    }
  });
/**
 * `tcp: PORT` is refused with the reason: a TCP check needs a tool in the image that can open a
 * connection (bash's /dev/tcp, nc), and swarm-wiz cannot know what an image contains.
 */
const TCP_REFUSED =
  `is not offered: a TCP check needs a tool in the image that opens a connection (bash's /dev/tcp, nc), and swarm-wiz cannot know what an image holds. ` +
  `Use the image's own check: cmd: ${HEALTH_COMMAND_EXAMPLE}, [mysqladmin, ping, -h, 127.0.0.1], [redis-cli, ping]`;
const healthCommandForm = z
  .strictObject({ cmd: healthCommand.optional(), tcp: z.unknown().optional() }, typeError(`a health check (an HTTP path like /up, or { cmd: ${HEALTH_COMMAND_EXAMPLE} })`))
  .superRefine((value, ctx) => {
    if (value.tcp !== undefined) ctx.addIssue({ code: 'custom', path: ['tcp'], message: TCP_REFUSED });
    else if (value.cmd === undefined) ctx.addIssue({ code: 'custom', path: ['cmd'], message: `is required (the command to run in the container, like ${HEALTH_COMMAND_EXAMPLE})` });
  })
  .transform((value) => ({ cmd: value.cmd ?? [] }));
/** What a person may write as `health:`. */
type HealthInput = z.input<typeof healthPath> | z.input<typeof healthCommandForm>;
/**
 * A service's health check: an HTTP path (`/up`), or a command run in the container (`{ cmd:
 * [pg_isready, -U, postgres] }`). The form is chosen by the value's kind, so each form's own message
 * names what is wrong (a zod union would put one vague message over both).
 */
const health = z.custom<HealthInput>().transform((value, ctx) => {
  const form = typeof value === 'string' ? healthPath : value !== null && typeof value === 'object' && !Array.isArray(value) ? healthCommandForm : undefined;
  if (!form) {
    ctx.addIssue({
      code: 'custom',
      message: Array.isArray(value)
        ? `is a list; a command goes under cmd: (health: { cmd: ${HEALTH_COMMAND_EXAMPLE} })`
        : `${show(value)} is not a health check (an HTTP path like /up, or { cmd: ${HEALTH_COMMAND_EXAMPLE} })`,
    });
    return z.NEVER;
  }
  const result = form.safeParse(value);
  if (result.success) return result.data;
  // Each issue as the form gave it, under this key (parse.ts reads unknown keys by their code).
  for (const { code, path, message, ...rest } of result.error.issues) {
    ctx.addIssue(code === 'unrecognized_keys' && 'keys' in rest ? { code, keys: rest.keys, path, message } : { code: 'custom', path, message });
  }
  return z.NEVER;
});
export type HealthCheck = z.output<typeof health>;

/** Environment variable names as POSIX shells and Docker take them. */
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
const envValue = z.union([z.string(), z.number(), z.boolean()], typeError('a plain value (text, number or true/false)')).transform((value) => String(value));
const envNameError = (name: unknown) => `${show(name)} is not an environment variable name (letters, digits and _, not starting with a digit)`;
const env = z
  .record(z.string().regex(ENV_NAME, { error: (i) => envNameError(i.input) }), envValue, {
    // Only for what is not a map at all; a bad key or value keeps its own message.
    error: (i) =>
      i.code === 'invalid_key'
        ? envNameError(i.input)
        : i.input !== null && typeof i.input === 'object'
          ? undefined
          : i.input === undefined
            ? 'is required (a map of NAME: value)'
            : `${show(i.input)} is not a map of NAME: value`,
  })
  .refine((values) => Object.values(values).every((value) => !value.includes('\0')), { error: 'a value contains a NUL byte' });

/** `NAME:/absolute/path` — a named volume (Docker's volume name rules) mounted at a path in the container. */
const VOLUME = /^([a-zA-Z0-9][a-zA-Z0-9_.-]{0,63}):(\/[^:\s$]*)$/;
const volume = z
  .string(typeError('a volume like data:/var/lib/data'))
  // docker stack deploy interpolates ${…} and $NAME in the whole file: a path with '$' would take a value of the deploy's environment.
  .refine((value) => !value.includes('$'), { abort: true, error: (i) => `${show(i.input)} has a '$'; docker would replace \${…} and $NAME in it at deploy time. A volume is NAME:/absolute/path without '$'` })
  .regex(VOLUME, {
    error: (i) => `${show(i.input)} is not a named volume (NAME:/absolute/path, like a1-data:/var/lib/postgresql/data)`,
  });

/** A Swarm secret a service reads at /run/secrets/<name>: set with `swarm-wiz secret set NAME`, never in this file. */
export const SECRET_NAME = /^[a-z][a-z0-9_-]{0,63}$/;
/** Swarm's limit on a secret's name; swarm-wiz stores `<project>_<name>_v<N>`, N up to 6 digits. */
export const SWARM_SECRET_NAME_MAX = 64;
const secretName = z.string(typeError('a secret name')).regex(SECRET_NAME, {
  error: (i) => `${show(i.input)} is not a secret name (a lower-case letter first, then lower-case letters, digits, '_' and '-'; at most 64 characters)`,
});

/**
 * A service's backups: `before` is run in its container (`sh -c`) right before each copy of its
 * volumes, so the copy holds a consistent dump (`pg_dumpall -U postgres > /var/lib/postgresql/data/dump.sql`).
 */
const backupSchema = z.strictObject({
  before: z
    .string(typeError('a shell command run in the container before each backup, like "pg_dumpall -U postgres > /var/lib/postgresql/data/dump.sql"'))
    .min(1, { error: 'is empty: a shell command run in the container before each backup' })
    .max(4096, { error: 'is longer than 4096 characters' })
    .refine((text) => !text.includes('\0'), { error: 'contains a NUL byte' })
    .optional(),
});

export const serviceSchema = z.strictObject({
  name: serviceName,
  image,
  port,
  replicas: replicas.optional(),
  health: health.optional(),
  env: env.optional(),
  volumes: z.array(volume, typeError('a list of volumes like data:/var/lib/data')).optional(),
  secrets: z.array(secretName, typeError('a list of secret names like [db_password]')).optional(),
  backup: backupSchema.optional(),
});

export const siteSchema = z.strictObject({
  domain: domainText,
  aliases: z.array(domainText, typeError('a list of domain names')).optional(),
  service: serviceSchema,
  private: z.array(serviceSchema, typeError('a list of services')).optional(),
});

const caSchema = z.string(typeError('staging, production or an https:// ACME directory URL')).refine(
  (ca) => {
    if (ca === 'staging' || ca === 'production') return true;
    if (/[\s"'`;{}<>\\]/.test(ca)) return false;
    try {
      return new URL(ca).protocol === 'https:';
    } catch {
      return false;
    }
  },
  { error: (i) => `${show(i.input)} is not staging, production or an https:// ACME directory URL` },
);

const enumOf = <T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values, { error: (i) => `${i.input === undefined ? 'is required' : `${show(i.input)} is not valid`} (one of ${values.join(', ')})` });

export const certificatesSchema = z.strictObject({
  email: z.string(typeError('an e-mail address')).regex(EMAIL, { error: (i) => `${show(i.input)} is not a plain e-mail address (like ops@a.com: letters, digits, '.', '_', '+' and '-' before the @, a letter or digit first; a domain name after it)` }),
  ca: caSchema.default('staging'),
  challenge: enumOf(CHALLENGES).default('http-01'),
  delivery: enumOf(DELIVERIES).default('files'),
  /** The CA's ACME profile for every order (Let's Encrypt: classic, tlsserver, shortlived); checked against the CA's directory before ordering. */
  profile: z
    .string(typeError('a profile name the CA offers (like classic or shortlived)'))
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, { error: (i) => `${show(i.input)} is not a profile name (letters, digits, '.', '_', '-')` })
    .optional(),
});

export const proxySchema = z.strictObject({
  image: image.default(DEFAULT_PROXY_IMAGE),
  hsts: z.boolean(typeError('true or false')).default(false),
});

const rawConfigSchema = z.strictObject({
  project: z
    .string(typeError('a project name'))
    .regex(/^[a-z](?:[a-z0-9-]{0,30}[a-z0-9])?$/, {
      error: (i) => `${show(i.input)} is not a project name (lower-case letter first, then letters, digits, '-'; at most 32 characters)`,
    }),
  region: z.string(typeError('a region slug')).regex(SLUG, { error: (i) => `${show(i.input)} is not a region slug (like fra1)` }),
  size: z.string(typeError('a droplet size slug')).regex(SLUG, { error: (i) => `${show(i.input)} is not a size slug (like s-1vcpu-2gb)` }),
  managers: z.union([z.literal(1), z.literal(3)], { error: (i) => `${show(i.input)} is not 1 or 3 (a swarm needs an odd number of managers)` }),
  workers: z
    .number(typeError('a number of workers (0–50)'))
    .int({ error: (i) => `${show(i.input)} is not a whole number of workers (0–50)` })
    .min(0, { error: (i) => `${show(i.input)} is not a number of workers (0–50)` })
    .max(50, { error: (i) => `${show(i.input)} is more than 50 workers` }),
  topology: enumOf(TOPOLOGIES),
  sites: z.array(siteSchema, typeError('a list of sites')).min(1, { error: 'is empty; at least one site is needed' }),
  certificates: certificatesSchema,
  registry: z
    .string(typeError('a registry like registry.digitalocean.com/me'))
    .regex(REGISTRY_REFERENCE, { error: (i) => `${show(i.input)} is not a registry (like registry.digitalocean.com/me)` })
    .refine((reference) => validPort(registryPort(reference)), registryPortError("a registry's"))
    .optional(),
  proxy: proxySchema.default({ image: DEFAULT_PROXY_IMAGE, hsts: false }),
});

/** The keys a swarm-wiz.yaml has at its top level. */
export const TOP_LEVEL_KEYS: readonly string[] = Object.keys(rawConfigSchema.shape);

type RawConfig = z.output<typeof rawConfigSchema>;
type RawService = z.output<typeof serviceSchema>;

function checkCrossFields(config: RawConfig, ctx: z.RefinementCtx): void {
  const wildcardOk = config.certificates.challenge === 'dns-01';
  const hostOwner = new Map<string, string>();
  const claimHost = (value: string, path: (string | number)[]) => {
    const check = checkDomainName(value, wildcardOk);
    if (!check.ok) {
      ctx.addIssue({ code: 'custom', path, message: check.reason });
      return;
    }
    const where = formatPath(path);
    const first = hostOwner.get(check.ascii);
    if (first) {
      ctx.addIssue({ code: 'custom', path, message: `${show(check.ascii)} is already used at ${first}; each domain may appear once` });
    } else {
      hostOwner.set(check.ascii, where);
    }
  };
  const serviceOwner = new Map<string, string>();
  const claimService = (name: string, path: (string | number)[]) => {
    const first = serviceOwner.get(name);
    if (first) {
      ctx.addIssue({ code: 'custom', path, message: `${show(name)} is already the name of ${first}; service names must be unique` });
    } else {
      serviceOwner.set(name, formatPath(path));
    }
    const full = `${config.project}_${name}`;
    if (full.length > 63) {
      ctx.addIssue({ code: 'custom', path, message: `${show(full)} (project_service) is longer than 63 characters` });
    }
  };
  // Secret names become variables SWARM_WIZ_SECRET_<NAME> ('-' as '_'): two names may not share one.
  const secretVariable = new Map<string, string>();
  const claimSecret = (name: string, path: (string | number)[]) => {
    if (!SECRET_NAME.test(name)) return; // already reported as not a secret name
    const full = `${config.project}_${name}_v999999`;
    if (full.length > SWARM_SECRET_NAME_MAX) {
      ctx.addIssue({ code: 'custom', path, message: `${show(name)} is too long with the project name: its Swarm secrets are named ${config.project}_${name}_v<N>, and Swarm allows at most ${SWARM_SECRET_NAME_MAX} characters (project and secret name together at most ${SWARM_SECRET_NAME_MAX - 9})` });
    }
    const variable = name.toUpperCase().replaceAll('-', '_');
    const other = secretVariable.get(variable);
    if (other !== undefined && other !== name) {
      ctx.addIssue({ code: 'custom', path, message: `${show(name)} and ${show(other)} differ only in '-' and '_'; use one spelling for one secret` });
    } else {
      secretVariable.set(variable, name);
    }
  };
  config.sites.forEach((site, i) => {
    const names = 1 + (site.aliases?.length ?? 0);
    if (names > NAMES_PER_CERTIFICATE) {
      ctx.addIssue({ code: 'custom', path: ['sites', i, 'aliases'], message: `${names} names with the domain; Let's Encrypt allows at most ${NAMES_PER_CERTIFICATE} per certificate` });
    }
    claimHost(site.domain, ['sites', i, 'domain']);
    site.aliases?.forEach((alias, j) => claimHost(alias, ['sites', i, 'aliases', j]));
    claimService(site.service.name, ['sites', i, 'service', 'name']);
    site.private?.forEach((svc, j) => claimService(svc.name, ['sites', i, 'private', j, 'name']));
    const services: [RawService, (string | number)[]][] = [[site.service, ['sites', i, 'service']], ...(site.private ?? []).map((svc, j): [RawService, (string | number)[]] => [svc, ['sites', i, 'private', j]])];
    for (const [svc, path] of services) {
      if (svc.volumes && svc.volumes.length > 0 && (svc.replicas ?? 1) > 1) {
        ctx.addIssue({ code: 'custom', path: [...path, 'replicas'], message: `${svc.replicas} replicas with volumes: a service with volumes runs one task, on the one node that holds its data` });
      }
      if (svc.backup && !(svc.volumes && svc.volumes.length > 0)) {
        ctx.addIssue({ code: 'custom', path: [...path, 'backup'], message: `${svc.name} has no volumes: backups copy a service's named volumes (add volumes: [NAME:/path], or remove backup)` });
      }
      const paths = new Set<string>();
      svc.volumes?.forEach((entry, k) => {
        const target = entry.slice(entry.indexOf(':') + 1);
        if (paths.has(target)) ctx.addIssue({ code: 'custom', path: [...path, 'volumes', k], message: `${show(target)} is mounted twice in ${svc.name}` });
        paths.add(target);
      });
      const secrets = new Set<string>();
      svc.secrets?.forEach((name, k) => {
        if (secrets.has(name)) ctx.addIssue({ code: 'custom', path: [...path, 'secrets', k], message: `${show(name)} is listed twice in ${svc.name}; each secret once` });
        secrets.add(name);
        claimSecret(name, [...path, 'secrets', k]);
      });
    }
  });
  if (config.certificates.delivery === 'image' && !config.registry) {
    ctx.addIssue({
      code: 'custom',
      path: ['registry'],
      message: 'is required with certificates.delivery: image (a registry like registry.digitalocean.com/me to push the proxy image to)',
    });
  }
  const minimumWorkers: Record<Topology, number> = {
    manager: 0,
    dedicated: 1,
    'per-domain': config.sites.length,
    'global-lb': 1,
  };
  const needed = minimumWorkers[config.topology];
  if (config.workers < needed) {
    const why =
      config.topology === 'per-domain'
        ? `topology per-domain puts each of the ${config.sites.length} domains on its own worker`
        : `topology ${config.topology} runs the proxy on workers`;
    ctx.addIssue({ code: 'custom', path: ['workers'], message: `${config.workers} is too few: ${why}, so at least ${needed} are needed` });
  }
}

function normaliseDomains(config: RawConfig) {
  const ascii = (value: string) => {
    const check = checkDomainName(value, true);
    return check.ok ? check.ascii : value;
  };
  return {
    ...config,
    sites: config.sites.map((site) => ({
      ...site,
      domain: ascii(site.domain),
      aliases: (site.aliases ?? []).map(ascii),
      private: site.private ?? [],
    })),
  };
}

/** The whole `swarm-wiz.yaml` contract: structure, cross-field rules, then normalised domains. */
export const configSchema = rawConfigSchema.superRefine(checkCrossFields).transform(normaliseDomains);

/** A validated, normalised config: domains are lower-case ASCII, optional lists are present. */
export type Config = z.output<typeof configSchema>;
export type Site = Config['sites'][number];
export type Service = Site['service'];
/** What a person may write in the file (before defaults). */
export type ConfigInput = z.input<typeof configSchema>;

/** `['sites', 1, 'service', 'port']` → `sites[1].service.port`; a long (unknown) key is cut like a value. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? showKey(String(key)) : `.${showKey(String(key))}`;
  }
  return out === '' ? '(top level)' : out;
}
