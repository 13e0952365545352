import type { EngineModule } from '../load-engine.js';
import { identifyMysql } from './mysql-identity.js';
import { mysqlRunLockHeld } from './mysql-lock.js';
import { mysqlRuntimeKnexConfig } from './mysql-knex-config.js';
import { openMysql } from './open-mysql.js';

/** MariaDB and MySQL through `mysql2`. */
export const mysqlEngine: EngineModule = {
  open: openMysql,
  identify: identifyMysql,
  runLockHeld: mysqlRunLockHeld,
  runtimeKnexConfig: mysqlRuntimeKnexConfig,
};
