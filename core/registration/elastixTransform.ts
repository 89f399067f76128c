/**
 * elastix / ITK transform parameter maps → our 4×4 matrix, and the text format of elastix
 * parameter files (both directions), so that the in-memory results of @itk-wasm/elastix and the
 * TransformParameters.N.txt files of the elastix command line read the same way.
 *
 * Conventions (elastix manual 5, §2.6 and §4.5; ITK Software Guide, "Transforms"):
 *  - A registration transform maps FIXED-image physical points to MOVING-image physical points
 *    (it is what the resampler needs to pull moving intensities onto the fixed grid). With the
 *    baseline as fixed image it maps baseline LPS → follow-up LPS.
 *  - ITK's physical space is LPS millimetres, DICOM's patient space: no axis flips here.
 *  - EulerTransform (3D): parameters [θx, θy, θz, tx, ty, tz] (radians, mm) about
 *    CenterOfRotationPoint c: T(x) = R·(x − c) + c + t, with R = Rz·Rx·Ry (ITK Euler3DTransform,
 *    the default) or R = Rz·Ry·Rx when ComputeZYX is "true".
 *  - AffineTransform: parameters [a11 a12 a13 a21 … a33, tx, ty, tz] (matrix row-major), same
 *    centre rule: T(x) = A·(x − c) + c + t.
 *  - SimilarityTransform (3D): [versor vx vy vz, tx ty tz, scale]; TranslationTransform: [tx ty tz].
 *  - Chaining: a map may have an initial transform (InitialTransformParametersFileName in a file,
 *    or the previous map of an in-memory parameter object). HowToCombineTransforms "Compose":
 *    T(x) = T_current(T_initial(x)); "Add": T(x) = T_initial(x) + T_current(x) − x
 *    (elastix itk::AdvancedCombinationTransform).
 */
import type { Vec3 } from '../api/types';
import { composeMat4, decomposeRigid, identityMat4, mat4FromLinear, TransformError, type Mat4 } from './affine';
import type { Mat3Rows } from './landmarks';

/** One elastix parameter map: every value is a list of strings, as elastix and itk-wasm hold them. */
export type ElastixParameterMap = Record<string, string[]>;

/** Transforms we can express as one 4×4 matrix. */
export const LINEAR_ELASTIX_TRANSFORMS = ['EulerTransform', 'AffineTransform', 'SimilarityTransform', 'TranslationTransform'] as const;

function numbers(map: ElastixParameterMap, key: string, count?: number): number[] {
  const raw = map[key];
  if (!raw) throw new TransformError(`the elastix parameter map has no ${key}`);
  const values = raw.map(Number);
  if (values.some((v) => !Number.isFinite(v))) throw new TransformError(`${key} is not a list of numbers: ${raw.join(' ')}`);
  if (count !== undefined && values.length !== count) throw new TransformError(`${key} must have ${count} values for a 3D transform, it has ${values.length}`);
  return values;
}

function single(map: ElastixParameterMap, key: string): string | undefined {
  return map[key]?.[0];
}

function centre(map: ElastixParameterMap): Vec3 {
  return map.CenterOfRotationPoint ? (numbers(map, 'CenterOfRotationPoint', 3) as Vec3) : [0, 0, 0];
}

/** T(x) = L·(x − c) + c + t as a matrix. */
function centred(linear: Mat3Rows, c: Vec3, t: Vec3): Mat4 {
  const off: Vec3 = [0, 1, 2].map((i) => c[i] + t[i] - (linear[i][0] * c[0] + linear[i][1] * c[1] + linear[i][2] * c[2])) as Vec3;
  return mat4FromLinear(linear, off);
}

const mul3 = (a: number[][], b: number[][]): Mat3Rows =>
  [0, 1, 2].map((i) => [0, 1, 2].map((j) => a[i][0] * b[0][j] + a[i][1] * b[1][j] + a[i][2] * b[2][j])) as Mat3Rows;

/** ITK Euler3DTransform's rotation matrix. */
export function eulerRotation(angleXRad: number, angleYRad: number, angleZRad: number, computeZYX = false): Mat3Rows {
  const [cx, sx] = [Math.cos(angleXRad), Math.sin(angleXRad)];
  const [cy, sy] = [Math.cos(angleYRad), Math.sin(angleYRad)];
  const [cz, sz] = [Math.cos(angleZRad), Math.sin(angleZRad)];
  const rx = [[1, 0, 0], [0, cx, -sx], [0, sx, cx]];
  const ry = [[cy, 0, sy], [0, 1, 0], [-sy, 0, cy]];
  const rz = [[cz, -sz, 0], [sz, cz, 0], [0, 0, 1]];
  return computeZYX ? mul3(rz, mul3(ry, rx)) : mul3(rz, mul3(rx, ry));
}

/**
 * The 4×4 matrix of ONE parameter map on its own (fixed → moving LPS), ignoring any initial
 * transform. Non-linear transforms (B-spline, …) have no matrix and are refused.
 */
