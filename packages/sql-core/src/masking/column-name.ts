/**
 * Column-name normaliser: lowercase tokens, split on snake_case, camelCase,
 * kebab-case and letter/digit boundaries, plural words made singular, the
 * table's own name stripped from the front (`users.user_email` -> `email`).
 * Classification matches whole tokens, never substrings: `zip` is not `ip`.
 */

const LOWER = 1;
const UPPER = 2;
const DIGIT = 3;

function charKind(code: number): number {
  if (code >= 97 && code <= 122) return LOWER;
  if (code >= 65 && code <= 90) return UPPER;
  if (code >= 48 && code <= 57) return DIGIT;
  // Non-ASCII letters belong to the word they are in.
  if (code > 127) return LOWER;
  return 0;
}

const IRREGULAR: Readonly<Record<string, string>> = {
  people: 'person',
  persons: 'person',
  ips: 'ip',
  ssns: 'ssn',
  dobs: 'dob',
  pans: 'pan',
  macs: 'mac',
  children: 'child',
  data: 'data',
  metadata: 'metadata',
};

/** Singular form of one lowercase token, by the few English rules schema names use. */
export function singular(token: string): string {
  const irregular = IRREGULAR[token];
  if (irregular !== undefined) return irregular;
  const n = token.length;
  if (n < 4 || token.charCodeAt(n - 1) !== 115 /* s */) return token;
  if (token.endsWith('ies') && n > 4) return `${token.slice(0, -3)}y`;
  if (token.endsWith('sses')) return token.slice(0, -2);
  if (token.endsWith('xes') || token.endsWith('ches') || token.endsWith('shes')) return token.slice(0, -2);
  const before = token.charCodeAt(n - 2);
  // address, status, analysis: not plurals.
  if (before === 115 || before === 117 || before === 105) return token;
  return token.slice(0, -1);
}

/** Lowercase singular tokens of an identifier: `lastLoginIP` -> `last login ip`, `address_line1` -> `address line 1`. */
export function nameTokens(identifier: string): string[] {
  const tokens: string[] = [];
  let start = -1;
  let prev = 0;
  const n = identifier.length;
  const flush = (end: number): void => {
    if (start >= 0 && end > start) tokens.push(singular(identifier.slice(start, end).toLowerCase()));
    start = -1;
  };
  for (let i = 0; i < n; i++) {
    const kind = charKind(identifier.charCodeAt(i));
    if (kind === 0) {
      flush(i);
      prev = 0;
      continue;
    }
    if (start >= 0) {
      const boundary =
        (kind === UPPER && prev === LOWER) ||
        (kind === DIGIT) !== (prev === DIGIT) ||
        // The last capital of an acronym starts the next word: IPAddress -> IP Address.
        (kind === UPPER && prev === UPPER && i + 1 < n && charKind(identifier.charCodeAt(i + 1)) === LOWER);
      if (boundary) flush(i);
    }
    if (start < 0) start = i;
    prev = kind;
  }
  flush(n);
  return tokens;
}

/** The table part of a possibly schema-qualified, possibly quoted name: `public."Users"` -> `Users`. */
export function bareTableName(table: string): string {
  const dot = table.lastIndexOf('.');
  const name = dot >= 0 ? table.slice(dot + 1) : table;
  return name.length > 1 && name.startsWith('"') && name.endsWith('"') ? name.slice(1, -1) : name;
}

function startsWith(tokens: readonly string[], prefix: readonly string[]): boolean {
  if (prefix.length === 0 || prefix.length >= tokens.length) return false;
  for (let i = 0; i < prefix.length; i++) if (tokens[i] !== prefix[i]) return false;
  return true;
}

/**
 * Tokens of a column name with the table's name stripped from the front when
 * something is left: `users.user_email` -> `email`, `user_profiles.profile_name`
 * -> `name`, `tokens.token` -> `token`.
 */
export function columnTokens(tableTokens: readonly string[], column: string): string[] {
  const tokens = nameTokens(column);
  if (startsWith(tokens, tableTokens)) return tokens.slice(tableTokens.length);
  const last = tableTokens[tableTokens.length - 1];
  if (last !== undefined && tableTokens.length > 1 && startsWith(tokens, [last])) return tokens.slice(1);
  return tokens;
}

/**
 * Words at the end of a name that say how a value is stored, not what it is:
 * `email_normalized`, `phone_e164`, `ssn_encrypted`, `email2`. The head noun
 * is what is left before them.
 */
const TRANSPARENT_SUFFIXES = new Set([
  'raw',
  'plain',
  'plaintext',
  'clear',
  'cleartext',
  'value',
  'val',
  'text',
  'str',
  'string',
  'normalized',
  'normalised',
  'canonical',
  'lower',
  'lowercase',
  'upper',
  'uppercase',
  'full',
  'primary',
  'secondary',
  'alt',
  'alternate',
  'backup',
  'old',
  'new',
  'prev',
  'previous',
  'current',
  'orig',
  'original',
  'tmp',
  'temp',
  'e',
  'v',
  'enc',
  'encrypted',
  'formatted',
  'display',
  'input',
]);

function isDigits(token: string): boolean {
  for (let i = 0; i < token.length; i++) {
    const c = token.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return token.length > 0;
}

/** Tokens up to and including the head noun: trailing digits and storage words removed (at least one token is kept). */
export function headTokens(tokens: readonly string[]): readonly string[] {
  let end = tokens.length;
  while (end > 1) {
    const t = tokens[end - 1] as string;
    if (!isDigits(t) && !TRANSPARENT_SUFFIXES.has(t)) break;
    end--;
  }
  return end === tokens.length ? tokens : tokens.slice(0, end);
}
