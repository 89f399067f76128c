/**
 * The lint zones really fail: ESLint's Node API on synthetic code placed in each zone.
 */
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: new URL('../..', import.meta.url).pathname });

async function problems(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result.messages.filter((m) => m.ruleId === 'longitude/import-zones').map((m) => m.message);
}

describe('import zones', () => {
  it('core/ imports nothing outside core/ and no package', async () => {
    expect(await problems('core/recist/x.ts', "import { openRegistry } from '../../main/services/registry/db';\nexport const a = openRegistry;")).toEqual([
      expect.stringMatching(/core\/ imports nothing outside core\/ \(this imports main\/services\/registry\/db\)/),
    ]);
    expect(await problems('core/recist/x.ts', "import { readFileSync } from 'node:fs';\nexport const a = readFileSync;")).toEqual([expect.stringMatching(/core\/ is pure/)]);
    expect(await problems('core/recist/x.ts', "import React from 'react';\nexport const a = React;")).toHaveLength(1);
    expect(await problems('core/recist/x.ts', "import { assessRecist } from './assess';\nimport { Vec3 } from '../api/types';\nexport const a = [assessRecist, {} as Vec3];")).toEqual([]);
    // Tests may use vitest and the phantom generator in tools/, not main/.
    expect(await problems('core/recist/x.test.ts', "import { it } from 'vitest';\nimport { generatePatient } from '../../tools/phantom';\nit('x', () => generatePatient);")).toEqual([]);
    expect(await problems('core/recist/x.test.ts', "import { it } from 'vitest';\nimport { createApp } from '../../main/services/app';\nit('x', () => createApp);")).toHaveLength(1);
    expect(await problems('core/recist/x.test.ts', "import { it } from 'vitest';\nimport { App } from '../../renderer/src/app/App';\nit('x', () => App);")).toHaveLength(1);
  });

  it.each(['electron', 'react', '@kitware/vtk.js/Rendering/Core/Actor', 'better-sqlite3', 'onnxruntime-node', 'dcmjs', 'fs', 'node:path', 'worker_threads'])('core/ refuses the package "%s"', async (spec) => {
    expect(await problems('core/dicom/x.ts', `import * as m from '${spec}';\nexport const a = m;`)).toHaveLength(1);
  });

  it('type-only, type-level and require-style imports count too', async () => {
    expect(await problems('core/recist/x.ts', "import type { App } from '../../main/services/app';\nexport type A = App;")).toHaveLength(1);
    expect(await problems('core/recist/x.ts', "export type A = typeof import('../../main/services/app');")).toHaveLength(1);
    expect(await problems('core/recist/x.ts', "import fs = require('node:fs');\nexport const a = fs;")).toHaveLength(1);
    expect(await problems('renderer/src/app/x.ts', "export const a = import('../../../main/services/app');")).toHaveLength(1);
  });

  it('test helpers stay out of product code; only e2e/ imports e2e/', async () => {
    expect(await problems('main/services/dicom/x.ts', "import { writePart10 } from '../../testing/dicomWriter';\nexport const a = writePart10;")).toEqual([expect.stringMatching(/test helpers are for tests/)]);
    expect(await problems('core/segmentation/x.ts', "import { sphereMask } from '../testing/shapes';\nexport const a = sphereMask;")).toHaveLength(1);
    expect(await problems('main/services/dicom/x.test.ts', "import { it } from 'vitest';\nimport { writePart10 } from '../../testing/dicomWriter';\nit('x', () => writePart10);")).toEqual([]);
    expect(await problems('main/testing/x.ts', "import { writePart10 } from './dicomWriter';\nexport const a = writePart10;")).toEqual([]);
    expect(await problems('tools/bench/x.ts', "import { WorkstationPage } from '../../e2e/support/workstationPage';\nexport const a = WorkstationPage;")).toEqual([expect.stringMatching(/only e2e\/ imports e2e\//)]);
    expect(await problems('tools/bench/x.ts', "import { startServeMode } from '../testing/serveMode';\nexport const a = startServeMode;")).toEqual([]);
    expect(await problems('e2e/x.e2e.ts', "import { WorkstationPage } from './support/workstationPage';\nimport { startServeMode } from '../tools/testing/serveMode';\nexport const a = [WorkstationPage, startServeMode];")).toEqual([]);
  });

  it('the renderer never imports main/, Node built-ins or electron', async () => {
    expect(await problems('renderer/src/features/lesions/X.tsx', "import { createApp } from '../../../../main/services/app';\nexport const a = createApp;")).toEqual([expect.stringMatching(/never imports main\//)]);
    expect(await problems('renderer/src/app/x.ts', "import { ipcRenderer } from 'electron';\nexport const a = ipcRenderer;")).toHaveLength(1);
    expect(await problems('renderer/src/app/x.ts', "import { join } from 'path';\nexport const a = join;")).toHaveLength(1);
    expect(await problems('renderer/src/app/x.ts', "import { readFile } from 'fs/promises';\nexport const a = readFile;")).toHaveLength(1);
    expect(await problems('renderer/src/app/x.ts', "import { bridge } from '../../../preload/index';\nexport const a = bridge;")).toHaveLength(1);
    expect(await problems('renderer/src/app/x.ts', "import { API_METHODS } from '../../../core/api/contract';\nexport const a = API_METHODS;")).toEqual([]);
  });

  it('features reach each other only through their index.ts', async () => {
    expect(await problems('renderer/src/features/ai/X.tsx', "import { sparseFromRle } from '../tools/maskSlice';\nexport const a = sparseFromRle;")).toEqual([
      expect.stringMatching(/only through their index\.ts: import "features\/tools"/),
    ]);
    expect(await problems('renderer/src/features/ai/X.tsx', "import { sparseFromRle } from '../tools';\nimport { b } from '../tools/index';\nimport { c } from './proposalMasks';\nexport const a = [sparseFromRle, b, c];")).toEqual([]);
  });

  it('preload/ imports only electron and core/api/', async () => {
    expect(await problems('preload/index.ts', "import { readFileSync } from 'node:fs';\nexport const a = readFileSync;")).toHaveLength(1);
    expect(await problems('preload/index.ts', "import { openRegistry } from '../main/services/registry/db';\nexport const a = openRegistry;")).toHaveLength(1);
    expect(await problems('preload/index.ts', "import { contextBridge } from 'electron';\nimport { IPC_CALL_CHANNEL } from '../core/api/wire';\nexport const a = [contextBridge, IPC_CALL_CHANNEL];")).toEqual([]);
  });
});
