import type { z } from 'zod';
import { certificatesSchema, checkDomainName, configSchema, serviceSchema, showValue } from '../config/index.js';
import type { Validate } from './prompter.js';

/** The top-level fields of the contract, before cross-field rules: the same rules `apply` uses. */
const topLevel = configSchema.in.shape;

/** Runs one schema field on an answer; the schema's own message is what the person sees. */
function bySchema(schema: z.ZodType, toValue: (answer: string) => unknown = (answer) => answer.trim()): Validate {
  return (answer) => {
    const result = schema.safeParse(toValue(answer));
    return result.success ? true : (result.error.issues[0]?.message ?? 'is not valid');
  };
}

/** Text typed at a number prompt: a whole number stays a number, anything else stays text so the schema names it. */
export function numberFromAnswer(answer: string): number | string {
  const trimmed = answer.trim();
  return /^-?[0-9]+(\.[0-9]+)?$/.test(trimmed) ? Number(trimmed) : trimmed;
}

export const validateProject = bySchema(topLevel.project);
export const validateWorkers = bySchema(topLevel.workers, numberFromAnswer);
export const validateRegistry = bySchema(topLevel.registry.unwrap());
export const validateServiceName = bySchema(serviceSchema.shape.name);
export const validateImage = bySchema(serviceSchema.shape.image);
export const validatePort = bySchema(serviceSchema.shape.port, numberFromAnswer);
export const validateReplicas = bySchema(serviceSchema.shape.replicas.unwrap(), numberFromAnswer);
export const validateEmail = bySchema(certificatesSchema.shape.email);
export const validateCaUrl = bySchema(certificatesSchema.shape.ca.unwrap());

/** A service name that is valid and not yet taken by another service of the project. */
export function validateNewServiceName(taken: ReadonlySet<string>): Validate {
  return (answer) => {
    const valid = validateServiceName(answer);
    if (valid !== true) return valid;
    const name = answer.trim();
    return taken.has(name) ? `${showValue(name)} is already the name of another service; service names must be unique` : true;
  };
}

/** A domain (wildcards allowed: the certificate questions then offer only dns-01) not yet used by any site or alias. */
export function validateNewDomain(taken: ReadonlySet<string>): Validate {
  return (answer) => {
    const check = checkDomainName(answer, true);
    if (!check.ok) return check.reason;
    return taken.has(check.ascii) ? `${showValue(check.ascii)} is already used; each domain may appear once` : true;
  };
}

/** Comma- or space-separated aliases; empty is fine. */
export function splitAliases(answer: string): string[] {
  return answer
    .split(/[,\s]+/)
    .map((alias) => alias.trim())
    .filter((alias) => alias.length > 0);
}

/** Every alias valid, distinct from each other and from the domains already used. */
export function validateAliases(taken: ReadonlySet<string>): Validate {
  return (answer) => {
    const seen = new Set(taken);
    for (const alias of splitAliases(answer)) {
      const check = checkDomainName(alias, true);
      if (!check.ok) return check.reason;
      if (seen.has(check.ascii)) return `${showValue(check.ascii)} is already used; each domain may appear once`;
      seen.add(check.ascii);
    }
    return true;
  };
}

/** The ASCII form the config will store (IDN → punycode), so duplicates are found across spellings. */
export function asciiDomain(domain: string): string {
  const check = checkDomainName(domain, true);
  return check.ok ? check.ascii : domain.trim().toLowerCase();
}

/** An optional answer: empty is fine, anything else must pass `validate`. */
export function optional(validate: Validate): Validate {
  return (answer) => (answer.trim() === '' ? true : validate(answer));
}

export const validateHealth = optional(bySchema(serviceSchema.shape.health.unwrap()));

/** `NAME=value` (the value may hold anything, `=` too), split at the first `=`. */
export function envEntry(answer: string): [string, string] | undefined {
  const at = answer.indexOf('=');
  return at > 0 ? [answer.slice(0, at).trim(), answer.slice(at + 1)] : undefined;
}

/** One environment variable as NAME=value, or empty to finish; `taken` are the names given already. */
export function validateEnvEntry(taken: ReadonlySet<string>): Validate {
  const entry = bySchema(serviceSchema.shape.env.unwrap(), (answer) => Object.fromEntries([envEntry(answer)!]));
  return optional((answer) => {
    const pair = envEntry(answer);
    if (!pair) return `${showValue(answer.trim())} is not NAME=value (like LOG_LEVEL=info)`;
    if (taken.has(pair[0])) return `${showValue(pair[0])} is set already`;
    return entry(answer);
  });
}

/** Comma- or space-separated named volumes (NAME:/path); empty is fine. */
export const validateVolumes: Validate = (answer) => {
  const volume = bySchema(serviceSchema.shape.volumes.unwrap().element);
  for (const entry of splitAliases(answer)) {
    const verdict = volume(entry);
    if (verdict !== true) return verdict;
  }
  return true;
};

/** Comma- or space-separated secret names (each read at /run/secrets/NAME); empty is fine, no name twice. */
export const validateSecretNames: Validate = (answer) => {
  const secret = bySchema(serviceSchema.shape.secrets.unwrap().element);
  const seen = new Set<string>();
  for (const name of splitAliases(answer)) {
    const verdict = secret(name);
    if (verdict !== true) return verdict;
    if (seen.has(name)) return `${showValue(name)} is listed twice; each secret once`;
    seen.add(name);
  }
  return true;
};
