/**
 * The graders' own reading of the Part A format, written independently of the
 * student's code: which TLVs a buffer holds and, if it is broken, where and
 * which rules apply there (when two rules apply at one offset, either is fine).
 */
const UNITS: Readonly<Record<number, number>> = { 1: 32, 2: 64, 3: 8 };

export interface OracleRecord {
  type: number;
  length: number;
  offset: number;
  value: number[];
}

export interface OracleResult {
  records: OracleRecord[];
  error?: { offset: number; rules: string[] };
}

export function oracleParse(buffer: Uint8Array): OracleResult {
  const records: OracleRecord[] = [];
  let at = 0;
  while (at < buffer.length) {
    const left = buffer.length - at;
    if (left < 2) return { records, error: { offset: at, rules: ['header-truncated'] } };
    const type = buffer[at]!;
    const length = buffer[at + 1]!;
    const unit = UNITS[type];
    const rules: string[] = [];
    if (length > left - 2) rules.push('value-past-end');
    if (unit !== undefined && length % unit !== 0) rules.push('length-not-multiple');
    if (rules.length) return { records, error: { offset: at, rules } };
    if (unit !== undefined) records.push({ type, length, offset: at, value: Array.from(buffer.subarray(at + 2, at + 2 + length)) });
    at += 2 + length;
  }
  return { records };
}

export const ORACLE_UNITS = UNITS;
