/**
 * Local models: folders holding `model.onnx` and `model.json`, shipped in resources/models
 * and added by users to `<home>/models`. Every model is checked before it can run: the
 * manifest (core/models/manifest.ts), the SHA-256 of the weights against the manifest, and
 * the ONNX graph's inputs and outputs against what the manifest says (read in the
 * inference process, so a malformed file cannot crash the workstation). Nothing is ever
 * downloaded.
 */
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ModelInfo } from '../../../core/api/types';
import { checkOnnxIo, labelRole, validateManifest, type ModelManifest } from '../../../core/models/manifest';
import type { InferenceHost } from './inferenceHost';
import { ApiError } from '../../../core/api/errors';

export class ModelError extends ApiError {
  constructor(message: string) {
    super('invalid', message);
  }
}

/** The app's own models: resources/models of the checkout or of the packaged app. */
export function defaultAppModelsDir(): string {
  const candidates = [
    fileURLToPath(new URL('../../../resources/models', import.meta.url)), // source tree (serve, CLI, tests)
    fileURLToPath(new URL('../../resources/models', import.meta.url)), // out/main of the Electron build
    ...(typeof process.resourcesPath === 'string' ? [join(process.resourcesPath, 'models')] : []),
  ];
  return candidates.find((d) => existsSync(d)) ?? candidates[0];
}

export interface LoadedModel {
  info: ModelInfo;
  manifest: ModelManifest | null;
  modelPath: string;
}

function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

export class ModelStore {
  /** Checks of a folder, valid while model.onnx and model.json keep their size and time. */
  private readonly cache = new Map<string, { stamp: string; model: LoadedModel }>();

  constructor(
    private readonly appDir: string,
    readonly userDir: string,
    private readonly host: InferenceHost,
  ) {}

  private stamp(dir: string): string {
    return ['model.onnx', 'model.json']
      .map((f) => {
        try {
          const s = statSync(join(dir, f));
          return `${s.size}:${s.mtimeMs}`;
        } catch {
          return 'missing';
        }
      })
      .join('|');
  }

  /** Check one folder (cached); never throws, the problems are in `info.errors`. */
  async inspect(dir: string, source: ModelInfo['source']): Promise<LoadedModel> {
    const stamp = this.stamp(dir);
    const hit = this.cache.get(dir);
    if (hit && hit.stamp === stamp) return hit.model;
    const model = await this.check(dir, source);
    this.cache.set(dir, { stamp, model });
    return model;
  }

  private async check(dir: string, source: ModelInfo['source']): Promise<LoadedModel> {
    const folder = basename(dir);
    const modelPath = join(dir, 'model.onnx');
    const errors: string[] = [];
    const info: ModelInfo = {
      id: folder,
      version: '',
      source,
      folder: dir,
      task: 'segmentation',
      labels: [],
      sha256: '',
      sizeBytes: 0,
      card: null,
      spacingMm: null,
      patchSize: null,
      valid: false,
      errors,
    };
    let manifest: ModelManifest | null = null;
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    } catch (e) {
      errors.push(existsSync(join(dir, 'model.json')) ? `model.json is not valid JSON: ${(e as Error).message}` : 'model.json is missing');
    }
    if (json !== undefined) {
      const v = validateManifest(json);
      if (!v.ok) errors.push(...v.errors.map((e) => `model.json ${e}`));
      else {
        manifest = v.value;
        Object.assign(info, {
          id: manifest.id,
          version: manifest.version,
          task: manifest.task,
          labels: manifest.labels.map((l) => ({ value: l.value, name: l.name, role: labelRole(l), lesionType: l.lesionType ?? null })),
          card: manifest.card ?? null,
          spacingMm: manifest.input.spacingMm,
          patchSize: manifest.input.patchSize,
        });
      }
    }
    if (!existsSync(modelPath)) errors.push('model.onnx is missing');
    else {
      info.sizeBytes = statSync(modelPath).size;
      info.sha256 = sha256File(modelPath);
      if (manifest && manifest.sha256 !== info.sha256) {
        errors.push(`model.onnx has SHA-256 ${info.sha256}, but model.json says ${manifest.sha256}: the weights are not the ones the manifest describes`);
      }
      if (manifest && errors.length === 0) {
        try {
          errors.push(...checkOnnxIo(manifest, await this.host.inspect(modelPath)).map((e) => `model.onnx: ${e}`));
        } catch (e) {
          errors.push(`model.onnx cannot be loaded by onnxruntime: ${(e as Error).message}`);
        }
      }
    }
    info.valid = errors.length === 0;
    return { info, manifest: info.valid ? manifest : null, modelPath };
  }

  private folders(root: string): string[] {
    if (!existsSync(root)) return [];
    return readdirSync(root, { withFileTypes: true })
      .filter((d) => d.isDirectory() && !d.name.startsWith('.'))
      .map((d) => join(root, d.name))
      .sort();
  }

  /** Every model folder of both places, checked; the user's copy of an id+version wins. */
  async list(): Promise<LoadedModel[]> {
    const out: LoadedModel[] = [];
    for (const dir of this.folders(this.appDir)) out.push(await this.inspect(dir, 'app'));
    for (const dir of this.folders(this.userDir)) out.push(await this.inspect(dir, 'user'));
    return out;
  }

  /** A valid model by id (and version, else the highest version; user models before app ones). */
  async get(id: string, version?: string): Promise<LoadedModel & { manifest: ModelManifest }> {
    const all = (await this.list()).filter((m) => m.info.id === id && (!version || m.info.version === version));
    if (all.length === 0) throw new ModelError(`no model "${id}"${version ? ` version ${version}` : ''} in ${this.appDir} or ${this.userDir}`);
    const valid = all.filter((m) => m.info.valid);
    if (valid.length === 0) throw new ModelError(`model "${id}" cannot be used: ${all[0].info.errors.join('; ')}`);
    valid.sort((a, b) => b.info.version.localeCompare(a.info.version, undefined, { numeric: true }) || (a.info.source === 'user' ? -1 : 1));
    return valid[0] as LoadedModel & { manifest: ModelManifest };
  }

  /**
   * Add a model folder to the user models folder after checking it completely; a model
   * that fails any check is refused with every reason, and nothing is copied.
   */
  async add(folder: string): Promise<ModelInfo> {
    const src = resolve(folder);
    if (!existsSync(src) || !statSync(src).isDirectory()) throw new ModelError(`${src} is not a folder (a model is a folder with model.onnx and model.json)`);
    const checked = await this.check(src, 'user');
    if (!checked.info.valid) throw new ModelError(`${src} is not a usable model: ${checked.info.errors.join('; ')}`);
    const name = `${checked.info.id}@${checked.info.version}`.replace(/[^A-Za-z0-9._@-]/g, '_');
    mkdirSync(this.userDir, { recursive: true });
    const dest = join(this.userDir, name);
    const tmp = join(this.userDir, `.${name}.${process.pid}.tmp`);
    rmSync(tmp, { recursive: true, force: true });
    cpSync(src, tmp, { recursive: true, filter: (p) => !p.endsWith('.tmp') });
    // The copy must be the model that was checked.
    if (sha256File(join(tmp, 'model.onnx')) !== checked.info.sha256) {
      rmSync(tmp, { recursive: true, force: true });
      throw new ModelError(`${src}/model.onnx changed while it was being added`);
    }
    rmSync(dest, { recursive: true, force: true });
    renameSync(tmp, dest);
    return (await this.inspect(dest, 'user')).info;
  }
}
