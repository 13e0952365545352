import type { EngineModule } from '../load-engine.js';
import { mysqlRuntimeKnexConfig, openMysql } from './mysql-session.js';

/** MariaDB and MySQL through `mysql2`. */
export const mysqlEngine: EngineModule = {
  open: openMysql,
  runtimeKnexConfig: mysqlRuntimeKnexConfig,
};
