// Entry of `npm run lab` and `npm test`. Plain JavaScript on purpose: it must run on a
// fresh clone before any npm package is installed. It installs the npm packages when
// they are missing (saying so), then hands over to the TypeScript entry through tsx.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 3)) {
  console.error(`Node ${process.versions.node} is too old: the course needs Node 20.3 or newer (node --version).`);
  process.exit(2);
}
if (!existsSync(`${root}node_modules/tsx/package.json`) || !existsSync(`${root}node_modules/esbuild/package.json`)) {
  console.log('• installing the npm packages the course needs (npm ci, first run only, about a minute)');
  let r = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
  // Some registries lack optional per-platform packages, which makes npm ci refuse the
  // lock file; npm install resolves the same pinned versions.
  if (r.status !== 0) r = spawnSync('npm', ['install', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error('npm ci failed (see above). Check your network access to the npm registry, then run the command again.');
    process.exit(2);
  }
}
const entry = process.argv[2];
process.argv.splice(2, 1);
const { register } = await import('tsx/esm/api');
register();
await import(pathToFileURL(`${root}${entry}`).href);
