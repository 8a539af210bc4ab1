// @ts-check
/**
 * Jest transform for TypeScript: esbuild, transpile only. Type-checking is `tsc --noEmit`, once per
 * run (npm test), so a transform only has to strip types; ts-jest compiled each file with the
 * TypeScript compiler (loaded again in every worker), which was most of a fresh clone's extra time.
 *
 * Same output as `tsc` for this project's settings (tsconfig `isolatedModules`: nothing needs type
 * information): CommonJS, ES2022, `esModuleInterop`-style default imports, decorators as
 * `experimentalDecorators`. No test uses `jest.mock` (which would need hoisting above the imports).
 */
const { createHash } = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const esbuild = require('esbuild');

const TSCONFIG = path.join(__dirname, '..', '..', 'tsconfig.json');
/** @type {{ compilerOptions: Record<string, unknown> }} */
const tsconfig = JSON.parse(fs.readFileSync(TSCONFIG, 'utf8'));
/** What esbuild reads from tsconfig (the rest is about type-checking). */
const compilerOptions = {
  target: tsconfig.compilerOptions.target,
  experimentalDecorators: tsconfig.compilerOptions.experimentalDecorators,
  useDefineForClassFields: tsconfig.compilerOptions.useDefineForClassFields,
  esModuleInterop: tsconfig.compilerOptions.esModuleInterop,
};

/** @type {import('esbuild').TransformOptions} */
const OPTIONS = {
  loader: 'ts',
  format: 'cjs',
  platform: 'node',
  target: `node${process.versions.node.split('.')[0]}`,
  sourcemap: 'external',
  sourcesContent: true,
  tsconfigRaw: { compilerOptions },
  // `await import(...)` becomes a require() as tsc's CommonJS output has it: Jest's module registry
  // (and its isolation between test files) only sees require(); a real import() needs --experimental-vm-modules.
  supported: { 'dynamic-import': false },
};

/** Changes to this file, esbuild's version or the options give new cache entries. */
const TRANSFORMER_KEY = createHash('sha256')
  .update(fs.readFileSync(__filename))
  .update(esbuild.version)
  .update(JSON.stringify(OPTIONS))
  .digest('hex');

module.exports = {
  /**
   * @param {string} sourceText
   * @param {string} sourcePath
   */
  process(sourceText, sourcePath) {
    const result = esbuild.transformSync(sourceText, { ...OPTIONS, sourcefile: sourcePath });
    return { code: result.code, map: result.map };
  },
  /**
   * @param {string} sourceText
   * @param {string} sourcePath
   * @param {{ configString: string }} options
   */
  getCacheKey(sourceText, sourcePath, options) {
    return createHash('sha256').update(TRANSFORMER_KEY).update('\0').update(sourcePath).update('\0').update(options.configString).update('\0').update(sourceText).digest('hex');
  },
};
