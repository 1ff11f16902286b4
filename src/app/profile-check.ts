import { UnknownProfileError } from '../adapters/acme/errors.js';
import { directoryUrlFor } from '../adapters/acme/account-key.js';
import { createAcmeAgent, fetchDirectoryProfiles } from '../adapters/acme/directory.js';
import type { Config } from '../config/index.js';

/**
 * `certificates.profile` against the CA's directory, before anything costs money: resolves when the
 * CA offers it (or no profile is set), rejects with UnknownProfileError naming the ones it offers.
 * A CA that cannot be read now resolves with its error message: the certificate step checks again.
 */
export async function checkProfileBeforeCloud(config: Config, caCertFile?: string): Promise<string | undefined> {
  const profile = config.certificates.profile;
  if (profile === undefined) return undefined;
  const directoryUrl = directoryUrlFor(config.certificates.ca);
  let offered: Record<string, string>;
  try {
    offered = await fetchDirectoryProfiles(directoryUrl, await createAcmeAgent(caCertFile));
  } catch (error) {
    return `could not read ${directoryUrl} to check certificates.profile now (${(error as Error).message}); it is checked again before the first order`;
  }
  if (!(profile in offered)) throw new UnknownProfileError(profile, Object.keys(offered), directoryUrl);
  return undefined;
}
