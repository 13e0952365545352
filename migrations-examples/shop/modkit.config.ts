import { defineConfig } from 'modkit';

export default defineConfig({
  modules: ['modules/*/module.ts'],
  // No URL here: modkit uses MODKIT_DATABASE_URL or --url when given, and otherwise the embedded
  // SQLite file .modkit/modkit.sqlite beside this file. DATABASE_URL is the application's (below):
  // set it without a URL for migrations and modkit refuses (exit 2), rather than migrate as that role.
  runtime: { url: process.env.DATABASE_URL },
  lockTimeoutMs: 60_000,
  shutdownDeadlineMs: 10_000,
  // GET /livez, /readyz, /status (0: a free port, printed at start). In a container: HEALTH_HOST=0.0.0.0.
  health: { port: Number(process.env.HEALTH_PORT ?? 0), host: process.env.HEALTH_HOST ?? '127.0.0.1' },
  // On SIGTERM, /readyz answers 503 this long before the modules stop (Kubernetes: a few seconds).
  drainMs: Number(process.env.DRAIN_MS ?? 0),
  // A preInit, init, postInit, start or reload that hangs fails the run after this long.
  hookTimeoutMs: 60_000,
  modulesConfig: {
    storefront: { port: Number(process.env.PORT ?? 3000) },
    catalog: { currency: 'EUR' },
  },
});
