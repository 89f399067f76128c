/**
 * Research cohorts from the command line (issue 14):
 *   cohort create <name> --where "<filter>"     a named filter (core/cohort/filter.ts), checked first
 *   cohort list | show <name> | delete <name> | fields
 *   cohort export <name> --out <dir> [--images dicom|nifti] [--masks seg|nifti]
 *                 [--split 70/15/15 | --folds 5] [--seed S] [--stratify <field>]
 * Exit codes: 0 done; 1 done with problems (an export that left something out) or failed on the
 * data (no such cohort, a name taken); 2 bad use (an invalid filter, a missing argument).
 */
import { resolve } from 'node:path';
import type { CohortExportInput, CohortsApi } from '../core/api/domains/cohorts';
import { ApiError } from '../core/api/errors';
import { COHORT_FIELD_NAMES, COHORT_FIELDS } from '../core/cohort/filter';

export const COHORT_COMMANDS = ['cohort'] as const;

export const COHORT_USAGE = `  cohort create <name> --where "<filter>"             a research cohort, e.g. --where "site=liver and type=metastasis and response in (PR,CR) and exams>=3"
                                                      fields: ${COHORT_FIELD_NAMES.join(', ')}
  cohort list | show <name> | delete <name> | fields  cohorts; the patients, exams and lesions one matches now; the filter's fields
  cohort export <name> --out <dir> [--images dicom|nifti] [--masks seg|nifti] [--split 70/15/15 | --folds 5] [--seed S] [--stratify <field>]
                                                      de-identified, split by patient, with manifest.json (SHA-256 of every file) and splits.csv`;

class UsageError extends Error {}

type Flags = Record<string, string | boolean>;

function str(flags: Flags, name: string): string | undefined {
  const v = flags[name];
  if (v === true) throw new UsageError(`--${name} needs a value`);
  return typeof v === 'string' ? v : undefined;
}

function bytesText(b: number): string {
  return b >= 2 ** 20 ? `${(b / 2 ** 20).toFixed(1)} MB` : `${(b / 1024).toFixed(0)} KB`;
}

export async function runCohortCommand(app: CohortsApi, rest: string[], flags: Flags, json: boolean): Promise<number> {
  const print = (value: unknown, text: () => string) => console.log(json ? JSON.stringify(value, null, 2) : text());
  const [sub, name, ...extra] = rest;
  try {
    const needName = (what: string) => {
      if (!name) throw new UsageError(`cohort ${what} needs a cohort name`);
    };
    switch (sub) {
      case 'create': {
        needName('create');
        const where = str(flags, 'where');
        if (!where) throw new UsageError(`cohort create needs --where "<filter>"; fields: ${COHORT_FIELD_NAMES.join(', ')}`);
        if (extra.length) throw new UsageError(`put the whole filter in quotes: --where "${[where, ...extra].join(' ')}"`);
        const c = await app.createCohort({ name, where });
        print(c, () => `created cohort "${c.name}": ${c.where}`);
        return 0;
      }
      case 'fields': {
        print(
          COHORT_FIELD_NAMES.map((f) => ({ field: f, level: COHORT_FIELDS[f].level, meaning: COHORT_FIELDS[f].describe })),
          () => COHORT_FIELD_NAMES.map((f) => `  ${f.padEnd(13)} ${COHORT_FIELDS[f].describe}`).join('\n'),
        );
        return 0;
      }
      case 'list': {
        const cohorts = await app.listCohorts();
        print(cohorts, () => cohorts.map((c) => `${c.name}  ${c.where}  (${c.reader?.name ?? 'unknown reader'}, ${c.createdAt.slice(0, 10)})`).join('\n') || '(no cohorts yet)');
        return 0;
      }
      case 'show': {
        needName('show');
        const r = await app.showCohort({ name });
        print(r, () =>
          [
            `cohort "${r.cohort.name}": ${r.filter}`,
            `  ${r.counts.patients} patient(s), ${r.counts.exams} exam(s), ${r.counts.lesions} lesion(s)`,
            ...r.patients.flatMap((p) => [
              `${p.name || '(no name)'} [${p.patientId || 'no ID'}]${p.sex ? ` ${p.sex}` : ''}  best response ${p.response ?? '—'}, last ${p.lastResponse ?? '—'}`,
              ...p.exams.map((e) => `    exam #${e.studyRowId} ${e.date ?? '????-??-??'} ${e.modality ?? ''}${e.scanner ? ` (${e.scanner})` : ''}`),
              ...p.lesions.map((l) => `    ${l.label} ${l.site} ${l.type} ${l.role}${l.reference ? `, ${l.reference}` : ''}${l.model ? ', found by a model' : ''}${l.lineage.length ? `, ${l.lineage.join('/')}` : ''}`),
            ]),
          ].join('\n'),
        );
        return 0;
      }
      case 'delete': {
        needName('delete');
        const r = await app.deleteCohort({ name });
        print(r, () => `deleted cohort "${r.deleted}"`);
        return 0;
      }
      case 'export': {
        needName('export');
        const out = str(flags, 'out');
        if (!out) throw new UsageError('cohort export needs --out <dir> (a folder that does not exist yet, or is empty)');
        const images = str(flags, 'images');
        const masks = str(flags, 'masks');
        if (images !== undefined && images !== 'dicom' && images !== 'nifti') throw new UsageError('--images must be dicom or nifti');
        if (masks !== undefined && masks !== 'seg' && masks !== 'nifti') throw new UsageError('--masks must be seg or nifti');
        const split = str(flags, 'split');
        const folds = str(flags, 'folds');
        if (split !== undefined && folds !== undefined) throw new UsageError('give --split or --folds, not both');
        if (folds !== undefined && !/^\d+$/.test(folds)) throw new UsageError('--folds needs a whole number ≥ 2');
        const stratify = str(flags, 'stratify');
        if (stratify !== undefined && split === undefined && folds === undefined) throw new UsageError('--stratify goes with --split or --folds');
        const input: CohortExportInput = {
          name,
          out: resolve(out),
          ...(images ? { images: images as CohortExportInput['images'] } : {}),
          ...(masks ? { masks: masks as CohortExportInput['masks'] } : {}),
          ...(split !== undefined ? { split } : {}),
          ...(folds !== undefined ? { folds: Number(folds) } : {}),
          ...(str(flags, 'seed') !== undefined ? { seed: str(flags, 'seed') } : {}),
          ...(stratify !== undefined ? { stratify } : {}),
        };
        const r = await app.exportCohort(input);
        print(r, () =>
          [
            `exported ${r.patients} patient(s), ${r.exams} exam(s), ${r.lesions} lesion(s) to ${r.out}: ${r.files} files, ${bytesText(r.bytes)}`,
            `  ${Object.entries(r.splits).map(([k, v]) => `${k} ${v}`).join(', ')}${r.seed !== null ? ` (seed ${r.seed})` : ''}`,
            `  manifest: ${r.manifest}`,
            ...r.warnings.map((w) => `  warning: ${w}`),
          ].join('\n'),
        );
        return r.warnings.length ? 1 : 0;
      }
      default:
        throw new UsageError('cohort needs one of create, list, show, delete, export, fields');
    }
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`${err.message}\n${COHORT_USAGE}`);
      return 2;
    }
    if (err instanceof ApiError) {
      console.error(`error: ${err.message}`);
      return err.kind === 'invalid' ? 2 : 1;
    }
    throw err;
  }
}
