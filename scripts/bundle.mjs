/**
 * The shipped executable: dist/dayops.mjs, the compiled app (dist/src, from `tsc`) bundled into one file with its
 * pure-JS dependencies. Loading one file instead of a few hundred modules is most of what the app's first frame
 * costs beyond Ink's own start-up (see bench/dashboard.ts). better-sqlite3 (a native addon) stays a dependency.
 * Migrations and the demo's files are found next to package.json at run time (src/paths.ts).
 *
 * dist/pg-worker.mjs is the thread behind the PostgreSQL engine (src/db/pg/worker.ts), bundled the same way: a
 * worker thread loads its own file.
 */
import { build } from 'esbuild';

const common = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // pg loads its optional native binding only when asked to; dayops uses the pure-JS client.
  external: ['better-sqlite3', 'pg-native'],
  banner: {
    js: "import { createRequire as __dayopsRequire } from 'node:module'; const require = __dayopsRequire(import.meta.url);",
  },
  logLevel: 'warning',
};

await build({ ...common, entryPoints: ['dist/src/db/pg/worker.js'], outfile: 'dist/pg-worker.mjs' });

await build({
  entryPoints: ['dist/src/cli.js'],
  outfile: 'dist/dayops.mjs',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // synckit starts its worker with a preload file that lives beside its own module: it stays in node_modules.
  external: ['better-sqlite3', 'pg-native', 'synckit'],
  // CommonJS dependencies bundled into an ES module still call require() for Node's built-ins.
  banner: {
    js: "import { createRequire as __dayopsRequire } from 'node:module'; const require = __dayopsRequire(import.meta.url);",
  },
  plugins: [
    {
      // Ink loads React DevTools only in development (DEV=true), from an optional package dayops does not ship.
      name: 'no-react-devtools',
      setup(b) {
        b.onResolve({ filter: /^react-devtools-core$/ }, () => ({ path: 'react-devtools-core', namespace: 'absent' }));
        b.onLoad({ filter: /.*/, namespace: 'absent' }, () => ({
          contents: 'throw new Error("React DevTools is not part of dayops");',
          loader: 'js',
        }));
      },
    },
  ],
  logLevel: 'warning',
});
