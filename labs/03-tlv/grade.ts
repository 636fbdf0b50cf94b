/**
 * Graded tests of lab 3 (The TLV assignment).
 *
 * Part A and B are checked against hand-computed byte vectors, against the
 * graders' own oracle (grading/tlv-oracle.ts) and the course library (#netlink,
 * which students must not use for their own attribute code), and with seeded
 * random and malformed inputs. Part C is checked against the kernel's truth:
 * /proc/nl_tlv/records and a reference client built on #netlink.
 */
import { defineLab, expect, GradeFailure, TodoError, type TestContext } from '#grader';
import { AttributeBuilder, NetlinkParseError, parseAttributes as libParse, type NetlinkAttribute } from '#netlink';
import {
  NL_TLV_A_EMP_ID,
  NL_TLV_A_NAME,
  NL_TLV_A_PAD,
  NL_TLV_A_TAGS,
  NL_TLV_A_WEBSITES,
  NL_TLV_CMD_ADD,
  NL_TLV_TAG_A_LEVEL,
  NL_TLV_TAG_A_REMOTE,
  NL_TLV_TAG_A_TEAM,
  NL_TLV_WEBSITE_A_WEBSITE,
} from '#kernel/03-tlv/nl_tlv.ts';
import * as tlv from './tlv.ts';
import * as nlattr from './nlattr.ts';
import * as employees from './employees.ts';
import { REFERENCE_BUFFER_LENGTH, REFERENCE_IDS, REFERENCE_NAMES, REFERENCE_WEBSITES, referenceBuffer } from './grading/reference-buffer.ts';
import { Prng, hex } from './grading/prng.ts';
import { oracleParse, ORACLE_UNITS, type OracleResult } from './grading/tlv-oracle.ts';
import { RefClient, readProcRecords as procRecords, readProcState as procState, refEncode, type RefEmployee } from '#kernel/03-tlv/peer.ts';

/* ------------------------------ helpers ------------------------------ */

const readProcRecords = (t: TestContext): RefEmployee[] => procRecords((path) => t.readKernelFile(path));
const readProcState = (t: TestContext): Record<string, number> => procState((path) => t.readKernelFile(path));

const KERNEL = 20000;
/** Seeded property tests run hundreds of cases; emulated CPUs are slow. */
const PROPERTY = 30000;
const b = (...bytes: number[]): Uint8Array => Uint8Array.from(bytes);

function isTlvError(error: unknown): error is tlv.TlvError {
  return error instanceof tlv.TlvError;
}
function isNlattrError(error: unknown): error is nlattr.NlattrError {
  return error instanceof nlattr.NlattrError;
}
function isEmployeeError(error: unknown): error is employees.EmployeeError {
  return error instanceof employees.EmployeeError;
}

/** What the student's iterator did with a buffer: the records it yielded and how it ended. */
interface StudentRun {
  records: Array<{ type: number; length: number; offset: number; value: number[] }>;
  error?: { offset: number; rule: string };
}

/** Runs iterateTlv to the end; anything thrown other than TlvError is a failure naming the case. */
function runIterator(buffer: Uint8Array, label: string): StudentRun {
  const run: StudentRun = { records: [] };
  try {
    for (const r of tlv.iterateTlv(buffer)) {
      run.records.push({ type: r.type, length: r.length, offset: r.offset, value: Array.from(r.value) });
      if (run.records.length > buffer.length + 1) throw new GradeFailure(`${label}: iterateTlv yielded more records than the buffer has bytes (an endless loop?)`);
    }
  } catch (error) {
    // Unfinished TODOs and grader failures are reported as such, not as a parser bug.
    if (error instanceof GradeFailure || error instanceof TodoError) throw error;
    if (!isTlvError(error)) {
      throw new GradeFailure(`${label}: iterateTlv threw ${String(error)}; malformed input must raise TlvError and nothing else.\n  input: ${hex(buffer)}`);
    }
    run.error = { offset: error.offset, rule: error.rule };
  }
  return run;
}

/** Compares a student run with the oracle: records (a prefix when there is an error) and the error's offset and rule. */
function compareWithOracle(run: StudentRun, oracle: OracleResult, buffer: Uint8Array, label: string): void {
  const show = `\n  input (${buffer.length} bytes): ${hex(buffer)}`;
  if (!oracle.error) {
    if (run.error) throw new GradeFailure(`${label}: the buffer is well-formed, but iterateTlv threw ${run.error.rule} at offset ${run.error.offset}${show}`);
    expect.deepEqual(run.records, oracle.records, { what: `${label}: records yielded`, rule: 'known types are yielded in order, unknown types skipped' });
    return;
  }
  if (!run.error) {
    throw new GradeFailure(`${label}: the buffer is broken at offset ${oracle.error.offset} (${oracle.error.rules.join(' or ')}), but iterateTlv finished without a TlvError${show}`);
  }
  if (run.error.offset !== oracle.error.offset || !oracle.error.rules.includes(run.error.rule)) {
    throw new GradeFailure(
      `${label}: expected TlvError ${oracle.error.rules.join(' or ')} at offset ${oracle.error.offset}, got ${run.error.rule} at offset ${run.error.offset}${show}`,
    );
  }
  expect.deepEqual(run.records, oracle.records.slice(0, run.records.length), { what: `${label}: records yielded before the error` });
}

/** A random TLV buffer: mostly valid records (some unknown types), sometimes damaged. */
function randomTlvBuffer(rng: Prng): Uint8Array {
  if (rng.chance(0.25)) {
    // Pure noise, types biased towards the known ones.
    const bytes = rng.bytes(rng.int(0, 120));
    for (let i = 0; i < bytes.length; i += rng.int(1, 40)) bytes[i] = rng.int(0, 5);
    return bytes;
  }
  const parts: number[] = [];
  const count = rng.int(0, 6);
  for (let i = 0; i < count; i++) {
    const type = rng.pick([1, 2, 3, 3, 1, 0, 4, 200]);
    const unit = ORACLE_UNITS[type];
    const length = unit ? unit * rng.int(0, Math.floor(255 / unit)) : rng.int(0, 40);
    parts.push(type, length, ...rng.bytes(length));
  }
  const bytes = Uint8Array.from(parts);
  const damage = rng.int(0, 3);
  if (damage === 1 && bytes.length) return bytes.subarray(0, rng.int(0, bytes.length - 1)).slice();
  if (damage === 2 && bytes.length > 1) bytes[1] = rng.int(0, 255);
  return bytes;
}

/** A buffer placed inside a larger one whose neighbours are poison: a valid TLV stream nobody should see. */
function embedWithPoison(inner: Uint8Array, rng: Prng): { view: Uint8Array; copy: Uint8Array } {
  const poison = (n: number): number[] => {
    const out: number[] = [];
    while (out.length < n) out.push(3, 8, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee);
    return out.slice(0, n);
  };
  const before = rng.int(1, 37);
  const after = 300;
  const big = Uint8Array.from([...poison(before), ...inner, ...poison(after)]);
  return { view: big.subarray(before, before + inner.length), copy: inner.slice() };
}

const utf8 = new TextEncoder();
const nul = (s: string, unit: number): number[] => {
  const out = new Array<number>(unit).fill(0);
  utf8.encode(s).forEach((c, i) => (out[i] = c));
  return out;
};

