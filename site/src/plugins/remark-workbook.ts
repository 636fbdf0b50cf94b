/**
 * The course's fences, handled at build time:
 *
 *   ```c include="kernel/01-hello/nl_hello.c#greet"   filled from the real source
 *   ```replay src="casts/01-hello-solution.cast"       terminal replay of a grader run
 *   ```netlink-inspector kind="hello" title="…"        message inspector, body = hex
 *
 * Anything missing (file, region, cast) fails the build with the lesson's name, so
 * a lesson can never show code that is not the code that is graded.
 */
import { existsSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Code, Root, RootContent } from 'mdast';
import type { MdxJsxAttribute, MdxJsxFlowElement } from 'mdast-util-mdx-jsx';
import type { MdxjsEsm } from 'mdast-util-mdxjs-esm';
import { visit } from 'unist-util-visit';
import type { VFile } from 'vfile';
import { IncludeError, resolveInclude } from './includes.ts';
import { DECODE_KINDS, isDecodeKind, parseHex } from '../widgets/inspector-model.ts';

export interface WorkbookRemarkOptions {
  /** Repo root: include paths are relative to it. */
  root: string;
}

const COMPONENTS = {
  replay: { local: 'WorkbookReplay', path: fileURLToPath(new URL('../components/Replay.astro', import.meta.url)) },
  inspector: { local: 'WorkbookInspector', path: fileURLToPath(new URL('../components/Inspector.astro', import.meta.url)) },
} as const;

const ENTITIES: Record<string, string> = { quot: '"', apos: "'", amp: '&', lt: '<', gt: '>' };

/** Lessons may write `title="a &quot;b&quot;"`; readers should see `a "b"`. */
function decodeEntities(text: string): string {
  return text.replace(/&(quot|apos|amp|lt|gt|#\d+|#x[\da-f]+);/gi, (all, name: string) => {
    if (name[0] !== '#') return ENTITIES[name.toLowerCase()] ?? all;
    const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
    return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : all;
  });
}

/**
 * `include="a#b" title='x' wrap` -> attributes and what remains (flags, other props).
 * Markdown has already decoded entities in the fence's info string, so a value may
 * contain its own quote character (`title="greet &quot;Ada&quot;"` arrives as
 * `title="greet "Ada""`): a value ends at the last matching quote before the next
 * `key=` or the end.
 */
