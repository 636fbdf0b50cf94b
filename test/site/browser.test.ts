/**
 * The built site in a real browser, as part of the project's vitest run (the same
 * checks as `npx tsx tools/check/site-tests.ts`, see e2e.ts). Needs Debian's
 * chromium package; without it this fails and says how to install it.
 */
import { existsSync } from 'node:fs';
import { expect, it } from 'vitest';
import { chromiumPath, runSiteTests } from './e2e.ts';

it('the course site builds and passes every browser check', async () => {
  expect(existsSync(chromiumPath), `Chromium not found at ${chromiumPath}: apt-get install -y chromium (or set CHROME_PATH)`).toBe(true);
  const lines: string[] = [];
  const results = await runSiteTests({ log: (line) => lines.push(line) });
  const failed = results.filter((r) => !r.ok).map((r) => `${r.name}\n${r.detail}`);
  expect(failed, lines.join('\n')).toEqual([]);
}, 900_000);