/** Library attribute -> plain record for comparisons. */
function libView(a: NetlinkAttribute): object {
  return { type: a.type, rawType: a.rawType, length: a.length, offset: a.offset, value: Array.from(a.value) };
}
function studentView(a: nlattr.Attribute): object {
  return { type: a.type, rawType: a.rawType, length: a.length, offset: a.offset, value: Array.from(a.value) };
}

const LIB_RULES: Readonly<Record<string, string>> = {
  'nla-header-truncated': 'header-truncated',
  'nla-len-below-header': 'len-below-header',
  'nla-len-past-end': 'len-past-end',
};

/** Runs the student's parser; any throw but NlattrError is a failure. */
function runParser(bytes: Uint8Array, base: number, label: string): { attrs?: object[]; error?: { rule: string; offset: number } } {
  try {
    return { attrs: nlattr.parseAttributes(bytes, base).map(studentView) };
  } catch (error) {
    if (error instanceof TodoError) throw error;
    if (!isNlattrError(error)) {
      throw new GradeFailure(`${label}: parseAttributes threw ${String(error)}; malformed input must raise NlattrError and nothing else.\n  input: ${hex(bytes)}`);
    }
    return { error: { rule: error.rule, offset: error.offset } };
  }
}

function libVerdict(bytes: Uint8Array, base: number): { attrs?: object[]; error?: { rule: string; offset: number } } {
  try {
    return { attrs: libParse(bytes, { baseOffset: base }).map(libView) };
  } catch (error) {
    if (!(error instanceof NetlinkParseError)) throw error;
    return { error: { rule: LIB_RULES[error.rule] ?? error.rule, offset: error.offset } };
  }
}

/** A random attribute tree, encoded twice: by the student's nla.* and by the library. */
function randomTree(rng: Prng, depth: number): { mine: Uint8Array[]; lib: AttributeBuilder } {
  const lib = new AttributeBuilder();
  const mine: Uint8Array[] = [];
  const n = rng.int(0, 5);
  for (let i = 0; i < n; i++) {
    const type = rng.int(0, 40);
    const kind = depth < 3 && rng.chance(0.2) ? 'nested' : rng.pick(['u8', 'u16', 'u32', 'u64', 's8', 's16', 's32', 's64', 'be16', 'be32', 'flag', 'string', 'nul', 'binary']);
    switch (kind) {
      case 'nested': {
        const inner = randomTree(rng, depth + 1);
        mine.push(nlattr.nla.nested(type, inner.mine));
        lib.nested(type, inner.lib);
        break;
      }
      case 'u8': { const v = rng.int(0, 255); mine.push(nlattr.nla.u8(type, v)); lib.u8(type, v); break; }
      case 'u16': { const v = rng.int(0, 0xffff); mine.push(nlattr.nla.u16(type, v)); lib.u16(type, v); break; }
      case 'u32': { const v = rng.nextU32(); mine.push(nlattr.nla.u32(type, v)); lib.u32(type, v); break; }
      case 'u64': { const v = (BigInt(rng.nextU32()) << 32n) | BigInt(rng.nextU32()); mine.push(nlattr.nla.u64(type, v)); lib.u64(type, v); break; }
      case 's8': { const v = rng.int(0, 255) - 128; mine.push(nlattr.nla.s8(type, v)); lib.s8(type, v); break; }
      case 's16': { const v = rng.int(0, 0xffff) - 0x8000; mine.push(nlattr.nla.s16(type, v)); lib.s16(type, v); break; }
      case 's32': { const v = rng.nextU32() | 0; mine.push(nlattr.nla.s32(type, v)); lib.s32(type, v); break; }
      case 's64': { const v = BigInt.asIntN(64, (BigInt(rng.nextU32()) << 32n) | BigInt(rng.nextU32())); mine.push(nlattr.nla.s64(type, v)); lib.s64(type, v); break; }
      case 'be16': { const v = rng.int(0, 0xffff); mine.push(nlattr.nla.be16(type, v)); lib.be16(type, v); break; }
      case 'be32': { const v = rng.nextU32(); mine.push(nlattr.nla.be32(type, v)); lib.be32(type, v); break; }
      case 'flag': mine.push(nlattr.nla.flag(type)); lib.flag(type); break;
      case 'string': { const s = rng.word(0, 13); mine.push(nlattr.nla.string(type, s)); lib.string(type, s); break; }
      case 'nul': { const s = rng.word(0, 13); mine.push(nlattr.nla.nulString(type, s)); lib.nulString(type, s); break; }
      default: { const v = rng.bytes(rng.int(0, 11)); mine.push(nlattr.nla.binary(type, v)); lib.binary(type, v); break; }
    }
  }
  return { mine, lib };
}

/** Normalises an employee for comparison (drops undefined fields, remote only when true). */
function norm(e: RefEmployee | employees.Employee): RefEmployee {
  const out: RefEmployee = { name: e.name, websites: [...e.websites], empId: e.empId };
  const t = e.tags;
  if (t && (t.level !== undefined || t.remote || t.team !== undefined)) {
    out.tags = {};
    if (t.level !== undefined) out.tags.level = t.level;
    if (t.remote) out.tags.remote = true;
    if (t.team !== undefined) out.tags.team = t.team;
  }
  return out;
}

const ABHISHEK: employees.Employee = {
  name: REFERENCE_NAMES[0]!,
  websites: [REFERENCE_WEBSITES[0]!, REFERENCE_WEBSITES[1]!],
  empId: REFERENCE_IDS[0]!,
  tags: { level: 7, remote: true, team: 'netlink course' },
};
const SHIVANI: employees.Employee = { name: REFERENCE_NAMES[1]!, websites: [REFERENCE_WEBSITES[1]!], empId: REFERENCE_IDS[1]! };

/** Runs `body` with a reference client on an empty record table, and closes what it opened. */
async function withCleanTable<T>(body: (ref: RefClient) => Promise<T>): Promise<T> {
  const ref = await RefClient.open();
  try {
    await ref.clear();
    return await body(ref);
  } finally {
    try {
      await ref.clear();
    } finally {
      ref.close();
    }
  }
}

async function withStudentClient<T>(body: (client: employees.EmployeeClient) => Promise<T>): Promise<T> {
  const client = await employees.EmployeeClient.open();
  try {
    return await body(client);
  } finally {
    client.close();
  }
}

function expectProc(t: TestContext, expected: readonly (RefEmployee | employees.Employee)[], what: string): void {
  expect.deepEqual(readProcRecords(t).map(norm), expected.map(norm), { what: `${what}: /proc/nl_tlv/records`, rule: 'the kernel stores exactly what the request carried' });
}

/* ------------------------------ bad requests ------------------------------ */

interface BadRequest {
  what: string;
  bytes: Uint8Array;
  errno: string;
  /** The path the student's attributePath must give. */
  path: string;
  /** Where that attribute starts in the request (nlmsghdr = 0), found from the bytes we built. */
  offset: number;
}

/** Offset of the attribute reached by `steps` (type and index among same-type siblings). */
function offsetOf(bytes: Uint8Array, steps: ReadonlyArray<readonly [number, number]>): number {
  let attrs = libParse(bytes, { baseOffset: employees.ATTRS_OFFSET });
  let found: NetlinkAttribute | undefined;
  steps.forEach(([type, index], i) => {
    found = attrs.filter((a) => a.type === type)[index];
    if (!found) throw new Error(`grader bug: no attribute ${type}[${index}]`);
    if (i + 1 < steps.length) attrs = found.attributes();
  });
  return found!.offset;
}

