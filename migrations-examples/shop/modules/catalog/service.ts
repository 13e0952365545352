import { defineService } from 'modkit';

/** What the catalog offers the modules that depend on it (ctx.services). */
export interface CatalogService {
  /** The currency prices are in: `modulesConfig.catalog.currency`, reloaded on SIGHUP. */
  currency(): string;
}

/** The typed key: `ctx.services.provide(Catalog, …)` in catalog, `ctx.services.get(Catalog)` in its dependents. */
export const Catalog = defineService<CatalogService>('catalog');
