/**
 * `npx tsx tools/check/site-tests.ts [--no-lighthouse]`: builds the course site and
 * checks it in Chromium (see test/site/e2e.ts). Needs Debian's `chromium` package
 * (or CHROME_PATH). Exit status 0 only when every check passed.
 */
import { existsSync } from 'node:fs';
import { chromiumPath, runSiteTests } from '../../test/site/e2e.ts';

if (!existsSync(chromiumPath)) {
  console.error(`site tests need Chromium at ${chromiumPath}: install it with \`apt-get install -y chromium\` or set CHROME_PATH.`);
  process.exit(2);
}
const started = Date.now();
const results = await runSiteTests({ lighthouse: !process.argv.includes('--no-lighthouse') });
const failed = results.filter((r) => !r.ok);
const seconds = ((Date.now() - started) / 1000).toFixed(1);
console.log(`\nsite tests: ${results.length - failed.length}/${results.length} passed in ${seconds} s`);
process.exit(failed.length ? 1 : 0);