function badRequests(): BadRequest[] {
  const base = (): AttributeBuilder => new AttributeBuilder().nulString(NL_TLV_A_NAME, 'Ada Lovelace');
  const sites = (n: AttributeBuilder, list: string[]): void => {
    for (const w of list) n.nulString(NL_TLV_WEBSITE_A_WEBSITE, w);
  };
  const out: BadRequest[] = [];
  const add = (what: string, bytes: Uint8Array, errno: string, path: string, steps: ReadonlyArray<readonly [number, number]>): void => {
    out.push({ what, bytes, errno, path, offset: offsetOf(bytes, steps) });
  };
  add(
    'the second WEBSITE is 70 bytes (max 63 + NUL)',
    base().nested(NL_TLV_A_WEBSITES, (n) => sites(n, ['ada.example', 'x'.repeat(70), 'c.example'])).u64(NL_TLV_A_EMP_ID, 9001n).bytes(),
    'EINVAL', 'WEBSITES > WEBSITE[1]', [[NL_TLV_A_WEBSITES, 0], [NL_TLV_WEBSITE_A_WEBSITE, 1]],
  );
  add(
    'LEVEL 12 is outside 1..9',
    base().nested(NL_TLV_A_WEBSITES, (n) => sites(n, ['ada.example'])).u64(NL_TLV_A_EMP_ID, 9002n).nested(NL_TLV_A_TAGS, (n) => n.flag(NL_TLV_TAG_A_REMOTE).u8(NL_TLV_TAG_A_LEVEL, 12)).bytes(),
    'ERANGE', 'TAGS > LEVEL', [[NL_TLV_A_TAGS, 0], [NL_TLV_TAG_A_LEVEL, 0]],
  );
  add(
    'NAME is 40 bytes (max 31 + NUL)',
    new AttributeBuilder().u64(NL_TLV_A_EMP_ID, 9003n).nulString(NL_TLV_A_NAME, 'N'.repeat(40)).nested(NL_TLV_A_WEBSITES, (n) => sites(n, ['a.example'])).bytes(),
    'EINVAL', 'NAME', [[NL_TLV_A_NAME, 0]],
  );
  add(
    'WEBSITES lacks NLA_F_NESTED',
    base().nested(NL_TLV_A_WEBSITES, (n) => sites(n, ['a.example']), { nestedFlag: false }).u64(NL_TLV_A_EMP_ID, 9004n).bytes(),
    'EINVAL', 'WEBSITES', [[NL_TLV_A_WEBSITES, 0]],
  );
  add(
    'EMP_ID sent as a u32',
    base().nested(NL_TLV_A_WEBSITES, (n) => sites(n, ['a.example'])).u32(NL_TLV_A_EMP_ID, 9005).bytes(),
    'EINVAL', 'EMP_ID', [[NL_TLV_A_EMP_ID, 0]],
  );
  add(
    'an attribute type the family does not have (9)',
    base().nested(NL_TLV_A_WEBSITES, (n) => sites(n, ['a.example'])).u64(NL_TLV_A_EMP_ID, 9006n).u32(9, 1).bytes(),
    'EINVAL', 'unknown(9)', [[9, 0]],
  );
  add(
    'the first WEBSITE contains a space',
    base().nested(NL_TLV_A_WEBSITES, (n) => sites(n, ['not a host', 'b.example'])).u64(NL_TLV_A_EMP_ID, 9007n).bytes(),
    'EINVAL', 'WEBSITES > WEBSITE[0]', [[NL_TLV_A_WEBSITES, 0], [NL_TLV_WEBSITE_A_WEBSITE, 0]],
  );
  add(
    'TEAM has no NUL',
    base().nested(NL_TLV_A_WEBSITES, (n) => sites(n, ['a.example'])).u64(NL_TLV_A_EMP_ID, 9008n).nested(NL_TLV_A_TAGS, (n) => n.u8(NL_TLV_TAG_A_LEVEL, 2).string(NL_TLV_TAG_A_TEAM, 'kernel')).bytes(),
    'EINVAL', 'TAGS > TEAM', [[NL_TLV_A_TAGS, 0], [NL_TLV_TAG_A_TEAM, 0]],
  );
  return out;
}

/* -------------------------------- the lab -------------------------------- */

