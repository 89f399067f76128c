/**
 * Follow-up registration: align a follow-up CT (moving) to the patient's baseline (fixed) with
 * elastix (Klein et al., IEEE TMI 29(1):196–205, 2010) compiled to WebAssembly
 * (@itk-wasm/elastix 1.0.1), in Node, off the main thread.
 *
 * ## What it does
 *  1. Prepare (in the worker): both Int16 HU volumes are resampled trilinearly to an isotropic
 *     grid (default 3 mm; `spacingMm`), keeping origin and direction, then clamped to a soft-tissue
 *     window (default [−200, 300] HU; `huWindow`). Why clamp: Mattes mutual information bins the
 *     intensity range (32 bins). Over CT's full −1024…3000 HU a bin is ≈ 125 HU wide and liver,
 *     spleen, muscle, lesions and vessels fall into one or two bins: only air/body and bone edges
 *     would drive the metric. Over [−200, 300] a bin is ≈ 16 HU, so fat, fluid, lesions, liver
 *     and enhancing vessels are resolved; air still differs from fat and bone saturates bright.
 *     At 3 mm a 512×512×200 exam becomes ≈ 127×127×133 voxels: the optimiser's cost is set by
 *     its random samples, not the grid, so finer grids buy little accuracy for their pyramid cost.
 *  2. Register in stages, each a separate elastix run with the previous result as its initial
 *     transform (so each stage reports progress and a duration): `rigid` (EulerTransform, 3
 *     resolutions), then `affine` (AffineTransform, 2 resolutions) unless `transform: 'rigid'`,
 *     then optionally `bspline` (`transform: 'bspline'`, 30 mm final control-point grid; the
 *     optional bending-energy penalty, `bsplineBendingWeight`, costs ≈ 5× that stage's time).
 *     Maps start from `defaultParameterMapNode` (Mattes MI, adaptive stochastic gradient descent,
 *     random coordinate sampling) and are tuned for speed: 2048 samples, 250/200/200 iterations
 *     per resolution, a fixed RandomSeed so the same input gives the same matrix.
 *     `parameterOverrides` changes any key per stage.
 *  3. Convert: elastix's transform maps FIXED physical points to MOVING physical points, both in
 *     LPS mm (ITK's physical space), so `matrix4x4` maps baseline LPS → follow-up LPS (the
 *     direction a lesion centre in the baseline is looked up in the follow-up); `inverse` maps
 *     back. For `bspline` the matrix is the affine part under the deformation; the full
 *     deformable transform is in `parameterMaps` (apply it with transformix).
 *  4. Score: normalised cross-correlation (NCC) of the prepared images over the fixed grid,
 *     before (identity or the initial matrix) and after. The wasm build logs nothing, so elastix's
 *     own final metric value is not available; NCC of the windowed images is ours, and also checks
 *     the matrix conversion (a wrong matrix cannot raise it).
 *
 * ## Using it
 *  - `registerInWorker(input, { onProgress, signal })` runs in a worker_threads worker
 *    (registration.worker.ts; under tsx it is loaded through ../workers/tsBootstrap.mjs, in the
 *    Electron build as `registration.worker.js` next to the main bundle). Aborting `signal`
 *    terminates the worker: elastix runs synchronously inside WebAssembly and cannot be asked
 *    to stop, so terminating is the cancel. The promise rejects with RegistrationCancelledError.
 *  - The input volumes are copied to the worker (structured clone) unless `transfer: true`,
 *    which moves their buffers (the caller's arrays become unusable) — or pass arrays over a
 *    SharedArrayBuffer, which are shared without a copy.
 *  - `registerVolumes(input, onProgress)` is the same pipeline in the calling thread (the worker
 *    calls it; tests and the benchmark may too). It blocks that thread for the whole run.
 *  - `fixedMask` (Uint8 on the fixed grid, e.g. the liver): @itk-wasm/elastix 1.0.1's pipeline
 *    takes no mask image (no -fMask), so the fixed image is CROPPED to the mask's bounding box
 *    plus `maskMarginMm` (default 20 mm): elastix samples its metric only inside the fixed image,
 *    so this restricts the metric to a box around the organ, not to the organ's exact shape.
 *
 * ## Pitfalls found on the way
 *  - itk-wasm's `Image.direction` is ROW-major (element [r·3 + c] is D[r][c]); our
 *    VolumeGeometry.direction is column-major (its first three values are the i axis). Passing
 *    ours unchanged would transpose any oblique or permuted direction; the phantom's identity
 *    direction would not show it. elastix's own "Direction" parameter is column-major again.
 *  - Each elastixNode call instantiates the 16 MB wasm module anew (≈ 0.3 s): fine per stage,
 *    wasteful per resolution.
 *  - Initial positions are the exams' own LPS coordinates (identity start). Two exams of one
 *    patient share no frame of reference; checked here up to the phantom's 15 mm / 5°. If the
 *    table positions differ by several centimetres, pass `initialization: 'centre-of-gravity'`
 *    or an `initialMatrix` (e.g. from landmarks).
 *  - Debian's elastix 5.0.1 (the benchmark's native reference) has no FinalLinearInterpolator;
 *    FinalBSplineInterpolator of order 1 is the same thing and exists in both builds.
 *  - The package README shows `elastixNode(parameterObject, transform, options)`; 1.0.1's typings
 *    (and code) are `elastixNode(parameterObject, { fixed, moving, initialTransformParameterObject })`,
 *    all in memory (--memory-io), no files. It returns the parameter maps of the initial
 *    transform too, so a chained call's result is the whole chain.
 *
 * ## Measured (2-core VM shared with other work; phantom with known motion 14.85 mm / 4.97°)
 *  - 128²×80 (3 mm slices): error at 7 lesion centres median 0.10 mm, max 0.14 mm; ≈ 7 s.
 *  - 512²×200: median 0.15 mm, max 0.23 mm; 6–8 s end to end in the worker (rigid ≈ 3 s, affine
 *    ≈ 2 s); the native elastix CLI on the same images and maps: the same matrix, 1.2–1.8× faster.
 *    `npm run bench` with BENCH_ONLY=registration.
 *  - In the Electron build the worker needs its own bundle entry (`registration.worker`) and
 *    `@itk-wasm/elastix` must stay external: it loads its .wasm.zst pipelines relative to its own
 *    files in node_modules.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Vec3, VolumeGeometry } from '../../../core/api/types';
import { indexToLps } from '../../../core/dicom/geometry';
import { decomposeRigid, identityMat4, invertMat4, type Mat4 } from '../../../core/registration/affine';
import { elastixChainToMat4, mat4ToElastixAffineMap, type ElastixParameterMap } from '../../../core/registration/elastixTransform';
import { normalisedCrossCorrelation } from '../../../core/registration/ncc';
import {
  checkRegistrationVolume,
  cropToMask,
  prepareRegistrationImage,
  RegistrationError,
  type PreparedImage,
  type RegistrationVolume,
} from '../../../core/registration/prepareImage';

// The registration's input and error types are core's; callers of this module keep importing them here.
export { RegistrationError, type PreparedImage, type RegistrationVolume } from '../../../core/registration/prepareImage';

export type ElastixStage = 'rigid' | 'affine' | 'bspline';
export type ElastixMethod = `elastix-${ElastixStage}`;

export interface ElastixRegistrationOptions {
  /** The last stage: 'rigid', 'affine' (rigid then affine, default) or 'bspline' (rigid, affine, B-spline). */
  transform?: ElastixStage;
  /** Isotropic grid of the registration, mm (default 3). Never finer than the series itself. */
  spacingMm?: number;
  /** HU clamp before registration (default [−200, 300]), see the file comment. */
  huWindow?: [number, number];
  /** 'mattes' (AdvancedMattesMutualInformation, default; robust to contrast-phase changes) or 'ncc' (AdvancedNormalizedCorrelation). */
  metric?: 'mattes' | 'ncc';
  /** Uint8 on the FIXED series grid, non-zero inside: restricts the metric to its bounding box. */
  fixedMask?: Uint8Array;
  /** Margin around the mask's bounding box, mm (default 20). */
  maskMarginMm?: number;
  /** Starting transform, fixed LPS → moving LPS (e.g. from landmarks or an earlier registration). */
  initialMatrix?: Mat4;
  /** 'none' (default): start at identity in LPS; 'centre-of-gravity': elastix aligns intensity centroids first. */
  initialization?: 'none' | 'centre-of-gravity';
  /** Iterations per resolution, per stage (defaults: rigid 250, affine 200, bspline 200). */
  iterations?: Partial<Record<ElastixStage, number>>;
  /** Random samples per iteration (default 2048). */
  spatialSamples?: number;
  /** Final B-spline control point spacing, mm (default 30: smooth, organ-scale deformation). */
  bsplineGridMm?: number;
  /** Weight of elastix's bending-energy penalty on the B-spline (default 0: none; the 30 mm grid regularises). */
  bsplineBendingWeight?: number;
  /** Any elastix parameter, per stage, applied last (values as elastix strings). */
  parameterOverrides?: Partial<Record<ElastixStage, ElastixParameterMap>>;
}

