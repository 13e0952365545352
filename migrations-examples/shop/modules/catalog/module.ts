import { defineModule } from 'modkit';
import { Catalog } from './service.js';

interface CatalogConfig {
  /** ISO 4217, e.g. EUR. */
  readonly currency: string;
}

/** The products on sale. Provides the Catalog service to the modules that depend on it. */
export default defineModule<CatalogConfig>({
  name: 'catalog',
  deps: ['platform'],
  migrations: './migrations',

  init(ctx) {
    checkCurrency(ctx.config.currency);
    // ctx.config is live: after a successful reload it is the new config.
    ctx.services.provide(Catalog, { currency: () => ctx.config.currency });
  },

  // SIGHUP: the config file was read again. Throwing keeps the old config (and says why).
  reload(ctx) {
    checkCurrency(ctx.config.currency);
    ctx.log.info(`prices are now in ${ctx.config.currency}`);
  },
});

function checkCurrency(currency: unknown): void {
  if (typeof currency !== 'string' || !/^[A-Z]{3}$/.test(currency)) {
    throw new Error(`modulesConfig.catalog.currency must be a three-letter ISO 4217 code like EUR, got ${JSON.stringify(currency)}`);
  }
}