export default defineLab({
  title: 'The TLV assignment',
  module: { dir: 'kernel/03-tlv', name: 'nl_tlv' },
  studentFiles: ['tlv.ts', 'nlattr.ts', 'employees.ts'],
  firstStep:
    'Open labs/03-tlv/tlv.ts and do TODO 1 (iterateTlv): walk the buffer header by header and yield each known TLV; then run `npm run lab 3` again.',
  tests: [
    /* ------------------------- Part A: plain TLVs ------------------------- */
    {
      name: 'iterateTlv walks the 222-byte reference buffer',
      points: 2,
      rule: '1-byte type, 1-byte length of the value only, no alignment: the next TLV starts 2 + length bytes later',
      hint: 'Start at offset 0; read type = buffer[offset], length = buffer[offset + 1]; yield; move on by 2 + length.',
      run: () => {
        const buffer = referenceBuffer();
        expect.equal(buffer.length, REFERENCE_BUFFER_LENGTH, { what: 'fixture length' });
        const run = runIterator(buffer, 'reference buffer');
        if (run.error) expect.fail(`iterateTlv threw ${run.error.rule} at offset ${run.error.offset} on a well-formed buffer`);
        expect.deepEqual(
          run.records.map((r) => ({ type: r.type, length: r.length, offset: r.offset })),
          [
            { type: tlv.TLV_NAME, length: 64, offset: 0 },
            { type: tlv.TLV_WEBSITE, length: 128, offset: 66 },
            { type: tlv.TLV_EMP_ID, length: 24, offset: 196 },
          ],
          { what: 'records (type, length, offset)' },
        );
        expect.deepEqual(run.records[1]?.value.slice(0, 4), [0x77, 0x77, 0x77, 0x2e], { what: 'first bytes of the WEBSITE value ("www.")' });
      },
    },
    {
      name: 'unitValues and readEmployees decode the reference buffer',
      points: 2,
      rule: 'a value is whole units: strings end at their first NUL inside the unit; EMP_ID units are u64 in host order',
      hint: 'Cut record.value into unitSize(type) pieces with subarray; for EMP_ID use new DataView(value.buffer, value.byteOffset, value.byteLength).getBigUint64(i * 8, true).',
      run: () => {
        expect.deepEqual(
          tlv.readEmployees(referenceBuffer()),
          { names: [...REFERENCE_NAMES], websites: [...REFERENCE_WEBSITES], ids: [...REFERENCE_IDS] },
          { what: 'readEmployees(reference buffer)' },
        );
        const unterminated = Uint8Array.from([1, 32, ...new Array<number>(32).fill(0x41)]);
        const [record] = [...tlv.iterateTlv(unterminated)];
        if (!record) return expect.fail('iterateTlv yielded nothing for one NAME TLV');
        expect.deepEqual(tlv.unitValues(record), ['A'.repeat(32)], { what: 'a 32-byte name without NUL', rule: 'a unit without NUL is the whole unit, never more' });
      },
    },
    {
      name: 'encodeTlv rebuilds the reference buffer byte for byte',
      points: 2,
      rule: 'length = units x unit size (header not counted); strings NUL-padded to their unit; ids u64 little-endian',
      hint: 'Allocate 2 + length bytes per record (new Uint8Array is zero-filled, so the padding is already NUL) and write each unit at 2 + i * unit.',
      run: () => {
        const bytes = tlv.encodeTlv([
          { type: tlv.TLV_NAME, values: [...REFERENCE_NAMES] },
          { type: tlv.TLV_WEBSITE, values: [...REFERENCE_WEBSITES] },
          { type: tlv.TLV_EMP_ID, values: [...REFERENCE_IDS] },
        ]);
        expect.bytes(bytes, referenceBuffer(), { decode: 'tlv', what: 'encoded buffer' });
        expect.bytes(tlv.encodeTlv([{ type: tlv.TLV_EMP_ID, values: [1, 0xffff_ffff_ffff_ffffn] }]), [3, 16, 1, 0, 0, 0, 0, 0, 0, 0, 255, 255, 255, 255, 255, 255, 255, 255], {
          decode: 'tlv',
          what: 'EMP_ID 1 and 2^64-1',
        });
        expect.bytes(tlv.encodeTlv([]), [], { what: 'no records' });
      },
    },
    {
      name: 'iterateTlv skips unknown types',
      points: 1,
      rule: 'a reader skips the TLVs it does not know (their length still tells where the next one starts)',
      hint: 'unitSize(type) is undefined for an unknown type: check the length fits, move past it, yield nothing.',
      run: () => {
        const buffer = Uint8Array.from([9, 3, 1, 2, 3, ...nul('', 0), 1, 32, ...nul('Ada', 32), 0, 0, 3, 8, 7, 0, 0, 0, 0, 0, 0, 0, 250, 1, 0xff]);
        const run = runIterator(buffer, 'unknown types 9, 0, 250 around NAME and EMP_ID');
        compareWithOracle(run, oracleParse(buffer), buffer, 'unknown types');
        expect.deepEqual(tlv.readEmployees(buffer), { names: ['Ada'], websites: [], ids: [7n] }, { what: 'readEmployees' });
      },
    },
    {
      name: 'broken buffers raise TlvError at the right offset',
      points: 2,
      rule: 'truncated or inconsistent input is rejected with a typed error, never read past',
      hint: 'Check, in this order: 2 header bytes left, length <= bytes left after the header, length % unit === 0 for known types. TlvError.offset is where the broken TLV header starts.',
      run: () => {
        const cases: Array<[string, Uint8Array]> = [
          ['one stray byte after a good TLV', Uint8Array.from([3, 8, 1, 0, 0, 0, 0, 0, 0, 0, 3])],
          ['NAME says 64 but 32 bytes follow', Uint8Array.from([1, 64, ...nul('x', 32)])],
          ['EMP_ID length 12 (not a multiple of 8)', Uint8Array.from([3, 12, ...new Array<number>(12).fill(0)])],
          ['WEBSITE length 32 (half a unit)', Uint8Array.from([2, 32, ...nul('w', 32)])],
          ['unknown type running past the end', Uint8Array.from([1, 0, 77, 5, 1, 2])],
          ['the reference buffer cut at 221 bytes', referenceBuffer().subarray(0, 221)],
          ['a single byte', Uint8Array.from([1])],
        ];
        for (const [what, buffer] of cases) compareWithOracle(runIterator(buffer, what), oracleParse(buffer), buffer, what);
        const empty = runIterator(new Uint8Array(0), 'empty buffer');
        expect.deepEqual(empty, { records: [] }, { what: 'an empty buffer', rule: 'an empty buffer holds no TLVs and is not an error' });
      },
    },
    {
      name: 'encodeTlv refuses what the format cannot hold',
      points: 1,
      rule: 'the length byte holds at most 255; a string needs room for its NUL inside its unit',
      hint: '4 websites are 256 bytes: value-too-long. A 32-byte name leaves no room for the NUL: string-too-long. Ids outside 0..2^64-1: bad-value.',
      run: async () => {
        const cases: Array<[string, tlv.TlvInput[], tlv.TlvRule, number]> = [
          ['four websites (256 bytes)', [{ type: tlv.TLV_WEBSITE, values: ['a', 'b', 'c', 'd'] }], 'value-too-long', 0],
          ['a 32-character name', [{ type: tlv.TLV_NAME, values: ['ok'] }, { type: tlv.TLV_NAME, values: ['N'.repeat(32)] }], 'string-too-long', 1],
          ['a negative id', [{ type: tlv.TLV_EMP_ID, values: [-1n] }], 'bad-value', 0],
          ['an unknown type', [{ type: 7, values: [] }], 'bad-value', 0],
        ];
        for (const [what, input, rule, offset] of cases) {
          const error = await expect.throws(() => tlv.encodeTlv(input), isTlvError, `encodeTlv(${what}) must throw TlvError`);
          expect.equal(error.rule, rule, { what: `encodeTlv(${what}): rule` });
          expect.equal(error.offset, offset, { what: `encodeTlv(${what}): offset (index of the record)` });
        }
        expect.equal(tlv.encodeTlv([{ type: tlv.TLV_NAME, values: ['N'.repeat(31)] }]).length, 34, { what: 'a 31-character name (fits with its NUL): total bytes' });
      },
    },
    {
      name: 'random valid records round-trip (seeded)',
      points: 2,
      timeoutMs: PROPERTY,
      rule: 'decode(encode(x)) === x for every record list the format can hold',
      hint: 'The failure names the seed and case; re-run it by hand with the values shown.',
      run: () => {
        const rng = new Prng(0x3713);
        for (let i = 0; i < 150; i++) {
          const input: tlv.TlvInput[] = [];
          for (let r = rng.int(0, 5); r > 0; r--) {
            const type = rng.int(1, 3);
            const max = Math.floor(255 / ORACLE_UNITS[type]!);
            const n = rng.int(0, max);
            input.push({
              type,
              values:
                type === tlv.TLV_EMP_ID
                  ? Array.from({ length: n }, () => (BigInt(rng.nextU32()) << 32n) | BigInt(rng.nextU32()))
                  : Array.from({ length: n }, () => rng.word(0, ORACLE_UNITS[type]! - 1)),
            });
          }
          const bytes = tlv.encodeTlv(input);
          const oracle = oracleParse(bytes);
          if (oracle.error) expect.fail(`case ${i}: encodeTlv produced a buffer the format forbids (${oracle.error.rules.join('/')} at ${oracle.error.offset}) for ${JSON.stringify(input, (_, v) => (typeof v === 'bigint' ? `${v}n` : v))}`);
          const run = runIterator(bytes, `case ${i}`);
          compareWithOracle(run, oracle, bytes, `case ${i}`);
          const back = [...tlv.iterateTlv(bytes)].map((r) => ({ type: r.type, values: tlv.unitValues(r) }));
          expect.deepEqual(back, input.map((r) => ({ type: r.type, values: [...r.values] })), { what: `case ${i}: decoded values` });
        }
      },
    },
    {
      name: 'random and malformed buffers: only TlvError, same verdict as the oracle (seeded)',
      points: 3,
      timeoutMs: PROPERTY,
      rule: 'a parser of untrusted input never throws anything but its typed error and never reads past the buffer',
      hint: 'Check every length against buffer.length before you read; never index past it (buffer[i] beyond the end is undefined, not an error).',
      run: () => {
        const rng = new Prng(0xbadc0de);
        for (let i = 0; i < 600; i++) {
          const buffer = randomTlvBuffer(rng);
          compareWithOracle(runIterator(buffer, `case ${i}`), oracleParse(buffer), buffer, `case ${i}`);
        }
      },
    },
    {
      name: 'a view inside a larger buffer: never reads its neighbours',
      points: 2,
      timeoutMs: PROPERTY,
      rule: 'a Uint8Array view is bytes byteOffset..byteOffset+length of its ArrayBuffer: reading outside it reads someone else\'s data',
      hint: 'Never use buffer.buffer without buffer.byteOffset and buffer.byteLength; use subarray for values and DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength).',
      run: () => {
        const rng = new Prng(0x5eed);
        const inputs = [referenceBuffer(), referenceBuffer().subarray(0, 100).slice(), Uint8Array.from([3, 16, 1, 0, 0, 0, 0, 0, 0, 0])];
        for (let i = 0; i < 200; i++) inputs.push(randomTlvBuffer(rng));
        inputs.forEach((inner, i) => {
          const { view, copy } = embedWithPoison(inner, rng);
          const label = `case ${i}`;
          expect.deepEqual(runIterator(view, `${label} (view)`), runIterator(copy, `${label} (copy)`), {
            what: `${label}: iterateTlv on a view vs on a copy of the same bytes`,
          });
          let fromView: unknown;
          let fromCopy: unknown;
          try {
            fromView = tlv.readEmployees(view);
          } catch (error) {
            if (!isTlvError(error)) throw error;
            fromView = `TlvError ${error.rule}@${error.offset}`;
          }
          try {
            fromCopy = tlv.readEmployees(copy);
          } catch (error) {
            if (!isTlvError(error)) throw error;
            fromCopy = `TlvError ${error.rule}@${error.offset}`;
          }
          expect.deepEqual(fromView, fromCopy, { what: `${label}: readEmployees on a view vs on a copy` });
        });
      },
    },

    /* --------------------- Part B: netlink attributes --------------------- */
    {
      name: 'nlaAlign and encodeAttribute: header, value, zero padding',
      points: 2,
      rule: 'nla_len counts the 4-byte header and the value, not the padding; padding bytes are zero',
      hint: 'nla_len = 4 + value.length; allocate nlaAlign(nla_len) bytes; copy only value.length bytes of the value.',
      run: async () => {
        for (const [n, want] of [[0, 0], [1, 4], [4, 4], [5, 8], [7, 8], [65535, 65536]] as const) {
          expect.equal(nlattr.nlaAlign(n), want, { what: `nlaAlign(${n})` });
        }
        expect.bytes(nlattr.encodeAttribute(1, b(7, 0, 0, 0)), [8, 0, 1, 0, 7, 0, 0, 0], { decode: 'nlattr', what: 'a 4-byte value' });
        expect.bytes(nlattr.encodeAttribute(2, b(0xaa)), [5, 0, 2, 0, 0xaa, 0, 0, 0], { decode: 'nlattr', what: 'a 1-byte value (nla_len 5, 3 padding bytes)' });
        expect.bytes(nlattr.encodeAttribute(3, b()), [4, 0, 3, 0], { decode: 'nlattr', what: 'an empty value' });
        expect.bytes(nlattr.encodeAttribute(0x8004, b(1, 2, 3, 4, 5, 6)), [10, 0, 4, 0x80, 1, 2, 3, 4, 5, 6, 0, 0], { decode: 'nlattr', what: 'type 0x8004 written as given' });
        const dirty = new Uint8Array(16).fill(0xff);
        expect.bytes(nlattr.encodeAttribute(5, dirty.subarray(4, 7)), [7, 0, 5, 0, 0xff, 0xff, 0xff, 0], {
          decode: 'nlattr',
          what: 'a 3-byte view of a larger 0xff buffer',
          rule: 'padding is zero, whatever lies beyond the value in memory',
        });
        const error = await expect.throws(() => nlattr.encodeAttribute(0x10000, b()), isNlattrError, 'encodeAttribute(type 0x10000) must throw NlattrError');
        expect.equal(error.rule, 'value-range', { what: 'rule' });
        await expect.throws(() => nlattr.encodeAttribute(1, new Uint8Array(65532)), isNlattrError, 'a 65532-byte value (nla_len 65536) must throw NlattrError');
      },
    },
    {
      name: 'integer encoders: u8..u64, s8..s64, be16, be32',
      points: 2,
      rule: 'integers are host byte order (little-endian on x86) except be16/be32; the value length is the type\'s size',
      hint: 'DataView setters take littleEndian as the last argument; 64-bit values need setBigUint64/setBigInt64.',
      run: async () => {
        const { nla } = nlattr;
        const vectors: Array<[string, Uint8Array, number[]]> = [
          ['u8 0xab', nla.u8(1, 0xab), [5, 0, 1, 0, 0xab, 0, 0, 0]],
          ['u16 0x1234', nla.u16(1, 0x1234), [6, 0, 1, 0, 0x34, 0x12, 0, 0]],
          ['u32 0xdeadbeef', nla.u32(1, 0xdeadbeef), [8, 0, 1, 0, 0xef, 0xbe, 0xad, 0xde]],
          ['u64 0x0102030405060708', nla.u64(1, 0x0102030405060708n), [12, 0, 1, 0, 8, 7, 6, 5, 4, 3, 2, 1]],
          ['s8 -1', nla.s8(1, -1), [5, 0, 1, 0, 0xff, 0, 0, 0]],
          ['s16 -2', nla.s16(1, -2), [6, 0, 1, 0, 0xfe, 0xff, 0, 0]],
          ['s32 -3', nla.s32(1, -3), [8, 0, 1, 0, 0xfd, 0xff, 0xff, 0xff]],
          ['s64 -4', nla.s64(1, -4n), [12, 0, 1, 0, 0xfc, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]],
          ['be16 0x1234', nla.be16(1, 0x1234), [6, 0, 1, 0, 0x12, 0x34, 0, 0]],
          ['be32 10.0.0.1', nla.be32(1, 0x0a000001), [8, 0, 1, 0, 10, 0, 0, 1]],
          ['flag', nla.flag(6), [4, 0, 6, 0]],
        ];
        for (const [what, actual, want] of vectors) expect.bytes(actual, want, { decode: 'nlattr', what });
        const bad: Array<[string, () => unknown]> = [
          ['u8 256', () => nla.u8(1, 256)],
          ['s8 128', () => nla.s8(1, 128)],
          ['u16 -1', () => nla.u16(1, -1)],
          ['u32 1.5', () => nla.u32(1, 1.5)],
          ['u64 2^64', () => nla.u64(1, 2n ** 64n)],
          ['s64 -2^63-1', () => nla.s64(1, -(2n ** 63n) - 1n)],
        ];
        for (const [what, fn] of bad) {
          const error = await expect.throws(fn, isNlattrError, `${what} must throw NlattrError`);
          expect.equal(error.rule, 'value-range', { what: `${what}: rule` });
        }
      },
    },
    {
      name: 'NUL strings and nested attributes',
      points: 2,
      rule: 'NLA_NUL_STRING counts its NUL in nla_len; a nest\'s value is its children with their padding, and its type carries NLA_F_NESTED',
      hint: 'nulString value = UTF-8 bytes + one 0. nested: encodeAttribute(type | 0x8000, concatBytes(children)).',
      run: () => {
        const { nla } = nlattr;
        expect.bytes(nla.nulString(1, 'hi'), [7, 0, 1, 0, 0x68, 0x69, 0, 0], { decode: 'nlattr', what: 'nulString "hi"' });
        expect.bytes(nla.nulString(1, 'abc'), [8, 0, 1, 0, 0x61, 0x62, 0x63, 0], { decode: 'nlattr', what: 'nulString "abc"' });
        expect.bytes(nla.nulString(1, ''), [5, 0, 1, 0, 0, 0, 0, 0], { decode: 'nlattr', what: 'nulString ""' });
        expect.bytes(nla.nulString(2, 'é'), [7, 0, 2, 0, 0xc3, 0xa9, 0, 0], { decode: 'nlattr', what: 'nulString "é" (2 UTF-8 bytes)' });
        expect.bytes(nla.string(2, 'abc'), [7, 0, 2, 0, 0x61, 0x62, 0x63, 0], { decode: 'nlattr', what: 'string "abc" (no NUL)' });
        expect.bytes(nla.nested(3, [nla.u8(1, 1), nla.flag(2)]), [16, 0, 3, 0x80, 5, 0, 1, 0, 1, 0, 0, 0, 4, 0, 2, 0], {
          decode: 'nlattr',
          what: 'nested(3, [u8 1, flag 2])',
        });
        expect.bytes(nla.nested(4, []), [4, 0, 4, 0x80], { decode: 'nlattr', what: 'an empty nest' });
        expect.bytes(nla.nested(1, [nla.nested(2, [nla.nulString(1, 'x')])]), [16, 0, 1, 0x80, 12, 0, 2, 0x80, 6, 0, 1, 0, 0x78, 0, 0, 0], {
          decode: 'nlattr',
          what: 'a nest inside a nest',
        });
      },
    },
    {
      name: 'random attribute trees encode like the library (seeded)',
      points: 2,
      timeoutMs: PROPERTY,
      rule: 'the same attributes give the same bytes as the course library (an independent implementation)',
      hint: 'The failing case shows both byte strings; decode them by hand from the first difference.',
      run: () => {
        const rng = new Prng(0xa77);
        for (let i = 0; i < 300; i++) {
          const tree = randomTree(rng, 0);
          expect.bytes(nlattr.concatBytes(tree.mine), tree.lib.bytes(), { decode: 'nlattr', what: `case ${i}: attribute stream` });
        }
      },
    },
    {
      name: 'parseAttributes: lengths, offsets, masked flags',
      points: 2,
      rule: 'type = nla_type & 0x3fff; the next attribute starts at NLA_ALIGN(nla_len); offsets count from baseOffset',
      hint: 'Advance by nlaAlign(nla_len), not nla_len. Keep rawType as read; mask for type. The last attribute may lack its padding.',
      run: () => {
        const bytes = b(
          ...[7, 0, 1, 0, 0x68, 0x69, 0, 0], // NUL string "hi" at 20
          ...[16, 0, 3, 0x80, 5, 0, 1, 0, 1, 0, 0, 0, 4, 0, 2, 0], // nest at 28: u8 at 32, flag at 40
          ...[6, 0, 2, 0x40, 0x12, 0x34], // be16 with NET_BYTEORDER at 44, padding omitted
        );
        const attrs = nlattr.parseAttributes(bytes, 20);
        expect.deepEqual(
          attrs.map(studentView),
          [
            { type: 1, rawType: 1, length: 7, offset: 20, value: [0x68, 0x69, 0] },
            { type: 3, rawType: 0x8003, length: 16, offset: 28, value: [5, 0, 1, 0, 1, 0, 0, 0, 4, 0, 2, 0] },
            { type: 2, rawType: 0x4002, length: 6, offset: 44, value: [0x12, 0x34] },
          ],
          { what: 'parsed attributes' },
        );
        expect.equal(attrs[1]?.hasNestedFlag, true, { what: 'hasNestedFlag of the nest' });
        expect.deepEqual(attrs[1]?.nested().map(studentView), [
          { type: 1, rawType: 1, length: 5, offset: 32, value: [1] },
          { type: 2, rawType: 2, length: 4, offset: 40, value: [] },
        ], { what: 'nested() of the attribute at 28', rule: 'nested offsets continue the parent\'s numbering: parent offset + 4' });
        expect.deepEqual(nlattr.parseAttributes(new Uint8Array(0)), [], { what: 'an empty stream' });
      },
    },
    {
      name: 'typed accessors read the right sizes and refuse wrong ones',
      points: 2,
      rule: 'an accessor checks the value length before reading; NLA_NUL_STRING needs its NUL',
      hint: 'integer(size) throws NlattrError("value-length") unless value.length === size; nulString without a 0 byte throws "string-unterminated".',
      run: async () => {
        const lib = new AttributeBuilder()
          .u8(1, 200).u16(2, 65000).u32(3, 4000000000).u64(4, 2n ** 64n - 1n)
          .s8(5, -100).s16(6, -30000).s32(7, -2000000000).s64(8, -(2n ** 63n))
          .be16(9, 0xabcd).be32(10, 0xc0a80001).flag(11).string(12, 'plain').nulString(13, 'terminated').binary(14, b(1, 2, 3))
          .nested(15, (n) => n.u32(1, 5).nulString(2, 'in'))
          .bytes();
        const byType = new Map(nlattr.parseAttributes(lib).map((a) => [a.type, a]));
        const at = (type: number): nlattr.Attribute => {
          const a = byType.get(type);
          if (!a) return expect.fail(`parseAttributes lost attribute type ${type}`);
          return a;
        };
        expect.deepEqual(
          [at(1).u8(), at(2).u16(), at(3).u32(), at(4).u64(), at(5).s8(), at(6).s16(), at(7).s32(), at(8).s64(), at(9).be16(), at(10).be32(), at(11).flag(), at(12).string(), at(13).nulString(), Array.from(at(14).binary())],
          [200, 65000, 4000000000, 2n ** 64n - 1n, -100, -30000, -2000000000, -(2n ** 63n), 0xabcd, 0xc0a80001, true, 'plain', 'terminated', [1, 2, 3]],
          { what: 'u8, u16, u32, u64, s8, s16, s32, s64, be16, be32, flag, string, nulString, binary' },
        );
        const inner = at(15).nested();
        expect.deepEqual([inner[0]?.u32(), inner[1]?.nulString(), inner[0]?.offset], [5, 'in', at(15).offset + 4], { what: 'nested() values and first offset' });
        expect.equal(at(13).string(), 'terminated', { what: 'string() of a NUL-terminated value (stops at the NUL)' });
        const wrong: Array<[string, () => unknown, string]> = [
          ['u32() of a u16', () => at(2).u32(), 'value-length'],
          ['u8() of a u16', () => at(2).u8(), 'value-length'],
          ['u64() of a u32', () => at(3).u64(), 'value-length'],
          ['flag() of a u8', () => at(1).flag(), 'value-length'],
          ['nulString() of a value without NUL', () => at(12).nulString(), 'string-unterminated'],
        ];
        for (const [what, fn, rule] of wrong) {
          const error = await expect.throws(fn, isNlattrError, `${what} must throw NlattrError`);
          expect.equal(error.rule, rule, { what: `${what}: rule` });
        }
      },
    },
    {
      name: 'malformed attribute streams: only NlattrError, same verdict as the library (seeded)',
      points: 3,
      timeoutMs: PROPERTY,
      rule: 'nla_len < 4, nla_len past the end and trailing bytes too short for a header are rejected at the attribute\'s offset',
      hint: 'Before reading a header make sure 4 bytes are left; before taking the value make sure nla_len <= bytes left.',
      run: () => {
        const rng = new Prng(0xf00d);
        for (let i = 0; i < 600; i++) {
          let bytes: Uint8Array;
          if (rng.chance(0.3)) {
            bytes = rng.bytes(rng.int(0, 48));
            for (let j = 0; j + 1 < bytes.length; j += 4 * rng.int(1, 3)) bytes[j + 1] = 0; // keep some lengths plausible
          } else {
            bytes = nlattr.concatBytes(randomTree(rng, 1).mine).slice();
            const damage = rng.int(0, 3);
            if (damage === 1 && bytes.length) bytes = bytes.subarray(0, rng.int(0, bytes.length - 1)).slice();
            if (damage === 2 && bytes.length >= 2) bytes[rng.pick([0, Math.max(0, bytes.length - 8)]) & ~3] = rng.int(0, 12);
            if (damage === 3) bytes = Uint8Array.from([...bytes, ...rng.bytes(rng.int(1, 3))]);
          }
          const base = rng.pick([0, 4, 20]);
          const label = `case ${i}`;
          const mine = runParser(bytes, base, label);
          const lib = libVerdict(bytes, base);
          expect.deepEqual(mine, lib, { what: `${label}: parseAttributes(${hex(bytes)}, ${base}) vs the library` });
        }
      },
    },
    {
      name: 'parseAttributes on a view never reads its neighbours',
      points: 1,
      timeoutMs: PROPERTY,
      rule: 'a Uint8Array view is its own bytes only: DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)',
      hint: 'new DataView(bytes.buffer) starts at the beginning of the whole ArrayBuffer, not of your view.',
      run: () => {
        const rng = new Prng(0x7e57);
        for (let i = 0; i < 200; i++) {
          const inner = nlattr.concatBytes(randomTree(rng, 1).mine);
          const cut = rng.chance(0.5) ? inner.subarray(0, rng.int(0, inner.length)).slice() : inner;
          const before = rng.int(1, 9);
          const big = new Uint8Array(before + cut.length + 64).fill(0x30);
          big.set(cut, before);
          const view = big.subarray(before, before + cut.length);
          expect.deepEqual(runParser(view, 0, `case ${i} (view)`), runParser(cut.slice(), 0, `case ${i} (copy)`), { what: `case ${i}: parse of a view vs of a copy` });
        }
      },
    },

    /* ---------------------- Part C: the nl_tlv client ---------------------- */
    {
      name: 'encodeEmployee builds the ADD attributes',
      points: 2,
      rule: 'NAME (NUL string), WEBSITES (nested WEBSITE NUL strings), EMP_ID (u64), TAGS (nested LEVEL u8, REMOTE flag, TEAM NUL string) when a tag is set',
      hint: 'Follow the order in the TODO; skip TAGS when no tag is set and REMOTE when it is false.',
      run: () => {
        const cases: employees.Employee[] = [
          ABHISHEK,
          SHIVANI,
          { name: 'Lin', websites: ['a.example', 'b.example', 'c.example'], empId: 2n ** 64n - 1n, tags: { remote: false } },
          { name: 'Ng', websites: ['n.example'], empId: 0n, tags: { level: 1 } },
          { name: 'Oda', websites: ['o.example'], empId: 5n, tags: { team: 'kernel', remote: true } },
        ];
        for (const e of cases) expect.bytes(employees.encodeEmployee(e), refEncode(e), { decode: 'nlattr', what: `encodeEmployee(${e.name})` });
      },
    },
    {
      name: 'decodeEmployee reads replies in any order, skipping PAD and unknown types',
      points: 2,
      rule: 'a receiver never assumes attribute order and skips attribute types it does not know',
      hint: 'Look attributes up by type (firstOf), not by position; ignore types you do not handle.',
      run: () => {
        const bytes = new AttributeBuilder()
          .flag(NL_TLV_A_PAD)
          .u64(NL_TLV_A_EMP_ID, 777n)
          .binary(42, b(9, 9, 9))
          .nested(NL_TLV_A_TAGS, (n) => n.nulString(NL_TLV_TAG_A_TEAM, 'infra').binary(30, b(1)).u8(NL_TLV_TAG_A_LEVEL, 4))
          .nested(NL_TLV_A_WEBSITES, (n) => n.nulString(NL_TLV_WEBSITE_A_WEBSITE, 'first.example').nulString(NL_TLV_WEBSITE_A_WEBSITE, 'second.example'))
          .nulString(NL_TLV_A_NAME, 'Grace')
          .bytes();
        const got = employees.decodeEmployee(nlattr.parseAttributes(bytes, employees.ATTRS_OFFSET));
        expect.deepEqual(norm(got), { name: 'Grace', websites: ['first.example', 'second.example'], empId: 777n, tags: { level: 4, team: 'infra' } }, { what: 'decoded record' });
        const plain = employees.decodeEmployee(nlattr.parseAttributes(refEncode(SHIVANI), employees.ATTRS_OFFSET));
        expect.equal(plain.tags, undefined, { what: 'tags of a record without TAGS' });
      },
    },
    {
      name: 'attributePath names every attribute of a request',
      points: 2,
      rule: 'NLMSGERR_ATTR_OFFS is the offset of the bad attribute from the start of the request\'s nlmsghdr (attributes start at 20)',
      hint: 'Parse your request with baseOffset 20 and compare each attribute\'s offset; descend into WEBSITES and TAGS when the offset lies inside them.',
      run: () => {
        const bytes = new AttributeBuilder()
          .nulString(NL_TLV_A_NAME, 'Ada')
          .nested(NL_TLV_A_WEBSITES, (n) => n.nulString(NL_TLV_WEBSITE_A_WEBSITE, 'a.ex').nulString(NL_TLV_WEBSITE_A_WEBSITE, 'bb.ex').nulString(NL_TLV_WEBSITE_A_WEBSITE, 'ccc.ex'))
          .u64(NL_TLV_A_EMP_ID, 1n)
          .nested(NL_TLV_A_TAGS, (n) => n.u8(NL_TLV_TAG_A_LEVEL, 3).flag(NL_TLV_TAG_A_REMOTE).nulString(NL_TLV_TAG_A_TEAM, 't'))
          .u32(9, 0)
          .bytes();
        const expected = new Map<number, string>();
        const top = libParse(bytes, { baseOffset: employees.ATTRS_OFFSET });
        const names: Record<number, string> = { 1: 'NAME', 2: 'WEBSITES', 3: 'EMP_ID', 4: 'TAGS', 9: 'unknown(9)' };
        for (const a of top) {
          expected.set(a.offset, names[a.type]!);
          if (a.type === NL_TLV_A_WEBSITES) a.attributes().forEach((w, i) => expected.set(w.offset, `WEBSITES > WEBSITE[${i}]`));
          if (a.type === NL_TLV_A_TAGS) a.attributes().forEach((t) => expected.set(t.offset, `TAGS > ${({ 1: 'LEVEL', 2: 'REMOTE', 3: 'TEAM' } as Record<number, string>)[t.type]}`));
        }
        for (const [offset, path] of expected) expect.equal(employees.attributePath(bytes, offset), path, { what: `attributePath(request, ${offset})` });
        for (const offset of [0, 16, 21, 22, 26, employees.ATTRS_OFFSET + bytes.length, 100000]) {
          expect.equal(employees.attributePath(bytes, offset), undefined, { what: `attributePath(request, ${offset}) (no attribute header there)` });
        }
        expect.equal(employees.attributePath(b(3, 0, 1), 20), undefined, { what: 'attributePath of malformed bytes' });
      },
    },
    {
      name: 'ADD: the kernel stores what the client sent',
      points: 3,
      timeoutMs: KERNEL,
      rule: 'ADD carries NAME, WEBSITES{WEBSITE...}, EMP_ID and optional TAGS; the kernel ACKs and stores the record',
      hint: 'If the kernel refuses, the EmployeeError message is its extended ACK: it names the attribute it did not like.',
      run: (t) =>
        withCleanTable(async () => {
          const before = readProcState(t);
          await withStudentClient(async (client) => {
            await client.add(ABHISHEK);
            await client.add(SHIVANI);
          });
          expectProc(t, [ABHISHEK, SHIVANI], 'after two ADDs');
          const after = readProcState(t);
          expect.equal((after.adds ?? 0) - (before.adds ?? 0), 2, { what: 'adds counted in /proc/nl_tlv/state' });
        }),
    },
    {
      name: 'GET returns the kernel\'s copy',
      points: 2,
      timeoutMs: KERNEL,
      rule: 'GET with EMP_ID replies with one message carrying the record\'s attributes, same seq as the request',
      hint: 'Send only EMP_ID (a u64); parse the reply\'s attributes after the 4-byte genl header with baseOffset 20 and decodeEmployee them.',
      run: (t) =>
        withCleanTable(async (ref) => {
          const stored: RefEmployee[] = [
            { name: 'Katherine Johnson', websites: ['nasa.example', 'orbit.example'], empId: 1961n, tags: { level: 9, team: 'trajectories' } },
            { name: 'Linus', websites: ['kernel.example'], empId: 2n ** 63n + 5n },
          ];
          for (const e of stored) await ref.add(e);
          await withStudentClient(async (client) => {
            for (const e of stored) expect.deepEqual(norm(await client.get(e.empId)), norm(e), { what: `get(${e.empId})` });
          });
          expectProc(t, stored, 'after GETs (nothing changed)');
        }),
    },
    {
      name: 'dump lists every record, across datagrams',
      points: 3,
      timeoutMs: 60000,
      rule: 'a dump (NLM_F_DUMP) returns one NLM_F_MULTI message per record over several datagrams, ended by NLMSG_DONE',
      hint: 'list() sends GET with { dump: true } and decodes every reply; the library collects the datagrams for you.',
      run: (t) =>
        withCleanTable(async (ref) => {
          const many: RefEmployee[] = Array.from({ length: 400 }, (_, i) => ({
            name: `Employee ${String(i).padStart(4, '0')}`,
            websites: Array.from({ length: 1 + (i % 3) }, (_, j) => `site${j}.e${i}.example`),
            empId: 100000n + BigInt(i * 7),
            ...(i % 4 === 0 ? { tags: { level: 1 + (i % 9), remote: i % 8 === 0 } } : {}),
          }));
          await ref.addMany(many);
          const proc = readProcRecords(t);
          expect.equal(proc.length, many.length, { what: 'records in /proc after the reference client added them' });
          const dumpsBefore = readProcState(t).dumps ?? 0;
          const listed = await withStudentClient((client) => client.list());
          expect.equal(listed.length, proc.length, { what: 'records returned by list()' });
          expect.deepEqual(listed.map(norm), proc.map(norm), { what: 'list() vs /proc/nl_tlv/records (same order)' });
          expect.equal((readProcState(t).dumps ?? 0) - dumpsBefore, 1, { what: 'dumps counted by the kernel for one list()' });
        }),
    },
    {
      name: 'DEL removes; missing and duplicate ids are ENOENT and EEXIST',
      points: 2,
      timeoutMs: KERNEL,
      rule: 'DEL of a missing id is -ENOENT, ADD of an existing id -EEXIST, both with an extended ACK pointing at EMP_ID',
      hint: 'remove() sends DEL with EMP_ID only; errors arrive as EmployeeError with code, kernelMessage and attribute.',
      run: (t) =>
        withCleanTable(async () => {
          await withStudentClient(async (client) => {
            await client.add(ABHISHEK);
            await client.add(SHIVANI);
            await client.remove(ABHISHEK.empId);
            expectProc(t, [SHIVANI], 'after DEL');
            const missing = await expect.throws(() => client.remove(ABHISHEK.empId), isEmployeeError, 'a second DEL of the same id must fail with EmployeeError');
            expect.equal(missing.code, 'ENOENT', { what: 'errno of DEL of a missing id' });
            expect.equal(missing.attribute, 'EMP_ID', { what: 'attribute named by the extended ACK' });
            const dup = await expect.throws(() => client.add(SHIVANI), isEmployeeError, 'ADD of an existing id must fail with EmployeeError');
            expect.equal(dup.code, 'EEXIST', { what: 'errno of a duplicate ADD' });
            expect.equal(dup.attribute, 'EMP_ID', { what: 'attribute named by the extended ACK' });
            if (!dup.kernelMessage) expect.fail('the EmployeeError carries no kernel message (extended ACK text)');
          });
          expectProc(t, [SHIVANI], 'after the refused requests');
        }),
    },
    {
      name: 'bad requests: the extended ACK names the wrong attribute',
      points: 3,
      timeoutMs: KERNEL,
      rule: 'the kernel rejects a request with an errno, a message and the offset of the offending attribute; the client maps it back to its own request',
      hint: 'The kernel\'s offset counts from the nlmsghdr; attributePath must find the attribute at exactly that offset, inside nests too.',
      run: (t) =>
        withCleanTable(async (ref) => {
          await withStudentClient(async (client) => {
            for (const bad of badRequests()) {
              const truth = await ref.addRaw(bad.bytes);
              if (!truth) return expect.fail(`nl_tlv accepted a request where ${bad.what}: the module is wrong, not your code`);
              expect.equal(truth.extAckOffset, bad.offset, { what: `kernel's offset when ${bad.what} (reference client)` });
              const error = await expect.throws(() => client.request(NL_TLV_CMD_ADD, bad.bytes), isEmployeeError, `a request where ${bad.what} must fail with EmployeeError`);
              expect.equal(error.code, bad.errno, { what: `errno when ${bad.what}` });
              expect.equal(error.offset, bad.offset, { what: `offset when ${bad.what}` });
              expect.equal(error.attribute, bad.path, { what: `attribute named when ${bad.what}` });
            }
          });
          expectProc(t, [], 'after the refused requests');
        }),
    },
  ],
});
