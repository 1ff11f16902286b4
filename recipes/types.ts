/** One file swarm-wiz writes into the project directory. `path` is relative to that directory. */
export interface GeneratedFile {
  path: string;
  content: string;
  /** 0o644 for text, 0o755 for scripts, 0o600 for anything secret. */
  mode: number;
  /** One line for the review screen: what the file is for. */
  description: string;
}

/**
 * Facts known only after provisioning (from `.swarm-wiz/state.json`). Absent in plan-only runs;
 * every recipe must still render valid files without them.
 */
export interface RenderContext {
  supportPrivateIp?: string;
  managerPrivateIp?: string;
  /**
   * The nginx version inside the proxy image (like `1.22.1`), when `proxy.image`'s tag does not say
   * it (a locally built image, `latest`). Picks the nginx.conf rendering; see recipes/nginx-version.ts.
   */
  nginxVersion?: string;
  /**
   * The port the support server answers HTTP-01 on (default 80). `--target local` serves the webroot
   * from swarm-wiz itself beside the proxy, whose published port 80 is taken on the same machine.
   */
  supportPort?: number;
}

