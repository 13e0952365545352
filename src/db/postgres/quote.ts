/** PostgreSQL's quoting of an identifier (`"a""b"`) and of a string literal (`'it''s'`), for SQL modkit writes. */
export const quoteIdent = (name: string): string => `"${name.replace(/"/g, '""')}"`;
export const quoteLiteral = (text: string): string => `'${text.replace(/'/g, "''")}'`;
