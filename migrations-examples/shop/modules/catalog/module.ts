import { defineModule } from 'modkit';

/** The products on sale. */
export default defineModule({
  name: 'catalog',
  deps: ['platform'],
  migrations: './migrations',
});