export function elastixMapToMat4(map: ElastixParameterMap): Mat4 {
  const transform = single(map, 'Transform');
  const dim = single(map, 'FixedImageDimension') ?? single(map, 'MovingImageDimension') ?? '3';
  if (dim !== '3') throw new TransformError(`only 3D transforms are supported, this map is ${dim}D`);
  const c = centre(map);
  switch (transform) {
    case 'EulerTransform': {
      const [ax, ay, az, tx, ty, tz] = numbers(map, 'TransformParameters', 6);
      const zyx = (single(map, 'ComputeZYX') ?? 'false').toLowerCase() === 'true';
      return centred(eulerRotation(ax, ay, az, zyx), c, [tx, ty, tz]);
    }
    case 'AffineTransform': {
      const p = numbers(map, 'TransformParameters', 12);
      const a: Mat3Rows = [[p[0], p[1], p[2]], [p[3], p[4], p[5]], [p[6], p[7], p[8]]];
      return centred(a, c, [p[9], p[10], p[11]]);
    }
    case 'SimilarityTransform': {
      const [vx, vy, vz, tx, ty, tz, s] = numbers(map, 'TransformParameters', 7);
      // ITK versor: the vector part of a unit quaternion, w = √(1 − |v|²).
      const w = Math.sqrt(Math.max(0, 1 - (vx * vx + vy * vy + vz * vz)));
      const r: Mat3Rows = [
        [1 - 2 * (vy * vy + vz * vz), 2 * (vx * vy - w * vz), 2 * (vx * vz + w * vy)],
        [2 * (vx * vy + w * vz), 1 - 2 * (vx * vx + vz * vz), 2 * (vy * vz - w * vx)],
        [2 * (vx * vz - w * vy), 2 * (vy * vz + w * vx), 1 - 2 * (vx * vx + vy * vy)],
      ];
      return centred(r.map((row) => row.map((v) => v * s)) as Mat3Rows, c, [tx, ty, tz]);
    }
    case 'TranslationTransform': {
      const [tx, ty, tz] = numbers(map, 'TransformParameters', 3);
      return mat4FromLinear([[1, 0, 0], [0, 1, 0], [0, 0, 1]], [tx, ty, tz]);
    }
    case undefined:
      throw new TransformError('the elastix parameter map has no Transform');
    default:
      throw new TransformError(`${transform} is not a linear transform: it has no 4×4 matrix (only ${LINEAR_ELASTIX_TRANSFORMS.join(', ')} do)`);
  }
}

function combine(initial: Mat4, current: Mat4, how: string | undefined): Mat4 {
  if (how === undefined || how === 'Compose') return composeMat4(current, initial);
  if (how === 'Add') {
    // T0(x) + T1(x) − x: linear parts add minus identity, translations add.
    const out = identityMat4();
    for (let i = 0; i < 3; i++) for (let j = 0; j < 4; j++) out[i][j] = initial[i][j] + current[i][j] - (i === j ? 1 : 0);
    return out;
  }
  throw new TransformError(`unknown HowToCombineTransforms "${how}" (elastix knows Compose and Add)`);
}

const NO_INITIAL = new Set(['', 'NoInitialTransform']);

/** The initial transform a map refers to by file name, if any (both spellings elastix has used). */
export function initialTransformFileName(map: ElastixParameterMap): string | null {
  const name = single(map, 'InitialTransformParametersFileName') ?? single(map, 'InitialTransformParameterFileName');
  return name === undefined || NO_INITIAL.has(name) ? null : name;
}

/**
 * The matrix of an in-memory parameter object, as @itk-wasm/elastix returns it: map 0 is the first
 * stage (the innermost transform), each later map has the one before it as its initial transform.
 * `resolveFile` is asked for a map named by InitialTransformParametersFileName (command-line
 * output: TransformParameters.1.txt names TransformParameters.0.txt); without it, such a map is an
 * error. Stops at `upTo` (exclusive) maps, e.g. to take the affine part before a B-spline stage.
 */
export function elastixChainToMat4(
  maps: readonly ElastixParameterMap[],
  opts: { resolveFile?: (fileName: string) => ElastixParameterMap | ElastixParameterMap[] | undefined; upTo?: number } = {},
): Mat4 {
  const upTo = opts.upTo ?? maps.length;
  let m: Mat4 | null = null;
  for (let k = 0; k < upTo; k++) {
    const map = maps[k];
    let initial: Mat4 | null = m;
    const file = initialTransformFileName(map);
    if (file !== null && k === 0) {
      const resolved = opts.resolveFile?.(file);
      if (!resolved) throw new TransformError(`the transform refers to its initial transform "${file}", which was not given`);
      initial = elastixChainToMat4(Array.isArray(resolved) ? resolved : [resolved], opts.resolveFile ? { resolveFile: opts.resolveFile } : {});
    }
    const current = elastixMapToMat4(map);
    m = initial ? combine(initial, current, single(map, 'HowToCombineTransforms')) : current;
  }
  return m ?? identityMat4();
}

