import { describe, expect, it } from 'vitest';
import type { AiProposal, AiRun, ModelInfo } from '../../../../core/api/types';
import {
  axesText,
  ci95Text,
  durationText,
  modelErrorsText,
  otherClassesText,
  progressText,
  proposalTitle,
  provenanceText,
  runFraction,
  shortHash,
  sortModels,
  sortProposals,
  splitText,
  volumeText,
} from './aiText';

function proposal(patch: Partial<AiProposal>): AiProposal {
  return {
    id: 1,
    runId: 1,
    seriesId: 1,
    kind: 'lesion',
    labelValue: 2,
    labelName: 'metastasis',
    lesionType: 'metastasis',
    classProbabilities: [
      { labelValue: 2, name: 'metastasis', probability: 0.931 },
      { labelValue: 3, name: 'cyst', probability: 0.05 },
      { labelValue: 4, name: 'hemangioma', probability: 0.019 },
    ],
    meanProbability: 0.88,
    voxelCount: 1000,
    volumeMl: 4.2,
    centroidLps: [0, 0, 0],
    longAxisMm: 23.44,
    shortAxisMm: 15.16,
    axisPointsLps: null,
    sliceIndex: 10,
    status: 'proposed',
    lesionId: null,
    segmentationId: null,
    measurementId: null,
    decidedAt: null,
    ...patch,
  };
}

describe('run progress', () => {
  it('fills the bar by phase, the windows taking most of it', () => {
    expect(runFraction({ status: 'queued', phase: 'loading', done: 0, total: 1 })).toBe(0);
    expect(runFraction({ status: 'running', phase: 'loading', done: 0, total: 1 })).toBe(0);
    expect(runFraction({ status: 'running', phase: 'inference', done: 0, total: 48 })).toBeCloseTo(0.08, 6);
    expect(runFraction({ status: 'running', phase: 'inference', done: 24, total: 48 })).toBeCloseTo(0.08 + 0.87 / 2, 6);
    expect(runFraction({ status: 'running', phase: 'postprocess', done: 0, total: 1 })).toBeCloseTo(0.95, 6);
    expect(runFraction({ status: 'done', phase: 'done', done: 1, total: 1 })).toBe(1);
    // More windows reported than announced never overfills the bar.
    expect(runFraction({ status: 'running', phase: 'inference', done: 60, total: 48 })).toBeCloseTo(0.95, 6);
  });

  it('says the phase, and the windows while the model runs', () => {
    expect(progressText({ status: 'running', phase: 'inference', done: 12, total: 48 })).toBe('Running the model · windows 12 / 48');
    expect(progressText({ status: 'running', phase: 'postprocess', done: 0, total: 1 })).toBe('Finding lesions and measuring them');
    expect(progressText({ status: 'queued', phase: 'loading', done: 0, total: 1 })).toBe('Waiting for the model');
    expect(progressText({ status: 'cancelled', phase: 'done', done: 0, total: 1 })).toBe('Cancelled');
  });
});

describe('provenance', () => {
  it('names model, version, hash, provider and both times', () => {
    const run = {
      modelId: 'longitude-liver-lesions',
      modelVersion: '1.0.0',
      modelSha256: '61a58858ceccac5839026c08200501d65c37c322206ba572f1959b99e84edfcb',
      provider: 'cpu',
      durationMs: 12_345,
      sessionRunMs: 9_870,
      windows: 48,
    } as AiRun;
    expect(provenanceText(run)).toBe('longitude-liver-lesions 1.0.0 · sha256 61a58858cecc · on CPU · 12.3 s in all · 9.9 s in session.run · 48 windows');
    expect(shortHash(run.modelSha256)).toBe('61a58858cecc');
  });

  it('writes durations as a reader reads them', () => {
    expect(durationText(850.4)).toBe('850 ms');
    expect(durationText(12_345)).toBe('12.3 s');
    expect(durationText(125_000)).toBe('2 min 05 s');
    expect(durationText(null)).toBe('—');
  });
});

