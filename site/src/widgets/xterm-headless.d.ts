// @xterm/headless 6.0.0 points its `module` field at a missing file; the site
// imports the real ESM build by path and borrows the package's types for it.
declare module '@xterm/headless/lib-headless/xterm-headless.mjs' {
  export { Terminal } from '@xterm/headless';
}
