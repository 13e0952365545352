import { defineConfig } from 'modkit';

export default defineConfig({
  modules: ['modules/*/module.ts'],
  // No URL here: modkit uses MODKIT_DATABASE_URL or --url when given, and otherwise the embedded
  // SQLite file .modkit/modkit.sqlite beside this file. DATABASE_URL is the application's (below):
  // set it without a URL for migrations and modkit refuses (exit 2), rather than migrate as that role.
  runtime: { url: process.env.DATABASE_URL },
  lockTimeoutMs: 60_000,
  shutdownDeadlineMs: 10_000,
  modulesConfig: {
    storefront: { port: Number(process.env.PORT ?? 3000) },
    catalog: { currency: 'EUR' },
  },
});