export interface ElastixRegistrationInput {
  /** The baseline. */
  fixed: RegistrationVolume;
  /** The follow-up. */
  moving: RegistrationVolume;
  options?: ElastixRegistrationOptions;
}

export type RegistrationPhase = 'prepare' | ElastixStage;

export interface RegistrationProgress {
  phase: RegistrationPhase;
  state: 'started' | 'finished';
  /** Phases done / to do, weighted by their usual cost: 0 … 1. */
  fraction: number;
  /** Since the run started, ms. */
  elapsedMs: number;
}

export interface ElastixRegistrationResult {
  method: ElastixMethod;
  /** Fixed (baseline) LPS mm → moving (follow-up) LPS mm, row-major 4×4. Affine part only for B-spline. */
  matrix4x4: Mat4;
  /** Moving LPS → fixed LPS. */
  inverse: Mat4;
  /** The matrix as a rotation about an axis plus a translation (and the stretches an affine adds). */
  rigid: { rotationDeg: number; translationMm: Vec3; scales: Vec3 };
  /** elastix's transform parameter maps, in order: map k has map k − 1 as its initial transform. */
  parameterMaps: ElastixParameterMap[];
  /** What was run: one parameter map per stage, and how the images were prepared. */
  parameters: {
    stages: { stage: ElastixStage; map: ElastixParameterMap }[];
    spacingMm: Vec3;
    huWindow: [number, number];
    maskBoundingBox: boolean;
    initialMatrix: Mat4 | null;
    engine: string;
  };
  /** Normalised cross-correlation of the prepared images, before (start transform) and after. */
  metric: { name: 'ncc'; before: number; after: number };
  durationsMs: Partial<Record<RegistrationPhase, number>> & { total: number };
  /** Grids the registration ran on (after downsampling; the fixed one cropped to a mask's box). */
  grids: { fixed: VolumeGeometry; moving: VolumeGeometry };
  /** Plausibility notes a reader should see (large rotation, scaling, worse NCC). Empty when none. */
  warnings: string[];
}

