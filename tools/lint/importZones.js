/**
 * The architecture's import zones as one ESLint rule (docs/architecture.md, "Checks"):
 * - core/ imports nothing outside core/ and no package (tests: vitest and tools/ data generators);
 * - preload/ imports only electron and core/api/;
 * - renderer/ never imports main/, preload/, Node built-ins or electron;
 * - a feature (renderer/src/features/<a>/) reaches another feature only through its index.ts;
 * - test helpers (any `testing/` folder) serve tests, tools/ and e2e/ only, never product code;
 * - only e2e/ imports e2e/ (what the bench shares with it lives in tools/testing/).
 * Paths are resolved from the importing file, so `../../x` is judged by where it lands.
 * Type-only imports count: `import type`, `typeof import('…')` and `import x = require('…')`.
 */
import { builtinModules } from 'node:module';
import { dirname, relative, resolve, sep } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..', '..');
const BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
const posix = (p) => p.split(sep).join('/');

function isBuiltin(spec) {
  return spec.startsWith('node:') || BUILTINS.has(spec.split('/')[0]);
}

/** What is wrong with importing `spec` from `file` (both relative to the root), or null. */
export function zoneViolation(file, spec) {
  const isRelative = spec.startsWith('.');
  const target = isRelative ? posix(relative(ROOT, resolve(ROOT, dirname(file), spec))) : null;
  const isTest = /\.test\.tsx?$/.test(file);

  if (target !== null) {
    if (target.startsWith('e2e/') && !file.startsWith('e2e/')) return `only e2e/ imports e2e/ (this imports ${target}); helpers shared with e2e live in tools/testing/`;
    const devCode = isTest || /(^|\/)testing\//.test(file) || file.startsWith('tools/') || file.startsWith('e2e/');
    if (/(^|\/)testing\//.test(target) && !devCode) return `test helpers are for tests, tools/ and e2e/, not product code (this imports ${target})`;
  }

  if (file.startsWith('core/')) {
    if (target !== null) {
      if (target.startsWith('core/')) return null;
      if (isTest && target.startsWith('tools/')) return null;
      return `core/ imports nothing outside core/ (this imports ${target})`;
    }
    if (isTest && spec === 'vitest') return null;
    return `core/ is pure: no packages or Node built-ins (this imports "${spec}")`;
  }
  if (file.startsWith('preload/')) {
    if (target !== null) return target.startsWith('core/api/') ? null : `preload/ imports only electron and core/api/ (this imports ${target})`;
    return spec === 'electron' ? null : `preload/ imports only electron and core/api/ (this imports "${spec}")`;
  }
  if (file.startsWith('renderer/src/')) {
    if (target !== null) {
      if (target.startsWith('main/') || target.startsWith('preload/')) return `the renderer never imports ${target.split('/')[0]}/ (this imports ${target}); go through the API`;
      const from = /^renderer\/src\/features\/([^/]+)\//.exec(file);
      const to = /^renderer\/src\/features\/([^/]+)(?:\/(.*))?$/.exec(target);
      if (from && to && to[1] !== from[1] && to[2] !== undefined && !/^index(\.tsx?)?$/.test(to[2])) {
        return `features reach each other only through their index.ts: import "features/${to[1]}" instead of ${target}`;
      }
      return null;
    }
    if (spec === 'electron' || isBuiltin(spec)) return `the renderer runs in a browser: no Node built-ins or electron (this imports "${spec}")`;
    return null;
  }
  return null;
}

const rule = {
  meta: { type: 'problem', docs: { description: 'the import zones of docs/architecture.md' }, schema: [] },
  create(context) {
    const file = posix(relative(ROOT, context.filename));
    const check = (node) => {
      if (!node.source || typeof node.source.value !== 'string') return;
      const problem = zoneViolation(file, node.source.value);
      if (problem) context.report({ node: node.source, message: problem });
    };
    return {
      ImportDeclaration: check,
      ExportNamedDeclaration: check,
      ExportAllDeclaration: check,
      ImportExpression: (node) => node.source?.type === 'Literal' && check({ source: node.source }),
      // `typeof import('…')` and `import x = require('…')`: type-level and CommonJS-style imports.
      TSImportType: (node) => node.source?.type === 'Literal' && check({ source: node.source }),
      TSExternalModuleReference: (node) => node.expression?.type === 'Literal' && check({ source: node.expression }),
      CallExpression: (node) => node.callee.type === 'Identifier' && node.callee.name === 'require' && node.arguments[0]?.type === 'Literal' && check({ source: node.arguments[0] }),
    };
  },
};

export default { rules: { 'import-zones': rule } };
