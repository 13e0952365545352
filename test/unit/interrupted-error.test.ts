/**
 * The message of a run stopped by a signal names the migration that was cancelled only when a
 * migration was running: an interrupted history-table or catalog step (whose error names the
 * module alone) once read "m4/undefined was cancelled and rolled back … resumes from m4/undefined".
 */
import { describe, expect, it } from 'vitest';
import { ModkitError } from '../../src/errors.js';
import { interruptedError } from '../../src/execute/run-step.js';

describe('interruptedError', () => {
  it('names the cancelled migration when a migration was running', () => {
    const cause = new ModkitError('migration-failed', 'canceling statement due to user request', {
      details: { module: 'billing', id: '0004_backfill' },
    });
    const error = interruptedError(cause);
    expect(error.exitCode).toBe(130);
    expect(error.message).toContain('billing/0004_backfill was cancelled and rolled back');
    expect(error.message).toContain('it resumes from billing/0004_backfill');
  });

  it('names no migration when modkit was doing its own work for a module', () => {
    const cause = new ModkitError('migration-failed', 'canceling statement due to user request', {
      details: { module: 'm4', table: 'modkit_migrations__m4__0a1b2c3d' },
    });
    const error = interruptedError(cause);
    expect(error.exitCode).toBe(130);
    expect(error.message).not.toContain('undefined');
    expect(error.message).not.toContain('was cancelled and rolled back');
    expect(error.message).toContain('nothing further ran, and the lock was released');
  });
});
