import { defineModule } from 'modkit';

/** People who buy things. */
export default defineModule({
  name: 'customers',
  deps: ['platform'],
  migrations: './migrations',
});
