/**
 * Which nginx.conf rendering a proxy image can run. Two renderings exist:
 *
 * - `upstream-resolve` (nginx >= 1.27.3): each service is an `upstream` with a shared-memory `zone`,
 *   `server NAME:PORT resolve` (re-resolved through Docker's DNS while running; a name that does not
 *   resolve leaves the group empty → 502 for that domain only) and `keepalive` to the backends.
 *   Uses `http2 on;` (nginx >= 1.25.1).
 * - `per-request` (nginx >= 1.19.4, i.e. anything with `ssl_reject_handshake`): `set $backend NAME;
 *   proxy_pass http://$backend:PORT;` resolves at request time, so a missing service never stops nginx,
 *   but every request opens a new backend connection (no keep-alive). Uses `listen 443 ssl http2`,
 *   which nginx >= 1.25.1 accepts with a deprecation warning.
 */
export type NginxRendering = 'upstream-resolve' | 'per-request';

export interface NginxVersion {
  major: number;
  minor: number;
  /** Absent for a floating tag like `1.28`, which tracks the newest patch of that line. */
  patch?: number;
}

const UPSTREAM_RESOLVE_SINCE = { major: 1, minor: 27, patch: 3 };

/** `1.28.0` / `1.28` → version; anything else → undefined. */
export function parseNginxVersion(text: string): NginxVersion | undefined {
  const match = /^(\d+)\.(\d+)(?:\.(\d+))?$/.exec(text);
  if (!match) return undefined;
  return { major: Number(match[1]), minor: Number(match[2]), ...(match[3] === undefined ? {} : { patch: Number(match[3]) }) };
}

/**
 * The nginx version an image reference promises by its tag, when the image is nginx's own
 * (`nginx:1.28-alpine`, `docker.io/library/nginx:1.27.3`, `nginxinc/nginx-unprivileged:1.28`, or a local
 * `…/nginx:1.22` build). Other images and tags like `latest` or `alpine` say nothing: undefined.
 */
export function nginxVersionOfImage(image: string): NginxVersion | undefined {
  const withoutDigest = image.split('@')[0] ?? image;
  const colon = withoutDigest.lastIndexOf(':');
  if (colon < 0 || withoutDigest.lastIndexOf('/') > colon) return undefined;
  const repository = withoutDigest.slice(0, colon);
  const tag = withoutDigest.slice(colon + 1);
  const lastPathComponent = repository.split('/').pop() ?? '';
  if (!/^nginx(?:-unprivileged)?$/.test(lastPathComponent)) return undefined;
  const versionPart = /^(\d+\.\d+(?:\.\d+)?)(?:-[a-z0-9.-]+)?$/.exec(tag)?.[1];
  return versionPart === undefined ? undefined : parseNginxVersion(versionPart);
}

function atLeast(version: NginxVersion, minimum: { major: number; minor: number; patch: number }): boolean {
  if (version.major !== minimum.major) return version.major > minimum.major;
  if (version.minor !== minimum.minor) return version.minor > minimum.minor;
  return version.patch === undefined || version.patch >= minimum.patch;
}

/** The rendering for a known version, or `per-request` (runs on every supported nginx) when unknown. */
export function nginxRenderingFor(version: NginxVersion | undefined): NginxRendering {
  return version !== undefined && atLeast(version, UPSTREAM_RESOLVE_SINCE) ? 'upstream-resolve' : 'per-request';
}
