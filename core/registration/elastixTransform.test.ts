import { describe, expect, it } from 'vitest';
import type { Vec3 } from '../api/types';
import { applyMat4, decomposeRigid, mat4FromLinear, rotationAboutAxis, TransformError, type Mat4 } from './affine';
import {
  elastixChainToMat4,
  elastixMapToMat4,
  formatElastixParameterText,
  mat4ToElastixAffineMap,
  mat4ToElastixEulerMap,
  parseElastixParameterText,
  type ElastixParameterMap,
} from './elastixTransform';

const close = (a: Vec3, b: Vec3, digits = 9) => a.forEach((v, i) => expect(v).toBeCloseTo(b[i], digits));
const deg = Math.PI / 180;
const euler = (angles: number[], t: Vec3, centre: Vec3, zyx = false): ElastixParameterMap => ({
  Transform: ['EulerTransform'],
  TransformParameters: [...angles, ...t].map(String),
  CenterOfRotationPoint: centre.map(String),
  ComputeZYX: [String(zyx)],
});

describe('elastix EulerTransform → 4×4 (fixed → moving LPS)', () => {
  it('turns about the centre of rotation, then shifts: T(x) = R(x − c) + c + t', () => {
    const m = elastixMapToMat4(euler([0, 0, 90 * deg], [0, 0, 5], [10, 0, 0]));
    close(applyMat4(m, [11, 0, 0]), [10, 1, 5]);
    close(applyMat4(m, [10, 0, 0]), [10, 0, 5]); // the centre only moves by t
  });

  it('uses ITK’s Z·X·Y angle order by default and Z·Y·X with ComputeZYX', () => {
    // θx = θy = 90°: Rz·Rx·Ry sends +x to +y; Rz·Ry·Rx sends it to −z.
    close(applyMat4(elastixMapToMat4(euler([90 * deg, 90 * deg, 0], [0, 0, 0], [0, 0, 0])), [1, 0, 0]), [0, 1, 0]);
    close(applyMat4(elastixMapToMat4(euler([90 * deg, 90 * deg, 0], [0, 0, 0], [0, 0, 0], true)), [1, 0, 0]), [0, 0, -1]);
  });

  it('reproduces a known phantom motion (4.97°, 14.85 mm) from the map @itk-wasm/elastix returned for it', () => {
    // Phantom seed 233, exam 1 vs exam 0 at 3 mm: the rigid stage's output map, verbatim.
    const map: ElastixParameterMap = {
      CenterOfRotationPoint: ['0.484375', '0.484375', '0'],
      ComputeZYX: ['false'],
      HowToCombineTransforms: ['Compose'],
      InitialTransformParameterFileName: ['NoInitialTransform'],
      NumberOfParameters: ['6'],
      Transform: ['EulerTransform'],
      TransformParameters: ['0.04609417747099898', '0.0714265817858764', '0.015182388153005077', '0.7957951450301275', '13.03619552598151', '7.083005388248157'],
    };
    const truth: Mat4 = [
      [0.997272324, -0.015163067, 0.072235672, 0.765591859],
      [0.018432016, 0.998825723, -0.044804428, 13.051656101],
      [-0.071471475, 0.046013665, 0.996380736, 7.034627295],
      [0, 0, 0, 1],
    ];
    const m = elastixMapToMat4(map);
    // Within half a millimetre over the liver (≈ 100 mm from the centre).
    for (const p of [[-100, 0, 0], [-80, 40, 60], [-60, -40, -60]] as Vec3[]) {
      const a = applyMat4(m, p);
      const b = applyMat4(truth, p);
      expect(Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2])).toBeLessThan(0.5);
    }
    expect(decomposeRigid(m).rotationDeg).toBeCloseTo(4.97, 1);
  });
});

describe('elastix AffineTransform, Similarity, Translation → 4×4', () => {
  it('reads the matrix row by row, with the centre rule', () => {
    const m = elastixMapToMat4({
      Transform: ['AffineTransform'],
      TransformParameters: ['2', '0', '0', '0', '1', '0', '0', '0', '1', '1', '2', '3'],
      CenterOfRotationPoint: ['10', '0', '0'],
    });
    close(applyMat4(m, [10, 0, 0]), [11, 2, 3]);
    close(applyMat4(m, [0, 0, 0]), [-9, 2, 3]);
  });

  it('reads a similarity versor (90° about z, scale 2) and a translation', () => {
    const s = Math.SQRT1_2;
    const m = elastixMapToMat4({ Transform: ['SimilarityTransform'], TransformParameters: ['0', '0', String(s), '1', '0', '0', '2'], CenterOfRotationPoint: ['0', '0', '0'] });
    close(applyMat4(m, [1, 0, 0]), [1, 2, 0]);
    close(applyMat4(elastixMapToMat4({ Transform: ['TranslationTransform'], TransformParameters: ['1', '-2', '3'] }), [0, 0, 0]), [1, -2, 3]);
  });

  it('refuses what has no matrix, and says why', () => {
    expect(() => elastixMapToMat4({ Transform: ['BSplineTransform'], TransformParameters: ['0'] })).toThrow(/not a linear transform/);
    expect(() => elastixMapToMat4({ Transform: ['EulerTransform'], TransformParameters: ['0', '0', '0'] })).toThrow(/must have 6 values/);
    expect(() => elastixMapToMat4({ Transform: ['EulerTransform'], TransformParameters: ['0', '0', '0', 'x', '0', '0'] })).toThrow(/not a list of numbers/);
    expect(() => elastixMapToMat4({ Transform: ['EulerTransform'], FixedImageDimension: ['2'], TransformParameters: ['0', '0', '0'] })).toThrow(/only 3D/);
  });
});

