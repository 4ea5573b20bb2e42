/**
 * A PostgreSQL identifier as a quoted name (`"name"`, inner quotes doubled):
 * whatever it holds (upper case, dots, spaces, keywords) it names exactly
 * that object. For text the gateway builds and analyses or sends itself.
 */
export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
