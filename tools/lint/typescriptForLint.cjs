/**
 * The project compiles with TypeScript 7 (the native compiler), which has no JavaScript
 * parser API. typescript-eslint parses with TypeScript's JS API, so it is given TypeScript
 * 5.9 (`typescript5`, an npm alias in devDependencies) — for the linter only: requests for
 * "typescript" from typescript-eslint's own packages are resolved to the alias.
 */
const Module = require('node:module');

const original = Module._resolveFilename;
Module._resolveFilename = function resolveTypescriptForLint(request, parent, ...rest) {
  if ((request === 'typescript' || request.startsWith('typescript/')) && parent?.filename && /[\\/]node_modules[\\/](@typescript-eslint|typescript-eslint|ts-api-utils)[\\/]/.test(parent.filename)) {
    return original.call(this, request.replace(/^typescript/, 'typescript5'), parent, ...rest);
  }
  return original.call(this, request, parent, ...rest);
};