describe('chains of stages', () => {
  const shift: ElastixParameterMap = { Transform: ['TranslationTransform'], TransformParameters: ['1', '0', '0'] };
  const turn = (how: string): ElastixParameterMap => ({ ...euler([0, 0, 90 * deg], [0, 0, 0], [0, 0, 0]), HowToCombineTransforms: [how] });

  it('Compose: the later stage acts on the output of the earlier one, T(x) = T1(T0(x))', () => {
    const m = elastixChainToMat4([shift, turn('Compose')]);
    close(applyMat4(m, [0, 0, 0]), [0, 1, 0]);
  });

  it('Add: T(x) = T0(x) + T1(x) − x', () => {
    const m = elastixChainToMat4([shift, turn('Add')]);
    close(applyMat4(m, [0, 0, 0]), [1, 0, 0]);
    close(applyMat4(m, [1, 0, 0]), [1, 1, 0]);
  });

  it('follows InitialTransformParametersFileName through a resolver, as the command line writes it', () => {
    const stage1 = { ...turn('Compose'), InitialTransformParametersFileName: ['/tmp/out/TransformParameters.0.txt'] };
    const m = elastixChainToMat4([stage1], { resolveFile: (f) => (f.endsWith('TransformParameters.0.txt') ? shift : undefined) });
    close(applyMat4(m, [0, 0, 0]), [0, 1, 0]);
    expect(() => elastixChainToMat4([stage1])).toThrow(/TransformParameters\.0\.txt", which was not given/);
  });

  it('stops before a stage when asked (the affine part under a B-spline stage)', () => {
    const bspline: ElastixParameterMap = { Transform: ['BSplineTransform'], TransformParameters: ['0'] };
    close(applyMat4(elastixChainToMat4([shift, bspline], { upTo: 1 }), [0, 0, 0]), [1, 0, 0]);
    expect(() => elastixChainToMat4([shift, bspline])).toThrow(TransformError);
  });
});

describe('matrix → elastix map, and parameter file text', () => {
  const m = mat4FromLinear(rotationAboutAxis([0.3, -0.2, 1], 5), [12, -8, 4]);
  const same = (a: Mat4, b: Mat4) => a.forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(b[i][j], 10)));

  it('round-trips a rigid matrix through Affine and Euler maps, whatever the centre', () => {
    same(elastixMapToMat4(mat4ToElastixAffineMap(m, [-80, 20, 10])), m);
    same(elastixMapToMat4(mat4ToElastixEulerMap(m, [-80, 20, 10])), m);
    same(elastixMapToMat4(mat4ToElastixEulerMap(m)), m);
    expect(() => mat4ToElastixEulerMap(mat4FromLinear([[1.1, 0, 0], [0, 1, 0], [0, 0, 1]], [0, 0, 0]))).toThrow(/not rigid/);
  });

  it('parses elastix 5 TransformParameters text: quotes, bare numbers, comments', () => {
    const text = [
      '(Transform "EulerTransform")',
      '(NumberOfParameters 6)',
      '(TransformParameters 0.010000 -0.020000 0.030000 1.500000 -2.000000 3.250000)',
      '(InitialTransformParametersFileName "/tmp/a b//x/TransformParameters.0.txt")',
      '// (Ignored 1)',
      '(CenterOfRotationPoint 0.4843750000 0.4843750000 0.0000000000) // centre',
      '',
      '(ComputeZYX "false")',
    ].join('\n');
    const map = parseElastixParameterText(text);
    expect(map.TransformParameters).toEqual(['0.010000', '-0.020000', '0.030000', '1.500000', '-2.000000', '3.250000']);
    expect(map.InitialTransformParametersFileName).toEqual(['/tmp/a b//x/TransformParameters.0.txt']);
    expect(map.CenterOfRotationPoint).toHaveLength(3);
    expect(map.Ignored).toBeUndefined();
    expect(() => parseElastixParameterText('Transform EulerTransform')).toThrow(/line 1/);
  });

  it('writes text that parses back to the same map: numbers bare, words quoted', () => {
    const map = { ...mat4ToElastixAffineMap(m, [1, 2, 3]), Metric: ['AdvancedMattesMutualInformation'], UseDirectionCosines: ['true'] };
    const text = formatElastixParameterText(map);
    expect(text).toContain('(Metric "AdvancedMattesMutualInformation")');
    expect(text).toMatch(/\(NumberOfParameters 12\)/);
    expect(parseElastixParameterText(text)).toEqual(map);
    expect(() => formatElastixParameterText({ 'bad key': ['1'] })).toThrow(/not a valid elastix parameter name/);
  });
});
