/**
 * Build-time side of replays: read an asciicast v2 recording (what
 * `npm run lab N -- --record FILE.cast` writes), play its output into a headless
 * xterm, and turn the final screen into HTML. The page then reads well without
 * JavaScript and search indexes nothing from it (the widget is pagefind-ignored).
 *
 * The HTML is produced from xterm's cell buffer rather than the serialize addon's
 * HTML, because that one hard-codes black on white with the xterm palette, whose
 * green and yellow fail WCAG contrast; here colours map to CSS classes the site
 * controls (see replay.css).
 */
/// <reference path="./xterm-headless.d.ts" />
import { Terminal } from '@xterm/headless/lib-headless/xterm-headless.mjs';
import type { IBufferCell } from '@xterm/headless';

export class CastError extends Error {
  override name = 'CastError';
}

export interface CastHeader {
  version: 2;
  width: number;
  height: number;
  title?: string;
}

export interface Cast {
  header: CastHeader;
  /** Output events only: [seconds, text]. */
  output: Array<[number, string]>;
  markers: Array<[number, string]>;
  duration: number;
}

export function parseCast(text: string, where = 'cast'): Cast {
  const lines = text.split('\n').filter((line) => line.trim());
  if (!lines.length) throw new CastError(`${where} is empty; expected an asciicast v2 header line`);
  let header: CastHeader;
  try {
    header = JSON.parse(lines[0]!) as CastHeader;
  } catch {
    throw new CastError(`${where}: the first line is not JSON; expected an asciicast v2 header such as {"version":2,"width":80,"height":24}`);
  }
  if (header.version !== 2 || !Number.isInteger(header.width) || !Number.isInteger(header.height)) {
    throw new CastError(`${where}: header must be asciicast v2 with integer width and height (got ${lines[0]})`);
  }
  const output: Array<[number, string]> = [];
  const markers: Array<[number, string]> = [];
  let duration = 0;
  lines.slice(1).forEach((line, i) => {
    let event: unknown;
    try {
      event = JSON.parse(line);
    } catch {
      throw new CastError(`${where}:${i + 2}: event is not JSON`);
    }
    if (!Array.isArray(event) || typeof event[0] !== 'number' || typeof event[1] !== 'string' || typeof event[2] !== 'string') {
      throw new CastError(`${where}:${i + 2}: event must be [seconds, "o"|"i"|"m"|"r", "data"]`);
    }
    const [time, code, data] = event as [number, string, string];
    duration = Math.max(duration, time);
    if (code === 'o') output.push([time, data]);
    else if (code === 'm') markers.push([time, data]);
  });
  return { header, output, markers, duration };
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

// xterm 256-colour palette entries 16..255 as RGB.
function palette256(n: number): [number, number, number] {
  if (n >= 232) {
    const v = 8 + (n - 232) * 10;
    return [v, v, v];
  }
  const i = n - 16;
  const steps = [0, 95, 135, 175, 215, 255];
  return [steps[Math.floor(i / 36) % 6]!, steps[Math.floor(i / 6) % 6]!, steps[i % 6]!];
}

function luminance([r, g, b]: [number, number, number]): number {
  const f = (c: number): number => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
}

/** Lightens a colour until it reads on the terminal's dark background (WCAG AA, 4.5:1). */
function readable(rgb: [number, number, number]): string {
  const bg = luminance([0x17, 0x1a, 0x21]);
  let c = rgb;
  for (let step = 0; step < 20 && (luminance(c) + 0.05) / (bg + 0.05) < 4.6; step++) {
    c = c.map((v) => Math.round(v + (255 - v) * 0.15)) as [number, number, number];
  }
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}

interface Style {
  classes: string[];
  style: string;
}

function styleOf(cell: IBufferCell): Style {
  const classes: string[] = [];
  let style = '';
  const inverse = cell.isInverse() !== 0;
  if (cell.isBold()) classes.push('b');
  if (cell.isItalic()) classes.push('i');
  if (cell.isUnderline()) classes.push('u');
  if (cell.isDim()) classes.push('d');
  if (inverse) classes.push('inv');
  if (cell.isFgPalette()) {
    const n = cell.getFgColor();
    if (n < 16) classes.push(`f${n}`);
    else style += `color:${readable(palette256(n))};`;
  } else if (cell.isFgRGB()) {
    const v = cell.getFgColor();
    style += `color:${readable([(v >> 16) & 255, (v >> 8) & 255, v & 255])};`;
  }
  // Backgrounds: only the 16 palette colours, as muted bands (see replay.css), so
  // text on them keeps its contrast; other backgrounds are dropped.
  if (cell.isBgPalette() && cell.getBgColor() < 16) classes.push(`g${cell.getBgColor()}`);
  return { classes, style };
}

/** Plays the cast's output into a headless terminal and returns the final screen as HTML lines. */
export async function castSnapshot(cast: Cast): Promise<{ html: string; text: string }> {
  const term = new Terminal({ cols: cast.header.width, rows: cast.header.height, scrollback: 5000, allowProposedApi: true });
  for (const [, data] of cast.output) await new Promise<void>((done) => term.write(data, done));
  const buffer = term.buffer.active;
  const cell = buffer.getNullCell();
  const htmlLines: string[] = [];
  const textLines: string[] = [];
  for (let y = 0; y < buffer.length; y++) {
    const line = buffer.getLine(y);
    if (!line) continue;
    let html = '';
    let run = '';
    let runKey = '';
    let runStyle: Style = { classes: [], style: '' };
    const flush = (): void => {
      if (!run) return;
      const attrs =
        (runStyle.classes.length ? ` class="${runStyle.classes.join(' ')}"` : '') + (runStyle.style ? ` style="${runStyle.style}"` : '');
      html += attrs ? `<span${attrs}>${escapeHtml(run)}</span>` : escapeHtml(run);
      run = '';
    };
    const text = line.translateToString(true);
    for (let x = 0; x < text.length; x++) {
      line.getCell(x, cell);
      if (cell.getWidth() === 0) continue;
      const style = styleOf(cell);
      const key = style.classes.join(' ') + '|' + style.style;
      if (key !== runKey) {
        flush();
        runKey = key;
        runStyle = style;
      }
      run += cell.getChars() || ' ';
    }
    flush();
    // A wrapped line continues the previous row: join so copy-paste stays whole.
    if (line.isWrapped && htmlLines.length) {
      htmlLines[htmlLines.length - 1] += html;
      textLines[textLines.length - 1] += text;
    } else {
      htmlLines.push(html);
      textLines.push(text);
    }
  }
  term.dispose();
  while (htmlLines.length && !textLines[textLines.length - 1]!.trim()) {
    htmlLines.pop();
    textLines.pop();
  }
  return { html: htmlLines.join('\n'), text: textLines.join('\n') };
}