describe('models', () => {
  const m = (id: string, version: string, valid: boolean): ModelInfo => ({ id, version, valid, errors: valid ? [] : ['model.onnx is missing'], folder: `/m/${id}` }) as ModelInfo;
  it('lists valid models first, newest version first', () => {
    const sorted = sortModels([m('b', '1.0.0', false), m('a', '1.2.0', true), m('a', '1.10.0', true), m('c', '1.0.0', true)]);
    expect(sorted.map((x) => `${x.id}@${x.version}`)).toEqual(['a@1.10.0', 'a@1.2.0', 'c@1.0.0', 'b@1.0.0']);
  });
  it('says why an invalid model cannot run, naming its folder', () => {
    expect(modelErrorsText(m('b', '1.0.0', false))).toBe('b (/m/b) cannot be used:\n• model.onnx is missing');
    expect(modelErrorsText(m('a', '1.0.0', true))).toBe('');
  });
});

describe('proposals', () => {
  it('titles a proposal by its type and the probability of that class', () => {
    expect(proposalTitle(proposal({}))).toBe('metastasis 0.93');
    expect(otherClassesText(proposal({}))).toBe('cyst 0.05 · hemangioma 0.02');
    // An organ has no lesion type: its label name, and the mean probability without class scores.
    expect(proposalTitle(proposal({ kind: 'organ', labelValue: 1, labelName: 'liver', lesionType: null, classProbabilities: [], meanProbability: 0.976 }))).toBe('liver 0.98');
  });

  it('writes volumes and axes with the precision of the voxels', () => {
    expect(volumeText(4.2)).toBe('4.20 mL');
    expect(volumeText(35.26)).toBe('35.3 mL');
    expect(volumeText(1634.4)).toBe('1634 mL');
    expect(axesText(23.44, 15.16)).toBe('23.4 × 15.2 mm');
    expect(axesText(null, null)).toBeNull();
  });

  it('orders the organ first, then lesions from the largest', () => {
    const list = [proposal({ id: 1, volumeMl: 2 }), proposal({ id: 2, kind: 'organ', volumeMl: 1500 }), proposal({ id: 3, volumeMl: 9 })];
    expect(sortProposals(list).map((p) => p.id)).toEqual([2, 3, 1]);
  });
});

describe('validation numbers', () => {
  it('writes a value with its 95% confidence interval', () => {
    expect(ci95Text({ value: 0.8712, low: 0.8123, high: 0.9234 })).toBe('0.87 (95% CI 0.81–0.92)');
    expect(ci95Text({ value: 0.8712, low: 0.8123, high: 0.9234 }, 2, true)).toBe('0.87 (0.81–0.92)');
    expect(ci95Text(null)).toBe('—');
  });
  it('a CI over fewer than two cases has no interval: "n/a", never a degenerate 0.797–0.797', () => {
    // The report's bounds are NaN when made, null once the report has been through JSON.
    expect(ci95Text({ value: 0.797, low: Number.NaN, high: Number.NaN })).toBe('0.80 (95% CI n/a)');
    expect(ci95Text(JSON.parse('{ "value": 0.797, "low": null, "high": null }'), 3, true)).toBe('0.797 (n/a)');
    // No case at all: no value either.
    expect(ci95Text({ value: Number.NaN, low: Number.NaN, high: Number.NaN })).toBe('— (95% CI n/a)');
  });
  it('describes the split, folds counted from 1 for the reader', () => {
    expect(splitText(undefined)).toBe('whole cohort');
    expect(splitText({ kind: 'kfold', k: 5, fold: 1, seed: 42 })).toBe('fold 2 of 5 (test part), seed 42');
    expect(splitText({ kind: 'fractions', train: 0.7, validation: 0.15, test: 0.15, part: 'test', seed: 7 })).toBe('test part of 70/15/15 by patient, seed 7');
  });
});
