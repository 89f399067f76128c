/**
 * `node --import tsx tools/models/card.ts [--model resources/models/longitude-liver-lesions] [--write]`
 *
 * Runs the shipped model through the workstation's own pipeline (inference process,
 * onnxruntime-node) on the test patients of its split.json and prints the validation
 * report; with --write, puts the test-set figures into model.json's card (the weights and
 * their SHA-256 do not change). tools/models/shippedModel.test.ts checks them again.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { ValidationReport } from '../../core/api/types';
import { createApp } from '../../main/services/app';
import { formatValidationReport } from '../../main/validateCli';
import { writeSplitCohort } from './testCohort';

/** The figures a model card states, from a validation report. */
export function cardFigures(report: ValidationReport) {
  const o = report.overall!;
  const dice = (name: string) => o.structures.find((s) => s.name === name)?.meanDice.value ?? null;
  return {
    testDice: dice('lesions (all classes)'),
    testDiceLiver: dice('liver with its lesions'),
    testDicePerClass: Object.fromEntries(o.structures.filter((s) => !s.name.includes(' ')).map((s) => [s.name, s.meanDice.value])),
    testLesionSensitivity: o.detection.sensitivity?.value ?? null,
    testFalsePositivesPerCase: o.detection.falsePositivesPerCase.value,
    testClassificationAuc: o.classification?.auc?.value ?? null,
    testCases: report.cases.length,
    testMeasuredWith: 'the workstation pipeline (tools/models/card.ts): Dice per case on the series grid, mean over the test patients; lesions = metastasis ∪ cyst',
  };
}

export async function validateShipped(modelDir: string, cohortDir: string): Promise<ValidationReport> {
  const home = mkdtempSync(join(tmpdir(), 'lng-card-'));
  const service = createApp({ homeDir: home, mode: 'serve', workers: 1, appModelsDir: dirname(modelDir) });
  try {
    const manifest = JSON.parse(readFileSync(join(modelDir, 'model.json'), 'utf8')) as { id: string; version: string };
    const { done } = await service.validation.start({ modelId: manifest.id, modelVersion: manifest.version, cohortDir, minLesionDiameterMm: 10, bootstrapResamples: 1000, seed: 1 });
    return await done;
  } finally {
    await service.close();
    rmSync(home, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { model: { type: 'string', default: 'resources/models/longitude-liver-lesions' }, write: { type: 'boolean', default: false } } });
  const modelDir = resolve(values.model!);
  const cohort = await writeSplitCohort(modelDir, join(tmpdir(), `longitude-${basename(modelDir)}-test-cohort-v1`));
  const report = await validateShipped(modelDir, cohort);
  console.log(formatValidationReport(report));
  if (report.status !== 'done') process.exit(1);
  const figures = cardFigures(report);
  console.log(JSON.stringify(figures, null, 2));
  if (values.write) {
    const file = join(modelDir, 'model.json');
    const json = JSON.parse(readFileSync(file, 'utf8'));
    json.card = { ...json.card, ...figures };
    writeFileSync(file, `${JSON.stringify(json, null, 2)}\n`);
    console.log(`wrote the test-set figures into ${file}`);
  }
}
