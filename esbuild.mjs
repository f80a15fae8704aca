// Bundles the entry points into dist/:
//   dist/client.cjs  VS Code extension (CommonJS, as VS Code 1.100 loads it; `vscode` external)
//   dist/server.mjs  language server (forked by the client over IPC, or run with --stdio)
//   dist/worker.mjs  the server's job worker thread (model loading, prediction, training)
//   dist/cli.mjs     the `lagamc` command line (bin/lagamc.cjs loads it)
//   dist/gradientWorker.mjs  a training thread (engine/training/gradientThreads.ts starts it)
//   dist/generationWorker.mjs  a generation thread (engine/model/lagamc/generationThreads.ts starts it)
//   dist/useWorker.mjs  an encoding thread of USE lite (engine/encoders/use/threads.ts starts it)
//   dist/svmWorker.mjs  an SVM-fitting thread (engine/models/compact/svmThreads.ts starts it)
//   dist/encoderTuningWorker.mjs  a thread fine-tuning USE lite (engine/training/encoderTuning.ts starts it)
// Packages that carry WebAssembly, model weights or native code stay external and are loaded from
// node_modules at run time, so their data files resolve next to their code.
import * as esbuild from 'esbuild';
import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));

const external = [
  '@tensorflow/*',
  '@huggingface/*',
  '@energetic-ai/*',
  'onnxruntime-node',
  'onnxruntime-common',
];

// ESM bundles may contain CommonJS dependencies that call require(); give them one.
const esmBanner = {
  js: "import { createRequire as __lagamcCreateRequire } from 'node:module'; const require = __lagamcCreateRequire(import.meta.url);",
};

// Prefer ES module builds: jsonc-parser's UMD build hides its requires from the bundler.
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
  mainFields: ['module', 'main'],
  define: { __LAGAMC_VERSION__: JSON.stringify(pkg.version) },
};

await Promise.all([
  esbuild.build({ ...common, entryPoints: ['client/extension.ts'], outfile: 'dist/client.cjs', format: 'cjs', external: ['vscode'] }),
  esbuild.build({ ...common, entryPoints: ['server/main.ts'], outfile: 'dist/server.mjs', format: 'esm', external, banner: esmBanner }),
  esbuild.build({ ...common, entryPoints: ['server/jobs/worker.ts'], outfile: 'dist/worker.mjs', format: 'esm', external, banner: esmBanner }),
  esbuild.build({ ...common, entryPoints: ['engine/cli/main.ts'], outfile: 'dist/cli.mjs', format: 'esm', external, banner: esmBanner }),
  esbuild.build({ ...common, entryPoints: ['engine/training/gradientWorker.ts'], outfile: 'dist/gradientWorker.mjs', format: 'esm', external, banner: esmBanner }),
  esbuild.build({ ...common, entryPoints: ['engine/model/lagamc/generationWorker.ts'], outfile: 'dist/generationWorker.mjs', format: 'esm', external, banner: esmBanner }),
  esbuild.build({ ...common, entryPoints: ['engine/encoders/use/worker.ts'], outfile: 'dist/useWorker.mjs', format: 'esm', external, banner: esmBanner }),
  esbuild.build({ ...common, entryPoints: ['engine/models/compact/svmWorker.ts'], outfile: 'dist/svmWorker.mjs', format: 'esm', external, banner: esmBanner }),
  esbuild.build({ ...common, entryPoints: ['engine/training/encoderTuningWorker.ts'], outfile: 'dist/encoderTuningWorker.mjs', format: 'esm', external, banner: esmBanner }),
]);
