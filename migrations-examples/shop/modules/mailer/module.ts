import { defineModule } from 'modkit';

/**
 * Sends order mails from a process of its own: an out-of-process module (docs/out-of-process.md).
 * modkit spawns worker.sh after the start phase, with this module's config in MODKIT_MODULE_CONFIG
 * and without modkit's migration URL; the worker is ready once it prints {"event":"ready"}.
 * It stops in its turn (before orders, which it depends on) with SIGTERM.
 */
export default defineModule({
  name: 'mailer',
  deps: ['orders'],
  process: {
    command: 'sh',
    args: ['worker.sh'],
    readyTimeoutMs: '10s',
    restart: { policy: 'on-failure', maxAttempts: 3, backoffMs: 1_000 },
  },
});
