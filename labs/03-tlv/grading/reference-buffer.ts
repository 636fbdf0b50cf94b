/**
 * The 222-byte reference buffer of the TLV assignment, written out byte by byte
 * (not produced by any encoder, so it can check yours). Format: 1-byte type,
 * 1-byte length of the value only, no alignment; values are whole units.
 *
 *   offset   0: NAME     len  64  "Abhishek Sagar", "Shivani"        (32-byte units)
 *   offset  66: WEBSITE  len 128  "www.csepracticals.com",
 *                                 "www.facebook.com"                 (64-byte units)
 *   offset 196: EMP_ID   len  24  52437, 52438, 52439                (8-byte units)
 *
 *   3 headers x 2 bytes + 64 + 128 + 24 = 222 bytes.
 *
 * Read-only: the graded tests use it too.
 */
const HEX: readonly string[] = [
  // TLV 1 header: type NAME (1), length 64 = 2 units of 32
  '01 40',
  // "Abhishek Sagar" + 18 NUL bytes (unit 1 of 2)
  '41 62 68 69 73 68 65 6b 20 53 61 67 61 72 00 00',
  '00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00',
  // "Shivani" + 25 NUL bytes (unit 2 of 2)
  '53 68 69 76 61 6e 69 00 00 00 00 00 00 00 00 00',
  '00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00',
  // TLV 2 header at offset 66: type WEBSITE (2), length 128 = 2 units of 64
  '02 80',
  // "www.csepracticals.com" + 43 NUL bytes
  '77 77 77 2e 63 73 65 70 72 61 63 74 69 63 61 6c',
  '73 2e 63 6f 6d 00 00 00 00 00 00 00 00 00 00 00',
  '00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00',
  '00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00',
  // "www.facebook.com" + 48 NUL bytes
  '77 77 77 2e 66 61 63 65 62 6f 6f 6b 2e 63 6f 6d',
  '00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00',
  '00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00',
  '00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00',
  // TLV 3 header at offset 196: type EMP_ID (3), length 24 = 3 units of 8
  '03 18',
  // 52437, 52438, 52439 as u64 little-endian (x86 host order)
  'd5 cc 00 00 00 00 00 00 d6 cc 00 00 00 00 00 00',
  'd7 cc 00 00 00 00 00 00',
];

/** A fresh copy of the 222 bytes (callers may modify their copy). */
export function referenceBuffer(): Uint8Array {
  const bytes = HEX.join(' ').split(/\s+/).filter(Boolean).map((h) => Number.parseInt(h, 16));
  return Uint8Array.from(bytes);
}

export const REFERENCE_BUFFER_LENGTH = 222;

/** What the buffer holds, in order. */
export const REFERENCE_NAMES: readonly string[] = ['Abhishek Sagar', 'Shivani'];
export const REFERENCE_WEBSITES: readonly string[] = ['www.csepracticals.com', 'www.facebook.com'];
export const REFERENCE_IDS: readonly bigint[] = [52437n, 52438n, 52439n];
