/**
 * The netlink inspector's model and HTML, without the DOM: used at build time (the
 * static decode every lesson page ships, readable without JS) and in the browser
 * (re-decode as the reader edits). Nothing here may throw on bad input: every
 * problem becomes a message in the widget.
 */

import type { DecodeKind, DecodeOptions } from '#netlink/decode.ts';

export type { DecodeKind, DecodeOptions };

/** Kinds the widget offers under "Decode as" (tools/netlink/decode.ts DecodeKind). */
export const DECODE_KINDS = ['nlmsg', 'genl', 'nlattr', 'tlv', 'hex'] as const satisfies readonly DecodeKind[];

export function isDecodeKind(kind: string): kind is DecodeKind {
  return (DECODE_KINDS as readonly string[]).includes(kind);
}

/** A decoder with decodeDatagram's signature; the model only relies on the field shape. */
export type DecodeFn = (bytes: Uint8Array, options: DecodeOptions) => unknown;

/** One node as tools/netlink/decode.ts returns it (read defensively: never trusted to be well-formed). */
interface RawField {
  name?: unknown;
  offset: number;
  length: number;
  value?: unknown;
  children?: unknown;
  /** true: this node is alignment padding; a number: that many padding bytes follow the field. */
  padding?: unknown;
  error?: unknown;
  note?: unknown;
}

export interface Field {
  id: number;
  depth: number;
  name: string;
  offset: number;
  length: number;
  value: string;
  error: string | undefined;
  note: string | undefined;
  /** Padding bytes right after the field. */
  padAfter: number;
  /** The field itself is padding. */
  isPadding: boolean;
  parent: number | undefined;
  children: number[];
}

export interface Decoded {
  bytes: Uint8Array;
  fields: Field[];
  roots: number[];
  /** Problems with the input as a whole (hex syntax, decoder failures). */
  problems: string[];
}

const MAX_BYTES = 65536;

/** Hex text to bytes. Accepts spaces, newlines, `0x`/`\x` prefixes and `:`/`,`/`-` separators. */
export function parseHex(text: string): { bytes: Uint8Array; problem: string | undefined } {
  const cleaned = text
    .replace(/#[^\n]*/g, '')
    .replace(/0x|\\x/gi, '')
    .replace(/[\s:,.\-|]/g, '');
  if (!cleaned) return { bytes: new Uint8Array(), problem: 'Paste the bytes of a netlink message as hex, e.g. 14000000 1000 0500 …' };
  const bad = /[^0-9a-f]/i.exec(cleaned);
  if (bad) {
    return { bytes: new Uint8Array(), problem: `“${bad[0]}” is not a hex digit; use 0-9 and a-f (spaces and line breaks are fine).` };
  }
  if (cleaned.length % 2) {
    return {
      bytes: new Uint8Array(),
      problem: `${cleaned.length} hex digits is an odd number: every byte is two digits, so one is missing or one too many.`,
    };
  }
  if (cleaned.length / 2 > MAX_BYTES) {
    return { bytes: new Uint8Array(), problem: `${cleaned.length / 2} bytes is more than the inspector shows (${MAX_BYTES}); paste one datagram.` };
  }
  const bytes = new Uint8Array(cleaned.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(cleaned.slice(i * 2, i * 2 + 2), 16);
  return { bytes, problem: undefined };
}

function formatValue(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'number') return Number.isInteger(value) && Math.abs(value) > 9 ? `${value} (0x${value.toString(16)})` : String(value);
  if (typeof value === 'bigint') return value > 9n ? `${value} (0x${value.toString(16)})` : String(value);
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (value instanceof Uint8Array) return Array.from(value, (b) => b.toString(16).padStart(2, '0')).join(' ');
  try {
    return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) ?? String(value);
  } catch {
    return String(value);
  }
}

function isFieldLike(node: unknown): node is RawField {
  if (!node || typeof node !== 'object') return false;
  const n = node as Record<string, unknown>;
  return typeof n.offset === 'number' && typeof n.length === 'number';
}