export function parseMeta(meta: string | null | undefined): { attrs: Map<string, string>; rest: string } {
  const attrs = new Map<string, string>();
  const text = meta ?? '';
  const starts = [...text.matchAll(/(?:^|\s)([A-Za-z_][\w-]*)=(["'])/g)];
  let rest = starts.length ? text.slice(0, starts[0]!.index) : text;
  starts.forEach((m, i) => {
    const key = m[1]!;
    const quote = m[2]!;
    const open = m.index! + m[0].length;
    const segmentEnd = i + 1 < starts.length ? starts[i + 1]!.index! : text.length;
    const segment = text.slice(open, segmentEnd);
    const close = segment.lastIndexOf(quote);
    if (close < 0) {
      attrs.set(key, decodeEntities(segment.trim()));
      return;
    }
    attrs.set(key, decodeEntities(segment.slice(0, close)));
    rest += ' ' + segment.slice(close + 1);
  });
  return { attrs, rest: rest.replace(/\s+/g, ' ').trim() };
}

function lessonName(file: VFile, root: string): string {
  return file.path ? relative(root, file.path) : 'a lesson';
}

function fail(file: VFile, root: string, node: Code, message: string): never {
  const line = node.position?.start.line;
  throw new IncludeError(`${lessonName(file, root)}${line ? `:${line}` : ''}: ${message}`);
}

function jsx(name: string, props: Record<string, string | undefined>): MdxJsxFlowElement {
  const attributes: MdxJsxAttribute[] = [];
  for (const [key, value] of Object.entries(props)) {
    if (value !== undefined) attributes.push({ type: 'mdxJsxAttribute', name: key, value });
  }
  return { type: 'mdxJsxFlowElement', name, attributes, children: [] };
}

function importNode(local: string, path: string): MdxjsEsm {
  return {
    type: 'mdxjsEsm',
    value: `import ${local} from ${JSON.stringify(path)};`,
    data: {
      estree: {
        type: 'Program',
        sourceType: 'module',
        body: [
          {
            type: 'ImportDeclaration',
            specifiers: [{ type: 'ImportDefaultSpecifier', local: { type: 'Identifier', name: local } }],
            source: { type: 'Literal', value: path, raw: JSON.stringify(path) },
            attributes: [],
          },
        ],
      },
    },
  };
}

export function remarkWorkbook(options: WorkbookRemarkOptions) {
  const { root } = options;
  return (tree: Root, file: VFile): void => {
    const isMdx = /\.mdx$/.test(file.path ?? '');
    const used = new Set<keyof typeof COMPONENTS>();
    let inspectorCount = 0;
    visit(tree, 'code', (node: Code, index, parent) => {
      // ``` include="…" (no language): Markdown took the first word for the language.
      if (node.lang?.includes('=')) {
        node.meta = [node.lang, node.meta].filter(Boolean).join(' ');
        node.lang = null;
      }
      const { attrs, rest } = parseMeta(node.meta);
      if (node.lang === 'replay' || node.lang === 'netlink-inspector') {
        if (!parent || index === undefined) return;
        if (!isMdx) fail(file, root, node, `\`\`\`${node.lang} needs an .mdx lesson (it renders a component)`);
        let element: MdxJsxFlowElement;
        if (node.lang === 'replay') {
          const src = attrs.get('src');
          if (!src) fail(file, root, node, '```replay needs src="casts/NN-name.cast" (relative to the lesson file)');
          const castPath = resolve(dirname(file.path), src);
          if (!existsSync(castPath)) {
            fail(file, root, node, `replay src="${src}": ${relative(root, castPath)} does not exist; record it with \`npm run lab N -- --record ${relative(root, castPath)}\``);
          }
          element = jsx(COMPONENTS.replay.local, { castPath, src, title: attrs.get('title') });
          used.add('replay');
        } else {
          inspectorCount++;
          const kind = attrs.get('kind') ?? 'nlmsg';
          if (!isDecodeKind(kind)) fail(file, root, node, `netlink-inspector kind="${kind}" is unknown; use one of ${DECODE_KINDS.join(', ')}`);
          const options = attrs.get('options');
          if (options !== undefined) {
            let parsed: unknown;
            try {
              parsed = JSON.parse(options);
            } catch (err) {
              fail(file, root, node, `netlink-inspector options='…' is not JSON (${(err as Error).message}); write e.g. options='{"messageTypes":{"16":"HELLO_MSG_GREET"}}'`);
            }
            if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
              fail(file, root, node, 'netlink-inspector options must be a JSON object of decodeDatagram options (tools/netlink/decode.ts DecodeOptions)');
            }
          }
          const hexCheck = parseHex(node.value);
          if (hexCheck.problem) fail(file, root, node, `netlink-inspector body: ${hexCheck.problem}`);
          element = jsx(COMPONENTS.inspector.local, {
            hex: node.value,
            kind,
            options,
            title: attrs.get('title') ?? `Example ${inspectorCount}`,
            id: `nl-inspector-${inspectorCount}`,
          });
          used.add('inspector');
        }
        parent.children.splice(index, 1, element as RootContent);
        return index + 1;
      }
      const spec = attrs.get('include');
      if (spec === undefined) return;
      if (node.value.trim()) fail(file, root, node, `include="${spec}": leave the fence empty, the build fills it from the file`);
      let resolved;
      try {
        resolved = resolveInclude(spec, root);
      } catch (err) {
        fail(file, root, node, (err as Error).message);
      }
      node.value = resolved.code;
      node.lang = node.lang || resolved.lang;
      attrs.delete('include');
      if (!attrs.has('title')) attrs.set('title', resolved.file);
      const props = [...attrs].map(([k, v]) => `${k}=${JSON.stringify(v)}`);
      node.meta = [...props, rest].filter(Boolean).join(' ');
      node.data = { ...node.data, workbookInclude: { file: resolved.file, region: resolved.region, startLine: resolved.startLine } } as Code['data'];
      return undefined;
    });
    for (const key of used) tree.children.unshift(importNode(COMPONENTS[key].local, COMPONENTS[key].path) as RootContent);
  };
}
