// Two bundles: the extension host (Node, CommonJS, `vscode` provided by the host) and the
// review panel's page (browser). Type-checking is separate (`tsc --noEmit`), as esbuild strips types.

import { copyFileSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import * as esbuild from 'esbuild';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');
// The integration suite runs inside the extension host: CommonJS, `vscode` and `mocha` from the host side.
const withTests = process.argv.includes('--tests');

const common = {
  bundle: true,
  minify: production,
  sourcemap: production ? false : 'linked',
  logLevel: 'info',
  legalComments: 'none',
};

const contexts = await Promise.all([
  esbuild.context({
    ...common,
    entryPoints: ['src/extension.ts'],
    outfile: 'dist/extension.js',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode'],
  }),
  // The `agent-worktrees` command line (and MCP server): plain Node, no VS Code.
  esbuild.context({
    ...common,
    entryPoints: ['src/cli/main.ts'],
    outfile: 'dist/cli.js',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    banner: { js: '#!/usr/bin/env node' },
  }),
  // An ES module with code splitting: each highlight.js grammar is a chunk of its own, fetched
  // only when a file in that language is drawn (media/dist/chunks/).
  esbuild.context({
    ...common,
    entryPoints: { review: 'src/webview/app/main.ts', compare: 'src/webview/compare/main.ts' },
    outdir: 'media/dist',
    entryNames: '[name]',
    chunkNames: 'chunks/[name]-[hash]',
    splitting: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
  }),
  ...(withTests
    ? [
        esbuild.context({
          ...common,
          sourcemap: 'inline',
          entryPoints: readdirSync('test/integration')
            .filter((file) => file.endsWith('.ts'))
            .map((file) => `test/integration/${file}`),
          outdir: 'out/test/integration',
          platform: 'node',
          format: 'cjs',
          target: 'node20',
          external: ['vscode', 'mocha'],
        }),
      ]
    : []),
]);

// diff2html's stylesheet ships as a file: the panel's CSP allows no inline styles.
mkdirSync('media/dist', { recursive: true });
// Old chunks (their names carry a hash) must not pile up in the .vsix.
rmSync('media/dist/chunks', { recursive: true, force: true });
copyFileSync('node_modules/diff2html/bundles/css/diff2html.min.css', 'media/dist/diff2html.min.css');
// Codicons for the panel, as VS Code's own UI uses them (the CSS loads the font beside it).
copyFileSync('node_modules/@vscode/codicons/dist/codicon.css', 'media/dist/codicon.css');
copyFileSync('node_modules/@vscode/codicons/dist/codicon.ttf', 'media/dist/codicon.ttf');

if (watch) {
  await Promise.all(contexts.map((context) => context.watch()));
} else {
  await Promise.all(contexts.map((context) => context.rebuild()));
  await Promise.all(contexts.map((context) => context.dispose()));
}