/** Flattens the decoder's tree into fields with ids; bad nodes become problems, not exceptions. */
export function flatten(tree: unknown, bytes: Uint8Array): Decoded {
  const fields: Field[] = [];
  const roots: number[] = [];
  const problems: string[] = [];
  const visit = (node: unknown, depth: number, parent: number | undefined): void => {
    if (depth > 64) {
      problems.push('nesting deeper than 64 levels; the rest is not shown');
      return;
    }
    if (!isFieldLike(node)) {
      problems.push('the decoder returned a node without offset/length; it is skipped');
      return;
    }
    const pad = node.padding;
    const id = fields.length;
    const field: Field = {
      id,
      depth,
      name: typeof node.name === 'string' && node.name ? node.name : '(unnamed)',
      offset: Math.max(0, Math.floor(node.offset)),
      length: Math.max(0, Math.floor(node.length)),
      value: formatValue(node.value),
      error: typeof node.error === 'string' && node.error ? node.error : undefined,
      note: typeof node.note === 'string' && node.note ? node.note : undefined,
      padAfter: typeof pad === 'number' && pad > 0 ? Math.floor(pad) : 0,
      isPadding: pad === true,
      parent,
      children: [],
    };
    fields.push(field);
    if (parent === undefined) roots.push(id);
    else fields[parent]!.children.push(id);
    if (Array.isArray(node.children)) for (const child of node.children) visit(child, depth + 1, id);
  };
  // decodeDatagram returns { fields: [...] }; a bare array or one node is accepted too.
  const fieldsOf = tree && typeof tree === 'object' && !Array.isArray(tree) ? (tree as { fields?: unknown }).fields : undefined;
  const top: unknown[] = Array.isArray(tree) ? tree : Array.isArray(fieldsOf) ? fieldsOf : tree === undefined ? [] : [tree];
  for (const node of top) visit(node, 0, undefined);
  for (const f of fields) {
    if (f.offset + f.length + f.padAfter > bytes.length && !f.error) {
      f.error = `claims bytes ${f.offset}..${f.offset + f.length + f.padAfter - 1}, but the input has only ${bytes.length}`;
    }
  }
  return { bytes, fields, roots, problems };
}

/** Parses hex and decodes it; never throws. */
export function inspect(hex: string, decode: DecodeFn | undefined, options: DecodeOptions): Decoded {
  const { bytes, problem } = parseHex(hex);
  if (problem) return { bytes, fields: [], roots: [], problems: [problem] };
  if (!decode) {
    return { bytes, fields: [], roots: [], problems: ['The decoder (tools/netlink/decode.ts) is not available in this build; only the raw bytes are shown.'] };
  }
  let tree: unknown;
  try {
    tree = decode(bytes, options);
  } catch (err) {
    return { bytes, fields: [], roots: [], problems: [`The decoder stopped: ${err instanceof Error ? err.message : String(err)}`] };
  }
  return flatten(tree, bytes);
}

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** For each byte: the deepest field covering it, and whether it is padding. */
export function byteOwners(d: Decoded): Array<{ field: number | undefined; padding: boolean }> {
  const owners = Array.from(d.bytes, () => ({ field: undefined as number | undefined, padding: false }));
  // Fields come parents-first, so later (deeper) fields overwrite their parents.
  for (const f of d.fields) {
    const end = Math.min(d.bytes.length, f.offset + f.length);
    for (let i = f.offset; i < end; i++) owners[i] = { field: f.id, padding: f.isPadding };
    const padEnd = Math.min(d.bytes.length, end + f.padAfter);
    for (let i = end; i < padEnd; i++) owners[i] = { field: f.id, padding: true };
  }
  return owners;
}

function hex2(n: number): string {
  return n.toString(16).padStart(2, '0');
}

function renderField(d: Decoded, id: number): string {
  const f = d.fields[id]!;
  const range = f.length ? `${f.offset}–${f.offset + f.length - 1}` : `${f.offset}`;
  const pad = f.padAfter ? ` <span class="nlw-i-pad-note">+${f.padAfter} pad</span>` : '';
  const value = f.value ? ` <span class="nlw-i-val">${escapeHtml(f.value)}</span>` : '';
  const err = f.error ? `<span class="nlw-i-err">⚠ ${escapeHtml(f.error)}</span>` : '';
  const note = f.note ? `<span class="nlw-i-note">${escapeHtml(f.note)}</span>` : '';
  const button =
    `<button type="button" class="nlw-i-field${f.error ? ' has-err' : ''}" data-f="${id}" data-start="${f.offset}" ` +
    `data-end="${f.offset + f.length + f.padAfter}" data-len="${f.length}" aria-pressed="false">` +
    `<span class="nlw-i-name">${escapeHtml(f.name)}</span>${value}` +
    ` <span class="nlw-i-range">[${range}]</span>${pad}</button>${err}${note}`;
  const kids = f.children.length ? `<ul>${f.children.map((c) => renderField(d, c)).join('')}</ul>` : '';
  return `<li>${button}${kids}</li>`;
}

