/** Identifier quoting and small SQL helpers shared by the engines. */

export function quotePg(identifier: string): string {
  return `"${identifier.replace(/"/g, '""')}"`;
}

export function quoteMysql(identifier: string): string {
  return `\`${identifier.replace(/`/g, '``')}\``;
}

/** MySQL hex literal of a string's UTF-8 bytes (needs no escaping, whatever the sql_mode). */
export function mysqlHexLiteral(bytes: Buffer): string {
  return `X'${bytes.toString('hex')}'`;
}

/** Collation and character set names go into SQL unquoted; allow only plain names. */
export function assertPlainName(name: string, what: string): string {
  if (!/^[A-Za-z0-9_]+$/.test(name)) throw new Error(`unexpected ${what} name: ${JSON.stringify(name)}`);
  return name;
}
