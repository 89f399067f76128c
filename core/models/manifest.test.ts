import { describe, expect, it } from 'vitest';
import { checkOnnxIo, validateManifest, type ModelManifest } from './manifest';

// An nnU-Net 3d_fullres liver + lesion model as it would be described after ONNX export.
const nnunet: ModelManifest = {
  id: 'longitude-liver-lesion',
  version: '1.0.0',
  sha256: 'a'.repeat(64),
  task: 'segmentation',
  labels: [
    { value: 0, name: 'background' },
    { value: 1, name: 'liver', code: { scheme: 'SCT', value: '10200004', meaning: 'Liver' } },
    { value: 2, name: 'lesion', code: { scheme: 'SCT', value: '52988006', meaning: 'Lesion' } },
  ],
  input: {
    name: 'input',
    spacingMm: [1.5, 1.5, 2.5],
    orientation: 'LPS',
    channels: 1,
    normalization: { type: 'ct-clip-zscore', clipMinHu: -17, clipMaxHu: 201, mean: 99.4, std: 39.4 },
    patchSize: [128, 128, 64],
    overlap: 0.5,
    mirrorAxes: [0, 1, 2],
  },
  output: { name: 'logits', activation: 'softmax', kind: 'logits', channels: 3 },
  card: { trainedOn: 'phantoms', testDice: 0.9, notForClinicalUse: true },
};

describe('model.json', () => {
  it('accepts a manifest describing an nnU-Net export', () => {
    expect(validateManifest(JSON.parse(JSON.stringify(nnunet)))).toEqual({ ok: true, value: nnunet });
  });

  it('lists every problem with its field', () => {
    const bad = { ...nnunet, sha256: 'xyz', input: { ...nnunet.input, overlap: 1, patchSize: [128, 128] }, output: { ...nnunet.output, channels: 2 } };
    const r = validateManifest(bad);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.errors).toEqual([
        'sha256: the SHA-256 of model.onnx as 64 lowercase hex digits',
        'input.patchSize: three positive integers [x, y, z]',
        'input.overlap: a fraction from 0 up to (not including) 1',
        'output.channels (2) must equal the number of labels (3) for a softmax segmentation',
      ]);
    }
  });

  it('checks the ONNX graph against the manifest: names, channels, fixed patch axes (z, y, x order)', () => {
    expect(checkOnnxIo(nnunet, { inputs: [{ name: 'input', dims: ['N', 1, 64, 128, 128] }], outputs: [{ name: 'logits', dims: ['N', 3, 64, 128, 128] }] })).toEqual([]);
    expect(checkOnnxIo(nnunet, { inputs: [{ name: 'input', dims: [1, 1, 128, 128, 64] }], outputs: [{ name: 'probs', dims: [1, 3, 64, 128, 128] }] })).toEqual([
      'input "input" axis z is 128; the manifest patch needs 64',
      'input "input" axis x is 64; the manifest patch needs 128',
      'the model has no output "logits" (it has "probs")',
    ]);
  });
});
