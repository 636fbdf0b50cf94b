// @ts-check
// Expressive Code options live here (not in astro.config.mjs) so the <Code>
// component can load them too: plugin objects are not serializable.
import { defineEcConfig } from '@astrojs/starlight/expressive-code';
import { pluginLineNumbers } from '@expressive-code/plugin-line-numbers';

export default defineEcConfig({
  plugins: [pluginLineNumbers()],
  defaultProps: { showLineNumbers: false },
});
