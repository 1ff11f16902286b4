import { describe, expect, it } from 'vitest';
import { cloudInitDone, cloudInitFailure } from '../../src/commands/index.js';

/** `cloud-init status --wait --long` as cloud-init 25.1 printed it on a Debian 13 twin droplet whose user-data listed docker-ce. */
const FAILED = `status: error
extended_status: error - done
boot_status_code: enabled-by-generator
last_update: Thu, 01 Jan 1970 00:40:42 +0000
detail: DataSourceNoCloud [seed=/var/lib/cloud/seed/nocloud]
errors:
\t- ('package-update-upgrade-install', PackageInstallerError("Failed to install the following packages: {'docker-ce'}. See associated package manager logs for more details."))
recoverable_errors:
WARNING:
\t- Failure when attempting to install packages: ['docker-ce', 'docker.io']
`;

describe('cloud-init status', () => {
  it('waits with the long form, which lists the errors', () => {
    expect(cloudInitDone.argv).toEqual(['cloud-init', 'status', '--wait', '--long']);
  });

  it("names cloud-init's own error line, not the status line", () => {
    expect(cloudInitFailure(FAILED)).toBe(`('package-update-upgrade-install', PackageInstallerError("Failed to install the following packages: {'docker-ce'}. See associated package manager logs for more details."))`);
  });

  it('falls back to the last line when there is no errors list', () => {
    expect(cloudInitFailure('status: error\nsomething broke\n')).toBe('something broke');
  });
});
