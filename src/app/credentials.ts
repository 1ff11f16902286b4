/**
 * What a use case may use to reach DigitalOcean and the registry, read from the environment by the
 * caller (src/cli/io.ts cloudEnv). The token is kept in memory only, never printed or written by
 * swarm-wiz except where the plan says it is copied (dns-01: the support server).
 */
export interface CloudCredentials {
  /** DIGITALOCEAN_TOKEN. */
  token?: string | undefined;
  /** DIGITALOCEAN_API_URL: another API endpoint (a test server). */
  apiUrl?: string | undefined;
  /** SWARM_WIZ_OPERATOR_IP: the address allowed to reach SSH on the droplets. */
  operatorIp?: string | undefined;
  /** The environment the registry login is read from (delivery: image). */
  env: Readonly<Record<string, string | undefined>>;
}