export class RegistrationCancelledError extends Error {
  constructor() {
    super('the registration was cancelled');
    this.name = 'RegistrationCancelledError';
  }
}

// ------------------------------------------------------------------ image preparation
// The pure parts (resample, clamp, crop, checks) are core/registration/prepareImage.ts.

type ElastixModule = typeof import('@itk-wasm/elastix');
type ElastixImage = NonNullable<NonNullable<Parameters<ElastixModule['elastixNode']>[1]>['fixed']>;
type JsonCompatible = Parameters<ElastixModule['elastixNode']>[0];

/** An itk-wasm Image over the same Float32 data (no copy). */
export function toItkImage(image: PreparedImage, name: string): ElastixImage {
  const d = image.geometry.direction;
  // Ours is column-major (d[c·3 + r] = D[r][c]); itk-wasm's is row-major.
  const direction = new Float64Array(9);
  for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) direction[r * 3 + c] = d[c * 3 + r];
  return {
    imageType: { dimension: 3, componentType: 'float32', pixelType: 'Scalar', components: 1 },
    name,
    origin: [...image.geometry.originMm],
    spacing: [...image.geometry.spacingMm],
    direction,
    size: [...image.geometry.dims],
    metadata: new Map(),
    data: image.data,
  };
}

const DEFAULT_ITERATIONS: Record<ElastixStage, number> = { rigid: 250, affine: 200, bspline: 200 };
const RESOLUTIONS: Record<ElastixStage, number> = { rigid: 3, affine: 2, bspline: 3 };
/** Rough share of the run time, for the progress fraction. */
const PHASE_WEIGHT: Record<RegistrationPhase, number> = { prepare: 0.1, rigid: 1, affine: 0.6, bspline: 3 };

