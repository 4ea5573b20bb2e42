import { GatewayError, type MaskPlan, type OutputColumn, type StatementDataFlow } from '@gatehouse/sql-core';
import { BackendCode, type RowField } from '../codec';
import { CopyMasker } from './copy-masker';
import type { RowMasks } from './row-masks';

/** Read once: the codec's re-exports are getters, costly on the per-message path. */
const COPY_DATA = BackendCode.CopyData;

/**
 * The COPY ... TO STDOUT of one session: when CopyOutResponse starts it,
 * the copied columns are described through the catalog (the upstream is held
 * meanwhile) and the masker built; each CopyData is then rewritten until
 * CopyDone. A COPY whose columns cannot be traced or described is masked
 * blind in text, refused in binary.
 */
export class CopyOutput {
  readonly #masks: RowMasks;
  #copy: CopyMasker | null = null;
  /** Descriptions fetched for a COPY's query, kept until the CopyOutResponse that waited for them is seen again. */
  readonly #described = new Map<string, RowField[] | null>();

  constructor(masks: RowMasks) {
    this.#masks = masks;
  }

  /**
   * CopyOutResponse of the statement with this plan and data flow: null to
   * forward it, or a promise to wait on before asking again. Throws a
   * GatewayError when the output must be masked but cannot be.
   */
  start(
    plan: MaskPlan | null,
    flow: StatementDataFlow | undefined,
    outputs: readonly OutputColumn[] | null,
    format: number,
  ): null | Promise<void> {
    const copy = flow?.copyOut;
    if (plan === null || copy === undefined) {
      // A COPY analysis did not see as one (it was allowed unmasked only if nothing is masked at all).
      this.#copy = null;
      if (plan !== null)
        throw new GatewayError('policy_denied', 'COPY output that cannot be traced cannot be masked');
      return null;
    }
    const binary = format === 1 || copy.format === 'binary';
    let fields: RowField[] | null | undefined;
    if (copy.query !== null && !this.#masks.catalogUnavailable) {
      const described = this.#described.get(copy.query);
      if (described === undefined) {
        return this.#masks
          .describe(copy.query, [])
          .then((f) => void this.#described.set(copy.query as string, f))
          .catch(() => void this.#described.set(copy.query as string, null));
      }
      fields = described;
      // Used once: the next COPY of the same query is described afresh.
      this.#described.delete(copy.query);
    }
    if (fields !== null && fields !== undefined) {
      const built = this.#masks.build(plan, fields, binary ? [1] : [0], outputs);
      if (built instanceof Promise) {
        // Asked again once the catalog has answered.
        this.#described.set(copy.query as string, fields);
        return built;
      }
      this.#copy = built === null ? null : new CopyMasker(built.rewrites, copy);
      return null;
    }
    if (binary)
      throw new GatewayError(
        'policy_denied',
        'binary COPY output whose columns cannot be described cannot be masked',
      );
    this.#copy = new CopyMasker(null, copy, this.#masks.blind(plan, 1, null)?.rewrites[0]);
    return null;
  }

  /** A CopyData payload: the whole rewritten message, or null to forward it as it is. */
  data(payload: Buffer): Buffer | null {
    const masked = this.#copy?.mask(payload) ?? null;
    if (masked === null) return null;
    const out = Buffer.allocUnsafe(masked.length + 5);
    out[0] = COPY_DATA;
    out.writeInt32BE(masked.length + 4, 1);
    masked.copy(out, 5);
    return out;
  }

  /** CopyDone, an error or ReadyForQuery: the copy is over. */
  end(): void {
    this.#copy = null;
  }
}
