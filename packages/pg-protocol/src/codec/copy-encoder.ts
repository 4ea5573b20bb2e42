import { MessageWriter } from './buffer-writer';
import { FrontendCode } from './message-codes';

// CopyData and CopyDone have the same type byte and layout in both directions,
// so one encoder serves both; frontend-encoder and backend-encoder re-export it.

const writer = new MessageWriter();

/** CopyData: the bytes as they are. */
export function encodeCopyData(data: Uint8Array): Buffer {
  return writer.reset().bytes(data).frame(FrontendCode.CopyData);
}

export function encodeCopyDone(): Buffer {
  return writer.reset().frame(FrontendCode.CopyDone);
}
