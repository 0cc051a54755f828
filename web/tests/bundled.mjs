// What the unit tests share: TypeScript modules of the page, bundled in memory by esbuild (with the browser
// tests' `__TEST__` set) and imported, with no browser.

import { build } from 'esbuild';

const here = new URL('..', import.meta.url).pathname;

/// The exports of the TypeScript modules `paths` (relative to web/), in order, from one bundle: modules asked
/// for together share one copy of what they import (one language core, one store).
export async function load(paths) {
  const entry = paths.map((p, i) => `export * as m${i} from './${p}';`).join('\n');
  const out = await build({
    stdin: { contents: entry, resolveDir: here, loader: 'ts' },
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    mainFields: ['module', 'main'],
    write: false,
    define: { __TEST__: 'true' },
    logLevel: 'error',
  });
  const mod = await import(`data:text/javascript;base64,${Buffer.from(out.outputFiles[0].text).toString('base64')}`);
  return paths.map((_, i) => mod[`m${i}`]);
}
