/**
 * The elastix and transformix command-line programs (Debian's `elastix` package, elastix 5) on
 * the same prepared images and parameter maps as the WebAssembly build: for the benchmark
 * (speed and accuracy against @itk-wasm/elastix) and to check our reading of elastix's
 * transform files against transformix itself. Not used by the app.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import type { Vec3 } from '../../core/api/types';
import { elastixChainToMat4, formatElastixParameterText, initialTransformFileName, parseElastixParameterText, type ElastixParameterMap } from '../../core/registration/elastixTransform';
import type { Mat4 } from '../../core/registration/affine';
import type { PreparedImage } from '../../main/services/registration/elastixRegistration';

const run = promisify(execFile);

export const ELASTIX_BIN = process.env.ELASTIX_BIN ?? '/usr/bin/elastix';
export const TRANSFORMIX_BIN = process.env.TRANSFORMIX_BIN ?? '/usr/bin/transformix';

export function nativeElastixAvailable(): boolean {
  return existsSync(ELASTIX_BIN);
}
export function nativeTransformixAvailable(): boolean {
  return existsSync(TRANSFORMIX_BIN);
}

/**
 * MetaImage (.mhd header + .raw Float32 little-endian). TransformMatrix lists the axis directions
 * one after the other, which is our column-major direction array as it is.
 */
export function writeMetaImage(mhdPath: string, image: PreparedImage): void {
  const raw = mhdPath.replace(/\.mhd$/, '.raw');
  const g = image.geometry;
  const header = [
    'ObjectType = Image',
    'NDims = 3',
    'BinaryData = True',
    'BinaryDataByteOrderMSB = False',
    'CompressedData = False',
    `TransformMatrix = ${g.direction.join(' ')}`,
    `Offset = ${g.originMm.join(' ')}`,
    'CenterOfRotation = 0 0 0',
    `ElementSpacing = ${g.spacingMm.join(' ')}`,
    `DimSize = ${g.dims.join(' ')}`,
    'ElementType = MET_FLOAT',
    `ElementDataFile = ${basename(raw)}`,
  ].join('\n');
  writeFileSync(mhdPath, header + '\n');
  const bytes = new Uint8Array(image.data.buffer, image.data.byteOffset, image.data.byteLength);
  writeFileSync(raw, bytes);
}

/** A transform parameter file and, recursively, the files it names as initial transforms (oldest first). */
export function readElastixTransformChain(file: string): ElastixParameterMap[] {
  const map = parseElastixParameterText(readFileSync(file, 'utf8'));
  const initial = initialTransformFileName(map);
  return initial ? [...readElastixTransformChain(initial), map] : [map];
}

/** fixed → moving matrix of a command-line TransformParameters.N.txt (following its initial transforms). */
export function matrixFromTransformFile(file: string): Mat4 {
  return elastixChainToMat4([parseElastixParameterText(readFileSync(file, 'utf8'))], {
    resolveFile: (name) => readElastixTransformChain(name),
  });
}

export interface NativeRunResult {
  /** TransformParameters.N.txt of the last stage, parsed, with its chain (oldest first). */
  parameterMaps: ElastixParameterMap[];
  matrix4x4: Mat4;
  /** Wall time of the elastix process, ms (includes reading the images). */
  durationMs: number;
  outDir: string;
}

/** `elastix -f -m -p … -out` on prepared images, one -p per stage. */
export async function runNativeElastix(opts: {
  fixed: PreparedImage;
  moving: PreparedImage;
  maps: ElastixParameterMap[];
  workDir: string;
  /** elastix -threads (default: elastix's own choice, all cores). */
  threads?: number;
}): Promise<NativeRunResult> {
  mkdirSync(opts.workDir, { recursive: true });
  const outDir = join(opts.workDir, 'out');
  mkdirSync(outDir, { recursive: true });
  const fixedFile = join(opts.workDir, 'fixed.mhd');
  const movingFile = join(opts.workDir, 'moving.mhd');
  writeMetaImage(fixedFile, opts.fixed);
  writeMetaImage(movingFile, opts.moving);
  const args = ['-f', fixedFile, '-m', movingFile];
  opts.maps.forEach((m, i) => {
    const p = join(opts.workDir, `parameters.${i}.txt`);
    writeFileSync(p, formatElastixParameterText(m));
    args.push('-p', p);
  });
  args.push('-out', outDir);
  if (opts.threads) args.push('-threads', String(opts.threads));
  const t0 = performance.now();
  try {
    await run(ELASTIX_BIN, args, { maxBuffer: 64 * 2 ** 20 });
  } catch (err) {
    const log = existsSync(join(outDir, 'elastix.log')) ? readFileSync(join(outDir, 'elastix.log'), 'utf8') : '';
    const why = log.split('\n').filter((l) => /error|exception/i.test(l)).slice(-5).join(' ');
    throw new Error(`native elastix failed (${ELASTIX_BIN} ${args.join(' ')}): ${why || (err instanceof Error ? err.message : String(err))}`);
  }
  const durationMs = performance.now() - t0;
  const last = join(outDir, `TransformParameters.${opts.maps.length - 1}.txt`);
  return { parameterMaps: readElastixTransformChain(last), matrix4x4: matrixFromTransformFile(last), durationMs, outDir };
}

/** transformix -def: where a transform file sends fixed-space points (LPS mm). */
export async function transformPointsNative(transformFile: string, points: Vec3[], workDir: string): Promise<Vec3[]> {
  mkdirSync(workDir, { recursive: true });
  const pts = join(workDir, 'points.txt');
  writeFileSync(pts, ['point', String(points.length), ...points.map((p) => p.join(' '))].join('\n') + '\n');
  await run(TRANSFORMIX_BIN, ['-def', pts, '-tp', transformFile, '-out', workDir], { maxBuffer: 64 * 2 ** 20 });
  const out = readFileSync(join(workDir, 'outputpoints.txt'), 'utf8');
  return out
    .trim()
    .split('\n')
    .map((line) => {
      const m = /OutputPoint\s*=\s*\[\s*([^\]]+)\]/.exec(line);
      if (!m) throw new Error(`transformix wrote an output line without OutputPoint: ${line}`);
      return m[1].trim().split(/\s+/).map(Number) as Vec3;
    });
}