/** Field tree, hex rows and problems as one HTML fragment (all text escaped). */
export function renderDecoded(d: Decoded): string {
  const problems = d.problems.length
    ? `<div class="nlw-i-problems" role="status"><ul>${d.problems.map((p) => `<li>${escapeHtml(p)}</li>`).join('')}</ul></div>`
    : '';
  const errors = d.fields.filter((f) => f.error).length;
  const summary =
    d.bytes.length || d.fields.length
      ? `<p class="nlw-i-summary">${d.bytes.length} bytes, ${d.fields.length} fields${errors ? `, <strong>${errors} malformed</strong>` : ''}.</p>`
      : '';
  const tree = d.roots.length
    ? `<div class="nlw-i-tree"><h4 class="nlw-i-h">Fields</h4><ul>${d.roots.map((r) => renderField(d, r)).join('')}</ul></div>`
    : '';
  let hex = '';
  if (d.bytes.length) {
    const owners = byteOwners(d);
    // Alternate bands per field so neighbouring fields stay distinguishable.
    const band = new Map<number, number>();
    let last: number | undefined;
    let flip = 0;
    owners.forEach((o) => {
      if (o.field !== undefined && o.field !== last && !band.has(o.field)) band.set(o.field, flip++ % 2);
      last = o.field;
    });
    const rows: string[] = [];
    for (let row = 0; row < d.bytes.length; row += 4) {
      const cells: string[] = [];
      let ascii = '';
      for (let i = row; i < row + 4; i++) {
        if (i >= d.bytes.length) {
          cells.push('<span class="nlw-i-b nlw-i-none" aria-hidden="true">  </span>');
          continue;
        }
        const b = d.bytes[i]!;
        const o = owners[i]!;
        const cls = ['nlw-i-b'];
        if (o.field === undefined) cls.push('nlw-i-unk');
        else cls.push(`nlw-i-band${band.get(o.field) ?? 0}`);
        if (o.padding) cls.push('nlw-i-padb');
        const prev = owners[i - 1];
        const next = owners[i + 1];
        if (!prev || prev.field !== o.field || prev.padding !== o.padding) cls.push('nlw-i-first');
        if (!next || next.field !== o.field || next.padding !== o.padding) cls.push('nlw-i-last');
        const title = o.field === undefined ? 'not covered by any field' : `${d.fields[o.field]!.name}${o.padding ? ' (padding)' : ''}`;
        cells.push(
          `<span class="${cls.join(' ')}" data-i="${i}"${o.field === undefined ? '' : ` data-f="${o.field}"`} title="${escapeHtml(`byte ${i}: ${title}`)}">${hex2(b)}</span>`,
        );
        ascii += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '·';
      }
      rows.push(
        `<div class="nlw-i-row"><span class="nlw-i-off">${row.toString(16).padStart(4, '0')}</span>${cells.join('')}<span class="nlw-i-asc">${escapeHtml(ascii)}</span></div>`,
      );
    }
    hex = `<div class="nlw-i-hex"><h4 class="nlw-i-h">Bytes <span class="nlw-i-legend"><span class="nlw-i-b nlw-i-padb">00</span> padding <span class="nlw-i-b nlw-i-unk">00</span> not decoded</span></h4><div class="nlw-i-rows">${rows.join('')}</div></div>`;
  }
  return `${problems}${summary}<div class="nlw-i-panes">${tree}${hex}</div>`;
}

/** The selected bytes read as the common integer types (value panel). */
export function interpretBytes(bytes: Uint8Array): string {
  if (!bytes.length) return '';
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const parts = [`${bytes.length} byte${bytes.length === 1 ? '' : 's'}: ${Array.from(bytes.subarray(0, 16), hex2).join(' ')}${bytes.length > 16 ? ' …' : ''}`];
  if (bytes.length === 1) parts.push(`u8 ${dv.getUint8(0)}`, `s8 ${dv.getInt8(0)}`);
  if (bytes.length === 2) parts.push(`u16 le ${dv.getUint16(0, true)}`, `be ${dv.getUint16(0, false)}`);
  if (bytes.length === 4) parts.push(`u32 le ${dv.getUint32(0, true)}`, `be ${dv.getUint32(0, false)}`, `s32 le ${dv.getInt32(0, true)}`);
  if (bytes.length === 8) parts.push(`u64 le ${dv.getBigUint64(0, true)}`);
  const printable = Array.from(bytes).every((b) => b === 0 || (b >= 0x20 && b < 0x7f));
  if (printable && bytes.some((b) => b !== 0)) parts.push(`text “${String.fromCharCode(...Array.from(bytes).filter((b) => b !== 0))}”`);
  return parts.join(' · ');
}
