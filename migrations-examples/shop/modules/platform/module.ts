import { defineModule } from 'modkit';

/** Infrastructure: application-wide settings every other module may read. */
export default defineModule({
  name: 'platform',
  system: true,
  migrations: './migrations',
  async preInit(sys) {
    // Runs before any migration: a good place to check the environment.
    if (sys.order[0] !== 'platform') throw new Error('platform must come first');
  },
});
