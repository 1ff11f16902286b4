import type { Command } from './command.js';

/**
 * App secrets (`secrets:` on a service). Swarm secrets are immutable, so each value set with
 * `swarm-wiz secret set NAME` is a new Swarm secret `<project>_<name>_v<N>`, labelled with these, and
 * the stack deploy names the newest version through SWARM_WIZ_SECRET_<NAME>.
 */
export const SECRET_LABELS = { project: 'swarm-wiz.project', secret: 'swarm-wiz.secret', version: 'swarm-wiz.version' } as const;

/** The Swarm secret holding version `version` of the project's secret `name`. */
export const secretVersionName = (project: string, name: string, version: number): string => `${project}_${name}_v${version}`;

/**
 * App secrets as Swarm secrets, as argv. A value only ever travels on the command's stdin (never in
 * argv, where `ps` and logs would show it) and is marked secret so no output shows it either.
 */

/** One stored version of an app secret: `<project>_<name>_v<version>`. */
export interface SecretVersion {
  /** The name in swarm-wiz.yaml (`db_password`). */
  name: string;
  version: number;
  /** The Swarm secret's own name. */
  swarmName: string;
}

/**
 * Every stored version of the project's app secrets, one `NAME VERSION SWARM_NAME` line each. Also the
 * line deploy_stack.sh runs to pick the newest version of each.
 */
export function secretVersions(project: string): Command {
  return {
    argv: [
      'docker', 'secret', 'ls',
      '--filter', `label=${SECRET_LABELS.project}=${project}`,
      '--format', `{{.Label "${SECRET_LABELS.secret}"}} {{.Label "${SECRET_LABELS.version}"}} {{.Name}}`,
    ],
    description: `list the secrets of ${project}`,
  };
}

export function parseSecretVersions(output: string): SecretVersion[] {
  return output
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((fields) => fields.length === 3 && /^\d+$/.test(fields[1]!))
    .map(([name, version, swarmName]) => ({ name: name!, version: Number(version), swarmName: swarmName! }));
}

/** The newest version of each secret name. */
export function newestVersions(versions: readonly SecretVersion[]): Map<string, SecretVersion> {
  const newest = new Map<string, SecretVersion>();
  for (const version of versions) if ((newest.get(version.name)?.version ?? 0) < version.version) newest.set(version.name, version);
  return newest;
}

/** `docker secret create … NAME -`: the value comes from stdin, and is redacted from anything shown. */
export function secretCreate(project: string, name: string, version: number, value: Uint8Array): Command {
  const text = Buffer.from(value).toString('utf8');
  return {
    argv: [
      'docker', 'secret', 'create',
      '--label', `${SECRET_LABELS.project}=${project}`,
      '--label', `${SECRET_LABELS.secret}=${name}`,
      '--label', `${SECRET_LABELS.version}=${version}`,
      secretVersionName(project, name, version),
      '-',
    ],
    stdin: value,
    secrets: text.trim() === '' ? [] : [text, text.trim()],
    description: `store version ${version} of the secret ${name}`,
  };
}

/** When each Swarm secret was created: one `NAME<TAB>CREATED_AT` line each. */
export function secretCreatedAt(swarmNames: readonly string[]): Command {
  return { argv: ['docker', 'secret', 'inspect', '--format', '{{.Spec.Name}}\t{{.CreatedAt}}', ...swarmNames], description: 'read when the secrets were created' };
}

export function parseCreatedAt(output: string): Map<string, string> {
  return new Map(
    output
      .split('\n')
      .filter((line) => line.includes('\t'))
      .map((line): [string, string] => {
        const [name = '', created = ''] = line.split('\t');
        return [name, created.trim()];
      }),
  );
}

export function secretRemove(swarmName: string): Command {
  return { argv: ['docker', 'secret', 'rm', swarmName], description: `remove the secret ${swarmName}` };
}

/** Every service of the swarm (by name). */
export const serviceNames: Command = { argv: ['docker', 'service', 'ls', '--format', '{{.Name}}'], description: 'list the services' };

/** The Swarm secrets each service's spec names: one `SERVICE<TAB>[{…SecretName…}]` line each. */
export function serviceSecrets(services: readonly string[]): Command {
  return {
    argv: ['docker', 'service', 'inspect', '--format', '{{.Spec.Name}}\t{{json .Spec.TaskTemplate.ContainerSpec.Secrets}}', ...services],
    description: 'read which secrets the services use',
  };
}

/** A service's secrets: its Swarm name → the Swarm secret names it mounts and where (`/run/secrets/<target>`). */
export function parseServiceSecrets(output: string): Map<string, { swarmName: string; target: string }[]> {
  const out = new Map<string, { swarmName: string; target: string }[]>();
  for (const line of output.split('\n')) {
    const tab = line.indexOf('\t');
    if (tab < 0) continue;
    const raw = JSON.parse(line.slice(tab + 1).trim() || 'null') as { SecretName?: string; File?: { Name?: string } }[] | null;
    out.set(line.slice(0, tab), (raw ?? []).map((secret) => ({ swarmName: secret.SecretName ?? '', target: secret.File?.Name ?? '' })));
  }
  return out;
}

/**
 * One service moves from one version of a secret to another, as a rolling update under its own
 * update_config (order, monitor, rollback on failure); detached, so the caller follows it.
 */
export function serviceSwapSecret(service: string, from: string, to: string, target: string): Command {
  return {
    argv: ['docker', 'service', 'update', '--detach', '--secret-rm', from, '--secret-add', `source=${to},target=${target},mode=0400`, service],
    description: `update ${service} to the secret ${to}`,
  };
}
