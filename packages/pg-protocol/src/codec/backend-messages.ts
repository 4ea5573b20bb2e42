import type { TransactionStatus } from './message-codes';

export type AuthenticationMessage =
  | { type: 'ok' }
  | { type: 'cleartext-password' }
  | { type: 'md5-password'; salt: Buffer }
  | { type: 'sasl'; mechanisms: string[] }
  | { type: 'sasl-continue'; data: Buffer }
  | { type: 'sasl-final'; data: Buffer }
  | { type: 'unsupported'; code: number };

export interface ParameterStatus {
  name: string;
  value: string;
}

export interface BackendKeyData {
  processId: number;
  /** 4 bytes in protocol 3.0, up to 256 in 3.2. A view of the received message. */
  secretKey: Buffer;
}

export type ReadyForQueryStatus = TransactionStatus;

/** One column of a RowDescription. */
export interface RowField {
  name: string;
  /** OID of the table the column comes from, or 0. */
  tableOid: number;
  /** Attribute number of the column in that table, or 0. */
  columnAttr: number;
  typeOid: number;
  /** pg_type.typlen: negative for variable-width types. */
  typeSize: number;
  /** pg_attribute.atttypmod; -1 when not applicable. */
  typeModifier: number;
  /** 0 text, 1 binary. */
  format: number;
}

export interface NotificationMessage {
  processId: number;
  channel: string;
  payload: string;
}

export interface CopyResponse {
  /** 0 textual, 1 binary. */
  format: number;
  columnFormats: number[];
}

export interface NegotiateProtocolVersion {
  newestMinor: number;
  /** Protocol options (`_pq_.*`) the server did not recognise. */
  unrecognized: string[];
}
