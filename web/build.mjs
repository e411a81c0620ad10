// npm run build: bundle src/ into dist/ (app.js, app.css, index.html), the
// files the Go package embeds. Options: --watch rebuilds on change.
import * as esbuild from 'esbuild';
import { copyFile, mkdir, readdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(fileURLToPath(import.meta.url));
const src = join(root, 'src');
const dist = join(root, 'dist');
const watch = process.argv.includes('--watch');

// Start clean, keeping the placeholder that lets the Go embed compile.
await mkdir(dist, { recursive: true });
for (const f of await readdir(dist)) {
  if (f !== '.keep') await rm(join(dist, f), { recursive: true, force: true });
}

const options = {
  entryPoints: [join(src, 'app.js')],
  bundle: true,
  format: 'esm',
  target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
  minify: !watch,
  sourcemap: watch ? 'inline' : false,
  legalComments: 'linked',
  outfile: join(dist, 'app.js'),
  logLevel: 'info',
  metafile: true,
};

async function copyStatic() {
  for (const f of ['index.html', 'app.css']) await copyFile(join(src, f), join(dist, f));
}

if (watch) {
  const ctx = await esbuild.context({
    ...options,
    plugins: [{ name: 'static', setup: (b) => b.onEnd(copyStatic) }],
  });
  await ctx.watch();
} else {
  const result = await esbuild.build(options);
  await copyStatic();
  const bytes = Object.values(result.metafile.outputs).reduce((n, o) => n + o.bytes, 0);
  console.log(`dist/: app.js, app.css, index.html (${Math.round(bytes / 1024)} KiB of script)`);
}