export function stagesFor(transform: ElastixStage): ElastixStage[] {
  return transform === 'rigid' ? ['rigid'] : transform === 'affine' ? ['rigid', 'affine'] : ['rigid', 'affine', 'bspline'];
}

/**
 * Our changes to elastix's default map of a stage. Kept apart from defaultParameterMapNode so the
 * benchmark can write the very same maps for the elastix command line.
 */
export function stageOverrides(stage: ElastixStage, options: ElastixRegistrationOptions = {}): ElastixParameterMap {
  const iterations = options.iterations?.[stage] ?? DEFAULT_ITERATIONS[stage];
  const samples = options.spatialSamples ?? 2048;
  const metric = options.metric === 'ncc' ? 'AdvancedNormalizedCorrelation' : 'AdvancedMattesMutualInformation';
  const map: ElastixParameterMap = {
    NumberOfResolutions: [String(RESOLUTIONS[stage])],
    MaximumNumberOfIterations: [String(iterations)],
    NumberOfSpatialSamples: [String(samples)],
    NumberOfHistogramBins: ['32'],
    // The resampled moving image is not used: make it cheap.
    WriteResultImage: ['false'],
    // (FinalLinearInterpolator is not built into Debian's elastix 5.0.1; a first-order B-spline is linear.)
    ResampleInterpolator: ['FinalBSplineInterpolator'],
    FinalBSplineInterpolationOrder: ['1'],
    // Moving samples that fall outside the moving image are dropped, not counted as 0.
    DefaultPixelValue: [String(options.huWindow?.[0] ?? -200)],
    UseDirectionCosines: ['true'],
    ErodeMask: ['false'],
    // Same samples every run: reproducible results for the same input (elastix ≥ 4.8).
    RandomSeed: ['121212'],
  };
  map.Metric = [metric];
  map.Registration = ['MultiResolutionRegistration'];
  if (stage === 'bspline') {
    map.FinalGridSpacingInPhysicalUnits = [String(options.bsplineGridMm ?? 30)];
    const bending = options.bsplineBendingWeight ?? 0;
    if (bending > 0) {
      // Evaluated at every sample with second derivatives: ≈ 5× the B-spline stage's time.
      map.Metric = [metric, 'TransformBendingEnergyPenalty'];
      map.Registration = ['MultiMetricMultiResolutionRegistration'];
      map.Metric0Weight = ['1'];
      map.Metric1Weight = [String(bending)];
    }
  }
  if (stage === 'rigid') {
    const cog = options.initialization === 'centre-of-gravity' && !options.initialMatrix;
    map.AutomaticTransformInitialization = [cog ? 'true' : 'false'];
    if (cog) map.AutomaticTransformInitializationMethod = ['CenterOfGravity'];
  }
  return { ...map, ...(options.parameterOverrides?.[stage] ?? {}) };
}

/** The full parameter map of each stage: elastix's default for the transform, then ours. */
export async function elastixParameterMaps(options: ElastixRegistrationOptions = {}): Promise<{ stage: ElastixStage; map: ElastixParameterMap }[]> {
  const { defaultParameterMapNode } = await import('@itk-wasm/elastix');
  const out: { stage: ElastixStage; map: ElastixParameterMap }[] = [];
  for (const stage of stagesFor(options.transform ?? 'affine')) {
    const { parameterMap } = await defaultParameterMapNode(stage, {
      numberOfResolutions: RESOLUTIONS[stage],
      ...(stage === 'bspline' ? { finalGridSpacing: options.bsplineGridMm ?? 30 } : {}),
    });
    out.push({ stage, map: { ...(parameterMap as ElastixParameterMap), ...stageOverrides(stage, options) } });
  }
  return out;
}

// ------------------------------------------------------------------ the pipeline

