/**
 * Statement analysis lexes SQL as the server does only when the server
 * treats backslashes in '' strings literally and the bytes are UTF-8. An
 * upstream (or a setting a policy allowed) that reports anything else would
 * let the server see a different statement from the one that was judged,
 * so the session cannot continue.
 */
export function checkLexingParameter(parameter: { name: string; value: string }): string | null {
  const name = parameter.name.toLowerCase();
  const value = parameter.value.toLowerCase();
  if (name === 'standard_conforming_strings' && value !== 'on') {
    return 'the upstream reports standard_conforming_strings off; Gatehouse analyses statements only with it on';
  }
  if (name === 'client_encoding' && value !== 'utf8' && value !== 'unicode') {
    return `the upstream reports client_encoding ${parameter.value}; Gatehouse analyses statements only in UTF8`;
  }
  return null;
}
