#!/usr/bin/env node
// `lagamc` command: runs the bundled CLI (build it first with `npm run build`).
const path = require('node:path');
const { pathToFileURL } = require('node:url');
import(pathToFileURL(path.join(__dirname, '..', 'dist', 'cli.mjs')).href).catch((err) => {
  if (err && err.code === 'ERR_MODULE_NOT_FOUND') {
    console.error('lagamc: dist/cli.mjs is missing; run `npm run build` in ' + path.join(__dirname, '..'));
    process.exit(2);
  }
  throw err;
});
