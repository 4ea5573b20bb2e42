import { GuardrailId } from '../../guardrail-catalogue';
import { isUntrustedLanguage } from '../routine-handlers';
import type { NodeCheck } from '../walker';

/**
 * Reaching outside the database: server files and programs, shared libraries, SQL sent elsewhere,
 * server control. COPY to/from a file or PROGRAM is judged where COPY is handled.
 */

const FILE_EXTENSIONS: ReadonlySet<string> = new Set(['file_fdw', 'adminpack']);
const DYNAMIC_EXTENSIONS: ReadonlySet<string> = new Set(['dblink', 'pg_cron', 'pg_background']);

const createExtensionStmt: NodeCheck = (b, w) => {
  const name = typeof b.extname === 'string' ? b.extname : '';
  if (FILE_EXTENSIONS.has(name) || isUntrustedLanguage(name)) {
    w.facts.guardrail(
      GuardrailId.fileOrProgramAccess,
      'the extension gives SQL access to server files or programs',
    );
  }
  if (DYNAMIC_EXTENSIONS.has(name)) {
    w.facts.guardrail(GuardrailId.dynamicSql, 'the extension runs SQL given as text, elsewhere or later');
  }
};

const createPLangStmt: NodeCheck = (b, w) => {
  if (b.pltrusted !== true)
    w.facts.guardrail(
      GuardrailId.fileOrProgramAccess,
      'an untrusted procedural language can reach server files and programs',
    );
};

/** file_fdw's `filename` and `program` options (CREATE/ALTER FOREIGN TABLE, SERVER). */
const defElem: NodeCheck = (b, w) => {
  if (b.defname === 'filename' || b.defname === 'program') {
    w.facts.guardrail(
      GuardrailId.fileOrProgramAccess,
      'a foreign table option reads a server file or runs a program',
    );
  }
};

const loadStmt: NodeCheck = (_b, w) => {
  w.facts.guardrail(
    GuardrailId.fileOrProgramAccess,
    'LOAD reads a shared library from the server file system',
  );
};

const checkPointStmt: NodeCheck = (_b, w) => {
  w.facts.guardrail(GuardrailId.serverControl, 'CHECKPOINT forces a server-wide checkpoint');
};

export const SERVER_ACCESS_CHECKS: Readonly<Record<string, NodeCheck>> = {
  CreateExtensionStmt: createExtensionStmt,
  CreatePLangStmt: createPLangStmt,
  DefElem: defElem,
  LoadStmt: loadStmt,
  CheckPointStmt: checkPointStmt,
};
