import type { Socket } from 'node:net';
import {
  BackendCode,
  decodeDataRow,
  decodeErrorFields,
  decodeRowDescription,
  encodeDescribe,
  encodeParse,
  encodeQuery,
  encodeSync,
  MessageReader,
  type RowField,
} from '../codec';
import type { UpstreamConnection } from './upstream-connection';

/** One result set of a catalog query: each row's values as text (null is SQL NULL). */
export type CatalogRows = (string | null)[][];

interface Pending {
  readonly onMessage: (code: number, payload: Buffer) => void;
  readonly resolve: () => void;
  readonly reject: (err: Error) => void;
}

/**
 * A gateway-owned upstream connection that answers catalog questions: one
 * request at a time (simple queries and statement descriptions), each with
 * a deadline. Any failure ends the connection; the owner dials a new one.
 */
export class CatalogConnection {
  readonly #socket: Socket;
  readonly #reader: MessageReader;
  #queue: Promise<unknown> = Promise.resolve();
  #pending: Pending | null = null;
  #closed = false;

  constructor(upstream: UpstreamConnection, maxMessageSize: number) {
    this.#socket = upstream.socket;
    this.#reader = new MessageReader({ maxMessageSize });
    this.#socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    this.#socket.on('close', () => this.#fail(new Error('the catalog connection closed')));
    this.#socket.on('error', () => undefined);
    if (upstream.leftover.length > 0) this.#onData(upstream.leftover);
    this.#socket.resume();
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Runs a simple query (several statements allowed): one row list per result set. */
  query(sql: string, timeoutMs: number): Promise<CatalogRows[]> {
    const sets: CatalogRows[] = [];
    return this.#request(encodeQuery(sql), timeoutMs, (code, payload) => {
      if (code === BackendCode.RowDescription) sets.push([]);
      else if (code === BackendCode.DataRow) {
        sets[sets.length - 1]?.push(
          decodeDataRow(payload).map((v) => (v === null ? null : v.toString('utf8'))),
        );
      }
    }).then(() => sets);
  }

  /** The result columns of a statement, without running it (Parse + Describe): null when it returns no rows. */
  describe(sql: string, parameterTypes: readonly number[], timeoutMs: number): Promise<RowField[] | null> {
    let fields: RowField[] | null = null;
    const message = Buffer.concat([
      encodeParse('', sql, parameterTypes),
      encodeDescribe('S', ''),
      encodeSync(),
    ]);
    return this.#request(message, timeoutMs, (code, payload) => {
      if (code === BackendCode.RowDescription) fields = decodeRowDescription(payload);
    }).then(() => fields);
  }

  close(): void {
    this.#closed = true;
    this.#socket.destroy();
  }

  #request(message: Buffer, timeoutMs: number, onMessage: Pending['onMessage']): Promise<void> {
    const run = (): Promise<void> =>
      new Promise<void>((resolve, reject) => {
        if (this.#closed) {
          reject(new Error('the catalog connection is closed'));
          return;
        }
        const timer = setTimeout(() => this.#fail(new Error('the catalog query timed out')), timeoutMs);
        timer.unref();
        let error: string | null = null;
        this.#pending = {
          onMessage: (code, payload) => {
            if (code === BackendCode.ErrorResponse) {
              const f = decodeErrorFields(payload);
              error ??= `${f.message} (SQLSTATE ${f.code})`;
            } else onMessage(code, payload);
          },
          resolve: () => {
            clearTimeout(timer);
            if (error === null) resolve();
            else reject(new Error(error));
          },
          reject: (err) => {
            clearTimeout(timer);
            reject(err);
          },
        };
        this.#socket.write(message);
      });
    const result = this.#queue.then(run, run);
    this.#queue = result.catch(() => undefined);
    return result;
  }

  #onData(chunk: Buffer): void {
    try {
      this.#reader.push(chunk);
      while (this.#reader.next()) {
        const pending = this.#pending;
        if (pending === null) continue;
        if (this.#reader.code === BackendCode.ReadyForQuery) {
          this.#pending = null;
          pending.resolve();
        } else {
          pending.onMessage(this.#reader.code, this.#reader.payload());
        }
      }
    } catch (err) {
      this.#fail(err instanceof Error ? err : new Error(String(err)));
    }
  }

  #fail(err: Error): void {
    const pending = this.#pending;
    this.#pending = null;
    this.#closed = true;
    this.#socket.destroy();
    pending?.reject(err);
  }
}
