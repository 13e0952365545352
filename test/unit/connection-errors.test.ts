import { describe, expect, it } from 'vitest';
import { scrubSecret, unreachableError } from '../../src/db/connection-errors.js';
import { awkwardUrls, leakedFragments } from '../support/awkward-urls.js';

describe('scrubSecret', () => {
  it('removes fragments a driver echoes after splitting the password in the wrong place', () => {
    expect(scrubSecret('getaddrinfo ENOTFOUND ss@host', 'postgres://u:pa/ss@host/db')).toBe(
      'getaddrinfo ENOTFOUND ***@host',
    );
    expect(
      scrubSecret(
        'database "Ss7x@elsewhere/db" does not exist',
        'postgres://127.0.0.1:5432/Ss7x@elsewhere/db?user=postgres',
      ),
    ).toBe('database "***@elsewhere/db" does not exist');
  });

  it('removes the secret raw, decoded and re-encoded, and leaves the rest of the text alone', () => {
    const url = 'postgres://app:Kd9e%2FMa%20c@host/db';
    expect(scrubSecret('a Kd9e/Ma c b', url)).toBe('a *** b');
    expect(scrubSecret('a Kd9e%2FMa%20c b', url)).toBe('a *** b');
    expect(scrubSecret('see postgres://app:Kd9e%2FMa%20c@host/db now', url)).toBe('see postgres://app:***@host/db now');
    // A fragment inside a longer word is not the fragment: connection messages stay readable.
    expect(scrubSecret('Kd9eX connection', url)).toBe('Kd9eX connection');
    expect(scrubSecret('nothing secret here', 'postgres://app@host/db')).toBe('nothing secret here');
  });

  it('leaves no fragment of any corpus password in a message that quotes the password every way', () => {
    for (const entry of awkwardUrls('127.0.0.1:5432', 'app', 'db')) {
      const echoes = [entry.url, decodeURIComponentSafe(entry.url), encodeURI(entry.url), ...entry.fragments].join(
        ' | ',
      );
      expect(leakedFragments(entry, scrubSecret(echoes, entry.url)), entry.name).toEqual([]);
    }
  });
});

describe('unreachableError', () => {
  it('scrubs the message, the details and the cause (whose stack --verbose prints)', () => {
    const url = 'postgres://u:Qx7k/Wz3m@host/db';
    const driverError = Object.assign(new Error('getaddrinfo ENOTFOUND Wz3m@host'), {
      code: 'ENOTFOUND',
      hostname: 'Wz3m@host',
    });
    const error = unreachableError(url, driverError);
    const cause = error.cause as Error & { hostname: string; code: string };
    const everything = [
      error.message,
      error.stack,
      JSON.stringify(error.details),
      cause.message,
      cause.stack,
      cause.hostname,
    ].join('\n');
    expect(everything).not.toMatch(/Qx7k|Wz3m/);
    expect(cause.code).toBe('ENOTFOUND');
    expect(error.exitCode).toBe(5);
    expect(error.message).toContain('cannot connect to postgres://***@host/db');
    expect(error.message).toContain('Percent-encode special characters');
  });
});

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
