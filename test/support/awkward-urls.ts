/**
 * Database URLs whose secrets are hard to redact: raw `/ # ? @ :` and spaces in the password,
 * %-escapes (valid and not), unicode, empty passwords, secrets in parameters, URLs no parser
 * accepts. Each password is built from distinctive runs (`Qx7k`), so that a test can assert that
 * no fragment of it appears anywhere: `fragments` lists them.
 */
export interface AwkwardUrl {
  readonly name: string;
  readonly url: string;
  /** Every piece of the secret that must never be printed. */
  readonly fragments: readonly string[];
  /**
   * `reachable`: pg parses it as meant and connects (trust auth accepts any password);
   * `unreachable`: nothing listens, or pg cannot parse it, or reads it differently than meant;
   * `refused`: modkit refuses it before any driver sees it (exit 2).
   */
  readonly kind: 'reachable' | 'unreachable' | 'refused';
}

/** `hostPort` is a PostgreSQL server's `host:port`; `role` a role that may log in there; `db` a database it owns. */
export function awkwardUrls(hostPort: string, role: string, db: string): readonly AwkwardUrl[] {
  const at = (password: string) => `postgres://${role}:${password}@${hostPort}/${db}`;
  return [
    // pg decodes these as meant and connects.
    {
      name: 'raw @ and : in the password',
      url: at('Ne6f@Pg2h:Bs5t'),
      fragments: ['Ne6f', 'Pg2h', 'Bs5t'],
      kind: 'reachable',
    },
    {
      name: 'a space and unicode in the password',
      url: at('Tr3q Zu7vÄ😀Xe6y'),
      fragments: ['Tr3q', 'Zu7v', 'Xe6y'],
      kind: 'reachable',
    },
    { name: 'a %-escape in the password', url: at('Kd9e%2FMa4c'), fragments: ['Kd9e', 'Ma4c'], kind: 'reachable' },
    {
      name: 'an invalid %-escape in the password',
      url: at('Pw8x%zzYq4t'),
      fragments: ['Pw8x', 'zzYq4t'],
      kind: 'reachable',
    },
    { name: 'an empty password', url: at(''), fragments: [], kind: 'reachable' },
    {
      name: 'no password in the userinfo; password= with a raw & and sslpassword= in the query',
      url: `postgresql://${role}@${hostPort}/${db}?password=Oi5j&Ir8s&sslpassword=Va3rPass&application_name=redact`,
      fragments: ['Oi5j', 'Ir8s', 'Va3rPass'],
      kind: 'reachable',
    },
    // pg throws "Invalid URL", or reads part of the password as a port and a database name.
    { name: 'raw / in the password', url: at('Qx7k/Wz3m'), fragments: ['Qx7k', 'Wz3m'], kind: 'unreachable' },
    {
      name: 'raw / ? # @ : in the password',
      url: at('Ak1x/Bl2y?Cm3z#Dn4w@Eo5v:Fp6u'),
      fragments: ['Ak1x', 'Bl2y', 'Cm3z', 'Dn4w', 'Eo5v', 'Fp6u'],
      kind: 'unreachable',
    },
    // pg connects to host:port and answers that the database "Ss7x…@…" does not exist: the driver echoes the secret.
    {
      name: 'a password pg reads as port and database',
      url: `postgres://${hostPort}/Ss7xTail@elsewhere/${db}?user=postgres`,
      fragments: ['Ss7xTail'],
      kind: 'unreachable',
    },
    {
      name: 'a password pg reads as host and port',
      url: `postgres://nohost-redact:12/Rw3kTail@${hostPort}/${db}`,
      fragments: ['Rw3kTail'],
      kind: 'unreachable',
    },
    {
      name: 'nothing listening',
      url: `postgres://${role}:Nl5c@Mq6d@127.0.0.1:1/${db}`,
      fragments: ['Nl5c', 'Mq6d'],
      kind: 'unreachable',
    },
    {
      name: 'mysql:// with a raw @ in the password, nothing listening',
      url: `mysql://${role}:Zq8w@Xy3v@127.0.0.1:1/${db}`,
      fragments: ['Zq8w', 'Xy3v'],
      kind: 'unreachable',
    },
    // modkit refuses these itself.
    {
      name: 'an unknown scheme ending in .db',
      url: `http://${role}:Lk4j/Zz9q@example.com/foo.db`,
      fragments: ['Lk4j', 'Zz9q'],
      kind: 'refused',
    },
    {
      name: 'a user and password in a SQLite URL',
      url: `sqlite://${role}:Sl8qPw@localhost/app.db`,
      fragments: ['Sl8qPw'],
      kind: 'refused',
    },
    {
      name: 'no scheme at all',
      url: `${role}:Cv6n/Bb1q@${hostPort}/${db}`,
      fragments: ['Cv6n', 'Bb1q'],
      kind: 'refused',
    },
    {
      name: 'a libpq key=value string',
      url: `host=127.0.0.1 password=Dw7xDsn dbname=${db}`,
      fragments: ['Dw7xDsn'],
      kind: 'refused',
    },
  ];
}

/** The fragments of `entry` found in `text` (empty when redaction held). */
export function leakedFragments(entry: AwkwardUrl, text: string): string[] {
  return entry.fragments.filter((fragment) => text.includes(fragment));
}
