import { describe, expect, it } from 'vitest';
import { planBaseline } from '../../src/plan/plan-baseline.js';
import { planRepair } from '../../src/plan/plan-repair.js';
import { nextNumber, slugOf } from '../../src/api/new-migration.js';
import { history, loadedModule, migration } from '../support/plan-fixtures.js';

const billing = loadedModule('billing', ['0001_invoices', '0002_refunds', '0003_credits']);

describe('planBaseline', () => {
  it('records every migration up to and including ID on an empty history', () => {
    const plan = planBaseline(billing, history('billing', []), '0002_refunds');
    expect(plan.record.map((m) => m.id)).toEqual(['0001_invoices', '0002_refunds']);
    expect(plan.conflicts).toEqual([]);
  });

  it('skips rows recorded identically or without a checksum (Rust rows)', () => {
    const plan = planBaseline(
      billing,
      history('billing', ['0001_invoices', '0002_refunds'], { '0002_refunds': { checksum: null } }),
      '0003_credits',
    );
    expect(plan.skip.map((m) => m.id)).toEqual(['0001_invoices', '0002_refunds']);
    expect(plan.record.map((m) => m.id)).toEqual(['0003_credits']);
  });

  it('reports rows recorded with another checksum, or dirty, as conflicts', () => {
    const plan = planBaseline(
      billing,
      history('billing', ['0001_invoices', '0002_refunds'], {
        '0001_invoices': { checksum: 'other' },
        '0002_refunds': { state: 'started' },
      }),
      '0002_refunds',
    );
    expect(plan.conflicts.map((c) => [c.id, c.recorded])).toEqual([
      ['0001_invoices', 'other'],
      ['0002_refunds', 'started (dirty)'],
    ]);
  });

  it('refuses an id the module does not have, with a suggestion', () => {
    expect(() => planBaseline(billing, history('billing', []), '0002_refund')).toThrow(/did you mean "0002_refunds"/);
  });
});

describe('planRepair', () => {
  it('fills null checksums, re-records changed ones, clears dirty rows and lists upgrades and missing files', () => {
    const h = history(
      'billing',
      ['0001_invoices', '0002_refunds', '0003_credits', '0004_gone'],
      {
        '0001_invoices': { checksum: null },
        '0002_refunds': { checksum: 'old' },
        '0003_credits': { state: 'started' },
      },
      ['state'],
    );
    const plan = planRepair([billing], new Map([['billing', h]]));
    expect(plan.changes.map((c) => [c.id, c.kind, c.before, c.after])).toEqual([
      ['0001_invoices', 'checksum-filled', null, migration('billing', '0001_invoices').checksum],
      ['0002_refunds', 'checksum-updated', 'old', migration('billing', '0002_refunds').checksum],
      ['0003_credits', 'dirty-cleared', 'started', 'applied'],
    ]);
    expect(plan.upgrades).toEqual([
      { module: 'billing', table: 't_billing', columns: ['state'], appliedAtConverted: false },
    ]);
    expect(plan.missing).toEqual([{ module: 'billing', id: '0004_gone' }]);
  });

  it('changes nothing when every row matches its file', () => {
    const plan = planRepair([billing], new Map([['billing', history('billing', ['0001_invoices'])]]));
    expect(plan).toEqual({ changes: [], upgrades: [], missing: [] });
  });
});

describe('modkit new naming', () => {
  it('takes the next number, zero-padded to four digits or the widest existing id', () => {
    expect(nextNumber({ migrations: [] })).toBe('0001');
    expect(nextNumber(billing)).toBe('0004');
    expect(nextNumber({ migrations: [migration('x', 'm00012_rust')] })).toBe('00013');
  });

  it('turns free text into a snake_case slug and refuses text without letters', () => {
    expect(slugOf('add refunds')).toBe('add_refunds');
    expect(slugOf('  Add Refunds (v2)! ')).toBe('add_refunds_v2');
    expect(() => slugOf('!!')).toThrow(/no letters or digits/);
  });
});