function engineName(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.resolve('@itk-wasm/elastix')), 'utf8')) as { version?: string };
    return `@itk-wasm/elastix ${pkg.version ?? '?'}`;
  } catch {
    return '@itk-wasm/elastix';
  }
}

/**
 * The whole registration in the calling thread (the worker runs this). Synchronous WebAssembly
 * inside: it blocks this thread until done.
 */
export async function registerVolumes(
  input: ElastixRegistrationInput,
  onProgress: (p: RegistrationProgress) => void = () => undefined,
): Promise<ElastixRegistrationResult> {
  const t0 = performance.now();
  const options = input.options ?? {};
  checkRegistrationVolume(input.fixed, 'fixed (baseline)');
  checkRegistrationVolume(input.moving, 'moving (follow-up)');
  const spacingMm = options.spacingMm ?? 3;
  if (!(spacingMm > 0)) throw new RegistrationError(`the registration spacing must be positive, got ${spacingMm} mm`);
  const huWindow = options.huWindow ?? [-200, 300];
  if (!(huWindow[1] > huWindow[0])) throw new RegistrationError(`the HU window must be [low, high] with low < high, got [${huWindow.join(', ')}]`);
  const stages = stagesFor(options.transform ?? 'affine');
  const totalWeight = PHASE_WEIGHT.prepare + stages.reduce((a, s) => a + PHASE_WEIGHT[s], 0);
  let doneWeight = 0;
  const report = (phase: RegistrationPhase, state: 'started' | 'finished') => {
    if (state === 'finished') doneWeight += PHASE_WEIGHT[phase];
    onProgress({ phase, state, fraction: Math.min(1, doneWeight / totalWeight), elapsedMs: performance.now() - t0 });
  };
  const durationsMs: ElastixRegistrationResult['durationsMs'] = { total: 0 };

  report('prepare', 'started');
  let tStage = performance.now();
  let fixed = prepareRegistrationImage(input.fixed, spacingMm, huWindow);
  const moving = prepareRegistrationImage(input.moving, spacingMm, huWindow);
  if (options.fixedMask) {
    const [nx, ny, nz] = input.fixed.geometry.dims;
    if (options.fixedMask.length !== nx * ny * nz) throw new RegistrationError(`the fixed mask has ${options.fixedMask.length} voxels but the fixed series has ${nx * ny * nz}: the mask must be on the baseline's grid`);
    fixed = cropToMask(fixed, options.fixedMask, input.fixed.geometry, options.maskMarginMm ?? 20);
  }
  const maps = await elastixParameterMaps(options);
  const elastix = await import('@itk-wasm/elastix');
  durationsMs.prepare = performance.now() - tStage;
  report('prepare', 'finished');

  const fixedImage = toItkImage(fixed, 'fixed');
  const movingImage = toItkImage(moving, 'moving');
  const initial = options.initialMatrix ?? null;
  // The initial transform's centre does not change it; the fixed image's centre keeps numbers tame.
  const fixedCentre = indexToLps(fixed.geometry, fixed.geometry.dims.map((d) => (d - 1) / 2) as Vec3);
  let chain: ElastixParameterMap[] | null = initial ? [mat4ToElastixAffineMap(initial, fixedCentre)] : null;
  for (const { stage, map } of maps) {
    report(stage, 'started');
    tStage = performance.now();
    let result;
    try {
      result = await elastix.elastixNode([map] as unknown as JsonCompatible, {
        fixed: fixedImage,
        moving: movingImage,
        ...(chain ? { initialTransformParameterObject: chain as unknown as JsonCompatible } : {}),
      });
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      throw new RegistrationError(`elastix failed in the ${stage} stage: ${msg.trim().split('\n').slice(-3).join(' ')}`);
    }
    chain = result.transformParameterObject as unknown as ElastixParameterMap[];
    durationsMs[stage] = performance.now() - tStage;
    report(stage, 'finished');
  }
  const parameterMaps = chain ?? [];
  const lastLinear = parameterMaps.findIndex((m) => m.Transform?.[0] === 'BSplineTransform');
  const matrix4x4 = elastixChainToMat4(parameterMaps, lastLinear >= 0 ? { upTo: lastLinear } : {});
  const inverse = invertMat4(matrix4x4);
  const d = decomposeRigid(matrix4x4);
  const before = normalisedCrossCorrelation(fixed, moving, initial ?? identityMat4());
  const after = normalisedCrossCorrelation(fixed, moving, matrix4x4);
  const warnings: string[] = [];
  if (d.rotationDeg > 20) warnings.push(`the registration rotates the follow-up by ${d.rotationDeg.toFixed(1)}°, more than patients usually turn between exams: check it`);
  if (d.scales[0] > 1.15 || d.scales[2] < 0.87) warnings.push(`the registration stretches the follow-up by ${d.scales.map((s) => s.toFixed(2)).join(' / ')}: check it`);
  // A little slack: NCC of two noisy images moves in the third decimal between equally good fits.
  if (after < before - 0.01) warnings.push(`the images agree less after registration (NCC ${after.toFixed(3)}) than before (${before.toFixed(3)}): check it, or register from landmarks`);
  durationsMs.total = performance.now() - t0;
  return {
    method: `elastix-${stages[stages.length - 1]}`,
    matrix4x4,
    inverse,
    rigid: { rotationDeg: d.rotationDeg, translationMm: d.translationMm, scales: d.scales },
    parameterMaps,
    parameters: {
      stages: maps,
      spacingMm: fixed.geometry.spacingMm,
      huWindow,
      maskBoundingBox: !!options.fixedMask,
      initialMatrix: initial,
      engine: engineName(),
    },
    metric: { name: 'ncc', before, after },
    durationsMs,
    grids: { fixed: fixed.geometry, moving: moving.geometry },
    warnings,
  };
}

