import type { EngineModule } from '../load-engine.js';
import { mysqlRuntimeKnexConfig } from './mysql-knex-config.js';
import { openMysql } from './open-mysql.js';

/** MariaDB and MySQL through `mysql2`. */
export const mysqlEngine: EngineModule = {
  open: openMysql,
  runtimeKnexConfig: mysqlRuntimeKnexConfig,
};
