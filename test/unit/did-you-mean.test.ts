import { describe, it, expect } from 'vitest';
import { closestMatch, didYouMean } from '../../src/util/did-you-mean.js';

const modules = ['analytics', 'audit-log', 'billing', 'platform', 'reports', 'search', 'tenancy', 'users-info'];

describe('closestMatch', () => {
  it('finds a substitution, insertion and deletion', () => {
    expect(closestMatch('bulling', modules)).toBe('billing');
    expect(closestMatch('biling', modules)).toBe('billing');
    expect(closestMatch('billingg', modules)).toBe('billing');
  });

  it('counts an adjacent transposition as one edit', () => {
    // "serach" is one transposition from "search"; len 6 allows a distance of 2 anyway,
    // so use a 3-letter name where only distance 1 is accepted.
    expect(closestMatch('psa', ['api', 'spa'])).toBe('spa');
    expect(closestMatch('tenacny', modules)).toBe('tenancy');
  });

  it('is case-insensitive and returns the candidate as spelled', () => {
    expect(closestMatch('BILLING', modules)).toBe('billing');
    expect(closestMatch('Users-Inf', modules)).toBe('users-info');
  });

  it('accepts distance up to max(1, floor(len/3))', () => {
    // len 3 -> 1 edit
    expect(closestMatch('abx', ['abc'])).toBe('abc');
    expect(closestMatch('axx', ['abc'])).toBeUndefined();
    // len 1 -> still 1 edit
    expect(closestMatch('b', ['a'])).toBe('a');
    // len 6 -> 2 edits
    expect(closestMatch('seaxxh', ['search'])).toBe('search');
    expect(closestMatch('sxaxxh', ['search'])).toBeUndefined();
  });

  it('breaks ties alphabetically, whatever the candidate order', () => {
    expect(closestMatch('bat', ['cat', 'hat', 'bag'])).toBe('bag');
    expect(closestMatch('xat', ['hat', 'cat'])).toBe('cat');
    expect(closestMatch('xat', ['cat', 'hat'])).toBe('cat');
  });

  it('prefers the smaller distance over the alphabetical order', () => {
    expect(closestMatch('repots', ['reports', 'repo'])).toBe('reports');
    expect(closestMatch('abcdef', ['abcdxy', 'abcdeg'])).toBe('abcdeg');
  });

  it('returns undefined for nothing close or no candidates', () => {
    expect(closestMatch('zzz', modules)).toBeUndefined();
    expect(closestMatch('billing', [])).toBeUndefined();
  });
});

describe('didYouMean', () => {
  it('formats a suggestion suffix or nothing', () => {
    expect(didYouMean('biling', modules)).toBe(' (did you mean "billing"?)');
    expect(didYouMean('zzz', modules)).toBe('');
  });
});