// ------------------------------------------------------------------ the worker

/** Messages from registration.worker.ts. */
export type WorkerMessage =
  | { type: 'progress'; progress: RegistrationProgress }
  | { type: 'result'; result: ElastixRegistrationResult }
  | { type: 'error'; message: string; name: string };

function workerFile(): { file: string; workerData?: { tsWorker: string } } {
  const js = fileURLToPath(new URL('./registration.worker.js', import.meta.url));
  if (existsSync(js)) return { file: js };
  const ts = new URL('./registration.worker.ts', import.meta.url).href;
  return { file: fileURLToPath(new URL('../workers/tsBootstrap.mjs', import.meta.url)), workerData: { tsWorker: ts } };
}

export interface RegisterInWorkerOptions {
  onProgress?: (p: RegistrationProgress) => void;
  /** Abort to cancel: the worker is terminated and the promise rejects with RegistrationCancelledError. */
  signal?: AbortSignal;
  /** Move the input buffers to the worker instead of copying them (the caller's arrays become unusable). */
  transfer?: boolean;
}

/** `registerVolumes` in a fresh worker thread; one worker per run, ended when it settles. */
export function registerInWorker(input: ElastixRegistrationInput, opts: RegisterInWorkerOptions = {}): Promise<ElastixRegistrationResult> {
  if (opts.signal?.aborted) return Promise.reject(new RegistrationCancelledError());
  return new Promise((resolve, reject) => {
    const { file, workerData } = workerFile();
    const worker = new Worker(file, { workerData });
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      opts.signal?.removeEventListener('abort', onAbort);
      fn();
      void worker.terminate();
    };
    const onAbort = () => finish(() => reject(new RegistrationCancelledError()));
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    worker.on('message', (m: WorkerMessage) => {
      if (m.type === 'progress') {
        if (!settled) opts.onProgress?.(m.progress);
      } else if (m.type === 'result') finish(() => resolve(m.result));
      else finish(() => reject(m.name === 'RegistrationError' ? new RegistrationError(m.message) : new Error(m.message)));
    });
    worker.on('error', (err: Error) => finish(() => reject(new RegistrationError(`the registration worker crashed: ${err.message}`))));
    worker.on('exit', (code) => finish(() => reject(new RegistrationError(`the registration worker stopped (exit code ${code}) before it finished`))));
    const transfer: ArrayBuffer[] = [];
    if (opts.transfer) {
      for (const a of [input.fixed.hu, input.moving.hu, input.options?.fixedMask]) {
        if (a && a.buffer instanceof ArrayBuffer && !transfer.includes(a.buffer)) transfer.push(a.buffer);
      }
    }
    worker.postMessage({ input }, transfer);
  });
}
