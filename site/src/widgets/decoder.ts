/**
 * The course's own decoder (tools/netlink/decode.ts), used for the static decode
 * at build time and bundled into the inspector's browser code (it is browser-safe
 * by contract). Behind a loader so the widget's first paint never waits on it.
 */
import type { DecodeFn } from './inspector-model.ts';

export interface Decoder {
  decode: DecodeFn;
}

let cached: Promise<Decoder> | undefined;

export function loadDecoder(): Promise<Decoder> {
  cached ??= import('#netlink/decode.ts').then((mod) => ({ decode: mod.decodeDatagram }));
  return cached;
}
