import { defineModule } from 'modkit';

/** Orders reference customers and products owned by other modules. */
export default defineModule({
  name: 'orders',
  deps: ['catalog', 'customers', 'audit-log'],
  migrations: './migrations',
});
