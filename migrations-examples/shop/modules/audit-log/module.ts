import { defineModule } from 'modkit';

/** Infrastructure: an append-only log of what happened, written by feature modules. */
export default defineModule({
  name: 'audit-log',
  system: true,
  deps: ['platform'],
  migrations: './migrations',
});
