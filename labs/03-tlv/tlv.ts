/**
 * Part A: the classic TLV assignment, in TypeScript.
 *
 * Format: 1-byte type, 1-byte length of the value only (the 2-byte header is
 * not counted), no alignment. A value is a whole number of units whose size
 * depends on the type:
 *
 *   NAME    = 1  32-byte units, each a NUL-padded string
 *   WEBSITE = 2  64-byte units, each a NUL-padded string
 *   EMP_ID  = 3   8-byte units, each an unsigned integer in host byte order
 *
 * The C version of this exercise is a pair of macros, ITERATE_TLV_BEGIN and
 * ITERATE_TLV_END, wrapped around the body that handles one TLV. In TypeScript
 * the same idea is a generator: `for (const tlv of iterateTlv(buffer)) { ... }`.
 */
import { TodoError } from '#grader';

export const TLV_NAME = 1;
export const TLV_WEBSITE = 2;
export const TLV_EMP_ID = 3;

/** Type byte + length byte. */
export const TLV_HEADER_SIZE = 2;
/** The length byte cannot say more than this. */
export const TLV_MAX_LENGTH = 255;

const UNIT_SIZES: ReadonlyMap<number, number> = new Map([
  [TLV_NAME, 32],
  [TLV_WEBSITE, 64],
  [TLV_EMP_ID, 8],
]);

/** Size of one unit of a known type, or undefined for a type this program does not know. */
export function unitSize(type: number): number | undefined {
  return UNIT_SIZES.get(type);
}

/** Which rule a buffer (or an encoder input) broke. */
export type TlvRule =
  /** Fewer than 2 bytes left where a header should start. */
  | 'header-truncated'
  /** The length byte points past the end of the buffer. */
  | 'value-past-end'
  /** A known type whose length is not a whole number of its units. */
  | 'length-not-multiple'
  /** Encoder: the value would not fit in the 1-byte length. */
  | 'value-too-long'
  /** Encoder: a string needs more bytes than its unit leaves (one byte is kept for the NUL). */
  | 'string-too-long'
  /** Encoder: an unknown type, a value of the wrong kind, or an id outside 0..2^64-1. */
  | 'bad-value';

/** The only error iterateTlv, encodeTlv and unitValues throw. */
export class TlvError extends Error {
  override name = 'TlvError';
  constructor(
    readonly rule: TlvRule,
    /** Byte offset of the TLV header the problem belongs to (encoder: index of the input record). */
    readonly offset: number,
    detail: string,
  ) {
    super(`${detail} (offset ${offset}, rule ${rule})`);
  }
}

export interface TlvRecord {
  type: number;
  /** The length byte: value bytes only. */
  length: number;
  /** Where this TLV's header starts in the buffer. */
  offset: number;
  /** The `length` value bytes: a view into the buffer, not a copy. */
  value: Uint8Array;
}

// #region iterate
/**
 * Yields every TLV of a known type, in order; skips unknown types (after
 * checking that they fit); throws TlvError at the first broken TLV. Never
 * reads a byte outside `buffer`, which may be a view into a larger array.
 */
export function* iterateTlv(buffer: Uint8Array): Generator<TlvRecord, void, undefined> {
  // TODO 1: Walk the buffer TLV by TLV, starting at offset 0, until no byte is left.
  //   - fewer than 2 bytes left: throw new TlvError('header-truncated', offset, ...)
  //   - the value would end past buffer.length: 'value-past-end'
  //   - a known type (unitSize) whose length is not a multiple of its unit: 'length-not-multiple'
  //   - an unknown type: skip it (do not yield it)
  //   Yield { type, length, offset, value } with value = buffer.subarray(...): no copies, and
  //   no buffer.buffer (a view's .buffer is the whole underlying memory, not your slice).
  throw new TodoError('TODO 1 (iterateTlv)');
}
// #endregion iterate

/** One record to encode: strings for NAME and WEBSITE, unsigned ids for EMP_ID. */
export interface TlvInput {
  type: number;
  values: ReadonlyArray<string | bigint | number>;
}

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: false });

// #region encode
/** Encodes records in the given order: header, then each value in its NUL-padded unit. */
export function encodeTlv(records: readonly TlvInput[]): Uint8Array {
  // TODO 2: For each record: check the type is known, that length = values.length * unit fits
  //   in one byte ('value-too-long'), that each string leaves room for a NUL in its unit
  //   ('string-too-long') and that each id is an integer in 0..2^64-1 ('bad-value'); then
  //   write type, length and the units (strings as UTF-8, ids as u64 little-endian on x86).
  //   Use the record's index in `records` as the TlvError offset.
  throw new TodoError('TODO 2 (encodeTlv)');
}
// #endregion encode

/**
 * The values of one record: strings (the text before the first NUL of each
 * unit, or the whole unit if it has none) for NAME and WEBSITE, bigints for
 * EMP_ID. Never reads outside the record's value.
 */
export function unitValues(record: TlvRecord): string[] | bigint[] {
  // TODO 3: Split record.value into units of unitSize(record.type) bytes. EMP_ID units are
  //   u64 little-endian (use a DataView that starts at record.value.byteOffset); string units
  //   end at their first NUL (decode with TextDecoder). Unknown type: 'bad-value'.
  throw new TodoError('TODO 3 (unitValues)');
}

export interface Employees {
  names: string[];
  websites: string[];
  ids: bigint[];
}

// #region use
/** The usage example of the assignment: one loop, one switch on the type. */
export function readEmployees(buffer: Uint8Array): Employees {
  const found: Employees = { names: [], websites: [], ids: [] };
  for (const tlv of iterateTlv(buffer)) {
    switch (tlv.type) {
      case TLV_NAME:
        found.names.push(...(unitValues(tlv) as string[]));
        break;
      case TLV_WEBSITE:
        found.websites.push(...(unitValues(tlv) as string[]));
        break;
      case TLV_EMP_ID:
        found.ids.push(...(unitValues(tlv) as bigint[]));
        break;
      default:
        break; // iterateTlv already skips types it does not know
    }
  }
  return found;
}
// #endregion use
