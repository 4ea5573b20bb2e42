import type { DescribeTarget } from './message-codes';

/** The first packet of a connection (untyped). */
export type StartupPacket =
  | { type: 'ssl-request' }
  | { type: 'gssenc-request' }
  | { type: 'cancel-request'; processId: number; secretKey: Buffer }
  | { type: 'startup'; majorVersion: number; minorVersion: number; parameters: Map<string, string> };

export interface ParseMessage {
  name: string;
  query: string;
  /** Parameter type OIDs; 0 leaves the type unspecified. */
  parameterTypes: number[];
}

export interface BindMessage {
  portal: string;
  statement: string;
  /** Empty: all text; one: applies to all; otherwise one per parameter (0 text, 1 binary). */
  parameterFormats: number[];
  /** Views of the received message; null is SQL NULL. */
  parameters: (Buffer | null)[];
  resultFormats: number[];
}

/** Describe and Close share this shape. */
export interface TargetMessage {
  target: DescribeTarget;
  name: string;
}

export interface ExecuteMessage {
  portal: string;
  /** 0 means no limit. */
  maxRows: number;
}

export interface FunctionCallMessage {
  functionOid: number;
  argumentFormats: number[];
  /** Views of the received message; null is SQL NULL. */
  arguments: (Buffer | null)[];
  resultFormat: number;
}

export interface SaslInitialResponse {
  mechanism: string;
  /** Initial client response; null when the client sent length -1. */
  data: Buffer | null;
}
