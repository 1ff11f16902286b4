import type { AttemptLog, NameAttempts } from '../certs/backoff.js';
import type { StateStore } from './store.js';

/** The failed-order records of `state.certificates.attempts`, read and saved through the run's StateStore. */
export function stateAttemptLog(store: StateStore): AttemptLog {
  return {
    read: (name) => Promise.resolve(store.state.certificates?.attempts[name]),
    write: (name, record: NameAttempts | undefined) =>
      store.update((draft) => {
        const attempts = { ...(draft.certificates?.attempts ?? {}) };
        if (record) attempts[name] = record;
        else delete attempts[name];
        draft.certificates = { ...draft.certificates, attempts };
      }),
  };
}
