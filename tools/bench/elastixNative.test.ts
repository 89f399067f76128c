/**
 * Our reading of elastix transform files against transformix itself: the same files, the same
 * points, the positions must agree. Skipped (with a message) without Debian's transformix.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Vec3 } from '../../core/api/types';
import { applyMat4 } from '../../core/registration/affine';
import { formatElastixParameterText, type ElastixParameterMap } from '../../core/registration/elastixTransform';
import { matrixFromTransformFile, nativeTransformixAvailable, TRANSFORMIX_BIN, transformPointsNative } from './elastixNative';

const dir = mkdtempSync(join(tmpdir(), 'lng-transformix-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** What transformix needs besides the transform itself: the fixed image's grid. */
const gridKeys: ElastixParameterMap = {
  FixedImageDimension: ['3'],
  MovingImageDimension: ['3'],
  FixedInternalImagePixelType: ['float'],
  MovingInternalImagePixelType: ['float'],
  Size: ['20', '20', '20'],
  Index: ['0', '0', '0'],
  Spacing: ['3', '3', '3'],
  Origin: ['-30', '-30', '-30'],
  Direction: ['1', '0', '0', '0', '1', '0', '0', '0', '1'],
  UseDirectionCosines: ['true'],
  ResampleInterpolator: ['FinalBSplineInterpolator'],
  FinalBSplineInterpolationOrder: ['1'],
  Resampler: ['DefaultResampler'],
  DefaultPixelValue: ['0'],
  ResultImageFormat: ['mhd'],
  ResultImagePixelType: ['float'],
  CompressResultImage: ['false'],
  HowToCombineTransforms: ['Compose'],
  InitialTransformParametersFileName: ['NoInitialTransform'],
};

function write(name: string, map: ElastixParameterMap): string {
  const file = join(dir, name);
  writeFileSync(file, formatElastixParameterText({ ...gridKeys, ...map }));
  return file;
}

const points: Vec3[] = [[0, 0, 0], [-100, 20, 40], [80, -60, -120], [10.5, 200, -3]];

async function expectSameAsTransformix(file: string, name: string): Promise<void> {
  const native = await transformPointsNative(file, points, join(dir, name));
  const m = matrixFromTransformFile(file);
  points.forEach((p, k) => {
    const ours = applyMat4(m, p);
    // transformix prints about 6 significant digits.
    for (let i = 0; i < 3; i++) expect(Math.abs(ours[i] - native[k][i])).toBeLessThan(2e-3);
  });
}

describe.skipIf(!nativeTransformixAvailable())(`elastix transform files read as transformix reads them (${TRANSFORMIX_BIN})`, () => {
  const eulerParams = ['0.07', '-0.05', '0.09', '3.5', '-12', '7.25'];

  it('EulerTransform, default Z·X·Y angle order, off-origin centre', async () => {
    const f = write('euler.txt', { Transform: ['EulerTransform'], NumberOfParameters: ['6'], TransformParameters: eulerParams, CenterOfRotationPoint: ['-80', '10', '25'], ComputeZYX: ['false'] });
    await expectSameAsTransformix(f, 'euler');
  });

  it('EulerTransform with ComputeZYX', async () => {
    const f = write('eulerzyx.txt', { Transform: ['EulerTransform'], NumberOfParameters: ['6'], TransformParameters: eulerParams, CenterOfRotationPoint: ['-80', '10', '25'], ComputeZYX: ['true'] });
    await expectSameAsTransformix(f, 'eulerzyx');
  });

  it('AffineTransform composed onto an Euler initial transform named by file', async () => {
    const first = write('stage0.txt', { Transform: ['EulerTransform'], NumberOfParameters: ['6'], TransformParameters: eulerParams, CenterOfRotationPoint: ['5', '5', '5'] });
    const second = write('stage1.txt', {
      Transform: ['AffineTransform'],
      NumberOfParameters: ['12'],
      TransformParameters: ['1.05', '0.02', '-0.01', '0.03', '0.97', '0.02', '-0.02', '0.01', '1.1', '2', '-1', '4'],
      CenterOfRotationPoint: ['-40', '30', '12'],
      InitialTransformParametersFileName: [first],
    });
    await expectSameAsTransformix(second, 'chain');
  });

  it('"Add" combination', async () => {
    const first = write('add0.txt', { Transform: ['TranslationTransform'], NumberOfParameters: ['3'], TransformParameters: ['4', '-2', '1'] });
    const second = write('add1.txt', {
      Transform: ['EulerTransform'],
      NumberOfParameters: ['6'],
      TransformParameters: eulerParams,
      CenterOfRotationPoint: ['0', '0', '0'],
      InitialTransformParametersFileName: [first],
      HowToCombineTransforms: ['Add'],
    });
    await expectSameAsTransformix(second, 'add');
  });
});

describe.skipIf(nativeTransformixAvailable())('transformix cross-check', () => {
  it(`is skipped: ${TRANSFORMIX_BIN} is not installed (apt-get install elastix)`, () => undefined);
});
