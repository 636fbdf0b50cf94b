import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Code, Root } from 'mdast';
import remarkMdx from 'remark-mdx';
import remarkParse from 'remark-parse';
import { unified } from 'unified';
import { VFile } from 'vfile';
import { describe, expect, it } from 'vitest';
import { parseMeta, remarkWorkbook } from '../../site/src/plugins/remark-workbook.ts';

const repoRoot = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const lessonPath = resolve(repoRoot, 'test/site/fixtures/lessons/99-test.mdx');

async function transform(markdown: string, path = lessonPath): Promise<Root> {
  const processor = unified().use(remarkParse).use(remarkMdx).use(remarkWorkbook, { root: repoRoot });
  const file = new VFile({ path, value: markdown });
  return (await processor.run(processor.parse(file), file)) as Root;
}

describe('remarkWorkbook', () => {
  it('fills include fences and titles them with the path', async () => {
    const tree = await transform('```c include="test/site/fixtures/src/example.c#greet" wrap\n```\n');
    const code = tree.children[0] as Code;
    expect(code.value).toContain('pr_info("fixture: hello %s\\n", name);');
    expect(code.meta).toBe('title="test/site/fixtures/src/example.c" wrap');
  });

  it('keeps an author title and guesses the language when the fence has none', async () => {
    const tree = await transform('``` include="test/site/fixtures/src/example.ts#encode" title="encode"\n```\n');
    const code = tree.children[0] as Code;
    expect(code.lang).toBe('ts');
    expect(code.meta).toBe('title="encode"');
  });

  it('fails the build with lesson, line, file and region', async () => {
    await expect(transform('text\n\n```c include="test/site/fixtures/src/example.c#gone"\n```\n')).rejects.toThrow(
      /test\/site\/fixtures\/lessons\/99-test\.mdx:3: region "gone" is not marked in test\/site\/fixtures\/src\/example\.c/,
    );
    await expect(transform('```c include="kernel/none.c"\n```\n')).rejects.toThrow(/99-test\.mdx:1: .*kernel\/none\.c does not exist/);
    await expect(transform('```c include="test/site/fixtures/src/example.c"\nint x;\n```\n')).rejects.toThrow(/leave the fence empty/);
  });

  it('turns replay and inspector fences into components with their imports', async () => {
    const tree = await transform(
      '```replay src="casts/90-fixture.cast"\n```\n\n```netlink-inspector title="a &quot;b&quot;"\n14000000 1000 0500 07000000 92100000 41646100\n```\n',
    );
    const kinds = tree.children.map((n) => n.type);
    expect(kinds).toEqual(['mdxjsEsm', 'mdxjsEsm', 'mdxJsxFlowElement', 'mdxJsxFlowElement']);
    const inspector = tree.children[3] as unknown as { name: string; attributes: Array<{ name: string; value: string }> };
    expect(inspector.name).toBe('WorkbookInspector');
    expect(Object.fromEntries(inspector.attributes.map((a) => [a.name, a.value]))).toMatchObject({ title: 'a "b"', kind: 'nlmsg' });
  });

  it('rejects a missing cast, a bad inspector kind, bad options and bad hex', async () => {
    await expect(transform('```replay src="casts/none.cast"\n```\n')).rejects.toThrow(/casts\/none\.cast does not exist; record it with `npm run lab N -- --record/);
    await expect(transform('```replay\n```\n')).rejects.toThrow(/needs src=/);
    await expect(transform('```netlink-inspector kind="bogus"\n00\n```\n')).rejects.toThrow(/kind="bogus" is unknown; use one of nlmsg, genl/);
    await expect(transform('```netlink-inspector options=\'{nope\'\n00\n```\n')).rejects.toThrow(/not JSON/);
    await expect(transform('```netlink-inspector\n123\n```\n')).rejects.toThrow(/odd number/);
  });

  it('widgets need MDX', async () => {
    await expect(transform('```netlink-inspector\n00\n```\n', lessonPath.replace(/\.mdx$/, '.md'))).rejects.toThrow(/needs an \.mdx lesson/);
  });

  it('parseMeta splits attributes from flags', () => {
    const { attrs, rest } = parseMeta(`include="a.c#b" title='x y' wrap {1-3}`);
    expect([...attrs]).toEqual([
      ['include', 'a.c#b'],
      ['title', 'x y'],
    ]);
    expect(rest).toBe('wrap {1-3}');
  });
});

describe('parseMeta with entities Markdown already decoded', () => {
  it('keeps quotes inside a value', () => {
    const { attrs, rest } = parseMeta('title="HELLO_MSG_GREET for "Ada", seq 1" kind="nlmsg" wrap');
    expect(attrs.get('title')).toBe('HELLO_MSG_GREET for "Ada", seq 1');
    expect(attrs.get('kind')).toBe('nlmsg');
    expect(rest).toBe('wrap');
  });
  it('keeps JSON in single quotes', () => {
    expect(parseMeta(`options='{"messageTypes":{"16":"GREET"}}' title="t"`).attrs.get('options')).toBe('{"messageTypes":{"16":"GREET"}}');
  });
});
