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

export interface WorkbookRemarkOptions {
  /** Repo root: include paths are relative to it. */
  root: string;
}

const COMPONENTS = {
  replay: { local: 'WorkbookReplay', path: fileURLToPath(new URL('../components/Replay.astro', import.meta.url)) },
  inspector: { local: 'WorkbookInspector', path: fileURLToPath(new URL('../components/Inspector.astro', import.meta.url)) },
} as const;

/** `include="a#b" title='x' wrap` -> attributes and what remains (flags, other props). */
export function parseMeta(meta: string | null | undefined): { attrs: Map<string, string>; rest: string } {
  const attrs = new Map<string, string>();
  const rest = (meta ?? '').replace(/(\w[\w-]*)=(?:"([^"]*)"|'([^']*)')/g, (_all, key: string, dq?: string, sq?: string) => {
    attrs.set(key, dq ?? sq ?? '');
    return '';
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
          element = jsx(COMPONENTS.inspector.local, {
            hex: node.value,
            kind: attrs.get('kind'),
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
