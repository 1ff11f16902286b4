/**
 * Which tests run where. `npm test` is the fast tier: pure and in-process tests (loopback servers in
 * this process at most), under 90 s here; its setup (test/support/no-child-process.ts) fails a test that
 * starts a child process. Everything listed here is the slow tier: real peers (dockerd, nginx, Pebble,
 * sshd, the sandbox), the CLI as a process, shellcheck, docker stack config. `npm run test:all` runs both.
 *
 * A file belongs here when any of its tests starts a child process; the fast tier's setup says so by
 * failing, naming this file.
 */
export const SLOW_DIRECTORIES = ['test/e2e/**', 'test/sandbox/**', 'test/build/**', 'test/peers/**'];

/** Files outside those folders with at least one test that starts a process or needs a peer. */
export const SLOW_FILES = [
  'test/adapters/acme/acme-issuer.test.ts',
  'test/adapters/project-lock.test.ts',
  'test/adapters/ssh-key.test.ts',
  'test/app/add-domain.test.ts',
  'test/certs/ari-renewal.test.ts',
  'test/certs/cli.test.ts',
  'test/certs/e2e-dns01.test.ts',
  'test/certs/e2e-http01.test.ts',
  'test/certs/failure-limit.test.ts',
  'test/certs/renew-lock.test.ts',
  'test/certs/renewal.test.ts',
  'test/cli/apply-invalid-config.test.ts',
  'test/cli/apply.test.ts',
  'test/cli/remote-text-cli.test.ts',
  'test/cli/status-check.test.ts',
  'test/cli/wizard-command.test.ts',
  'test/commands/preflight.test.ts',
  'test/commands/support.test.ts',
  'test/config/private-dir.test.ts',
  'test/fake-do/fake-server.test.ts',
  'test/peers/registry.test.ts',
  'test/peers/s3.test.ts',
  'test/recipes/app-secrets.test.ts',
  'test/recipes/app-services.test.ts',
  'test/recipes/cloud-init.test.ts',
  'test/recipes/health-check-swarm.test.ts',
  'test/recipes/compose.test.ts',
  'test/recipes/nginx-conf.test.ts',
  'test/recipes/peer-tools.test.ts',
  'test/recipes/proxy-serve.test.ts',
  'test/recipes/scripts.test.ts',
  'test/recipes/stack-deploy.test.ts',
  'test/run/create-basics.test.ts',
  'test/screens/cert-status.test.tsx',
  'test/targets/local.test.ts',
  'test/targets/ssh.test.ts',
];

export const SLOW = [...SLOW_DIRECTORIES, ...SLOW_FILES];

/**
 * Fast files that set process-wide state before a module reads it once, when first loaded: FORCE_COLOR
 * (chalk, inside Ink) and CI (is-in-ci: Ink under CI=true draws only its last frame). The fast tier shares
 * one module cache per worker (isolate: false: a third of the time, most of it spent importing the same
 * modules again), so Ink may already be loaded; these run isolated, in the project `fast-own`.
 */
export const OWN_MODULES = ['test/screens/file-diff.test.tsx', 'test/status/probe-runner.test.ts'];