/**
 * An elastix AffineTransform map for a 4×4 matrix (fixed → moving), centre at `centreMm` (which
 * does not change the transform, only how elastix parameterises it). Used as an initial transform
 * (landmarks, an earlier registration) and in round-trip tests.
 */
export function mat4ToElastixAffineMap(m: Mat4, centreMm: Vec3 = [0, 0, 0]): ElastixParameterMap {
  // T(x) = A(x − c) + c + t  ⇒  t = m·c − c, with m·c = A·c + m[:,3].
  const t = [0, 1, 2].map((i) => m[i][0] * centreMm[0] + m[i][1] * centreMm[1] + m[i][2] * centreMm[2] + m[i][3] - centreMm[i]);
  const a = [m[0][0], m[0][1], m[0][2], m[1][0], m[1][1], m[1][2], m[2][0], m[2][1], m[2][2]];
  return {
    Transform: ['AffineTransform'],
    NumberOfParameters: ['12'],
    TransformParameters: [...a, ...t].map(formatNumber),
    CenterOfRotationPoint: centreMm.map(formatNumber),
    InitialTransformParametersFileName: ['NoInitialTransform'],
    HowToCombineTransforms: ['Compose'],
    FixedImageDimension: ['3'],
    MovingImageDimension: ['3'],
  };
}

/** A rigid 4×4 matrix as an elastix EulerTransform map (Rz·Rx·Ry angles), centre `centreMm`. */
export function mat4ToElastixEulerMap(m: Mat4, centreMm: Vec3 = [0, 0, 0]): ElastixParameterMap {
  const { rotation: r, scales } = decomposeRigid(m);
  if (Math.abs(scales[0] - 1) > 1e-6 || Math.abs(scales[2] - 1) > 1e-6) throw new TransformError('the matrix scales or shears: it is not rigid, use an AffineTransform');
  // R = Rz·Rx·Ry: r21 = sin θx, r20 = −cos θx sin θy, r22 = cos θx cos θy, r01 = −sin θz cos θx, r11 = cos θz cos θx.
  const ax = Math.asin(Math.max(-1, Math.min(1, r[2][1])));
  const ay = Math.atan2(-r[2][0], r[2][2]);
  const az = Math.atan2(-r[0][1], r[1][1]);
  const t = [0, 1, 2].map((i) => m[i][0] * centreMm[0] + m[i][1] * centreMm[1] + m[i][2] * centreMm[2] + m[i][3] - centreMm[i]);
  return {
    Transform: ['EulerTransform'],
    NumberOfParameters: ['6'],
    TransformParameters: [ax, ay, az, ...t].map(formatNumber),
    CenterOfRotationPoint: centreMm.map(formatNumber),
    ComputeZYX: ['false'],
    InitialTransformParametersFileName: ['NoInitialTransform'],
    HowToCombineTransforms: ['Compose'],
    FixedImageDimension: ['3'],
    MovingImageDimension: ['3'],
  };
}

// ------------------------------------------------------------------ parameter file text

function formatNumber(v: number): string {
  // Full precision: a parameter file is a record, not a display.
  return Object.is(v, -0) ? '0' : String(v);
}

/**
 * Parse elastix parameter file text: one `(Key value value …)` per line, strings in double
 * quotes, numbers bare, `//` comments.
 */
export function parseElastixParameterText(text: string): ElastixParameterMap {
  const map: ElastixParameterMap = {};
  const lines = text.split(/\r?\n/);
  for (let n = 0; n < lines.length; n++) {
    const line = stripComment(lines[n]).trim();
    if (!line) continue;
    const m = /^\((\w+)\s*(.*)\)$/.exec(line);
    if (!m) throw new TransformError(`line ${n + 1} of the elastix parameter text is not "(Key value …)": ${lines[n].trim().slice(0, 80)}`);
    const values: string[] = [];
    const re = /"([^"]*)"|(\S+)/g;
    let v: RegExpExecArray | null;
    while ((v = re.exec(m[2])) !== null) values.push(v[1] ?? v[2]);
    map[m[1]] = values;
  }
  return map;
}

function stripComment(line: string): string {
  // A `//` inside quotes (a path) is not a comment.
  let quoted = false;
  for (let i = 0; i < line.length - 1; i++) {
    if (line[i] === '"') quoted = !quoted;
    else if (!quoted && line[i] === '/' && line[i + 1] === '/') return line.slice(0, i);
  }
  return line;
}

const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

/** Write a map as elastix parameter file text, keys sorted; numbers bare, everything else quoted. */
export function formatElastixParameterText(map: ElastixParameterMap): string {
  return (
    Object.keys(map)
      .sort()
      .map((key) => {
        if (!/^\w+$/.test(key)) throw new TransformError(`"${key}" is not a valid elastix parameter name`);
        const values = map[key].map((v) => {
          if (v.includes('"')) throw new TransformError(`the value of ${key} contains a double quote, which elastix parameter files cannot hold`);
          return NUMBER.test(v) ? v : `"${v}"`;
        });
        return `(${key} ${values.join(' ')})`;
      })
      .join('\n') + '\n'
  );
}
