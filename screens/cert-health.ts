import type { CertHealth } from '../src/certs/cert-status.js';

/**
 * A certificate's health in words and colour: one table for every screen that shows it (`status`,
 * `certs`), so the same certificate never reads differently in two places.
 */
export const CERT_HEALTH: Readonly<Record<CertHealth, { color: string; label: string }>> = {
  ok: { color: 'green', label: 'valid' },
  due: { color: 'yellow', label: 'renewal due' },
  expired: { color: 'red', label: 'EXPIRED' },
  missing: { color: 'red', label: 'not issued' },
  placeholder: { color: 'magenta', label: 'placeholder' },
  error: { color: 'red', label: 'unreadable' },
};

/** The widest label: the column that shows them. */
export const CERT_HEALTH_WIDTH = Math.max(...Object.values(CERT_HEALTH).map((look) => look.label.length)) + 1;
