/**
 * Validation of a model on a local cohort with reference segmentations: the form (model,
 * cohort folder, split by patient, lesion match rule), the progress case by case, and the
 * report — overlap per structure, lesion detection, lesion classification with its ROC
 * curve — each with a 95% bootstrap confidence interval, and every case on its own row.
 */
import { useEffect, useMemo, useState, type ReactNode } from 'react';
import type { ModelInfo, ValidationReport } from '../../../../core/api/types';
import type { LongitudeEvents } from '../../../../core/api/contract';
import { useApi } from '../../api';
import { ci95Text, dateTimeText, durationText, fixed, modelKey, shortHash, splitText, volumeText } from './aiText';
import { ModelPicker } from './ModelPicker';
import { RocPlot } from './ModelPlots';
import { describeError, useModels } from './useAiData';
import { defaultForm, validationInput, type SplitKind, type SplitPart, type ValidationForm } from './validationForm';

type ValidationProgress = LongitudeEvents['onValidationProgress'];

function Field(props: { label: string; children: ReactNode; title?: string }) {
  return (
    <label className="ai-field" title={props.title}>
      <span className="dim">{props.label}</span>
      {props.children}
    </label>
  );
}

function FormView({ models, onStarted }: { models: ModelInfo[]; onStarted(report: ValidationReport): void }) {
  const api = useApi();
  const [form, setForm] = useState<ValidationForm>(() => defaultForm());
  const [errors, setErrors] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const valid = useMemo(() => models.filter((m) => m.valid), [models]);
  useEffect(() => {
    if (!form.modelKey && valid.length) setForm((f) => ({ ...f, modelKey: modelKey(valid[0]) }));
  }, [form.modelKey, valid]);
  const set = <K extends keyof ValidationForm>(key: K) => (value: ValidationForm[K]) => setForm((f) => ({ ...f, [key]: value }));
  const text = (key: keyof ValidationForm, width = 64) => (
    <input type="text" className="ai-input" style={{ width }} data-testid={`validation-${key}`} value={form[key]} onChange={(e) => set(key)(e.target.value as never)} />
  );

  const submit = async () => {
    const r = validationInput(form, models);
    if (!r.ok) {
      setErrors(r.errors);
      return;
    }
    setErrors([]);
    setBusy(true);
    try {
      onStarted(await api.validateModel(r.input));
    } catch (e) {
      setErrors([`Could not start the validation: ${describeError(e)}`]);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      className="ai-form"
      data-testid="validation-form"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <Field label="Model">
        <ModelPicker models={models} value={form.modelKey} onChange={set('modelKey')} testId="validation-model" />
      </Field>
      <Field label="Cohort folder" title="A folder on this workstation: cohort.json (cases with images and reference), or one sub-folder per case holding its DICOM series and one reference (NIfTI label map or DICOM SEG)">
        <input type="text" className="ai-input wide" data-testid="validation-cohortDir" placeholder="/data/cohorts/liver-test" value={form.cohortDir} onChange={(e) => set('cohortDir')(e.target.value)} />
      </Field>
      <Field label="Cases" title="Split by patient, so no patient is in two parts">
        <select className="ai-select" data-testid="validation-splitKind" value={form.splitKind} onChange={(e) => set('splitKind')(e.target.value as SplitKind)}>
          <option value="none">whole cohort</option>
          <option value="fractions">one part of a split by fractions</option>
          <option value="kfold">one fold of k-fold</option>
        </select>
      </Field>
      {form.splitKind === 'fractions' && (
        <div className="ai-field-row">
          <Field label="train">{text('train', 48)}</Field>
          <Field label="validation">{text('validation', 48)}</Field>
          <Field label="test">{text('test', 48)}</Field>
          <Field label="part">
            <select className="ai-select" data-testid="validation-part" value={form.part} onChange={(e) => set('part')(e.target.value as SplitPart)}>
              <option value="test">test</option>
              <option value="validation">validation</option>
              <option value="train">train</option>
            </select>
          </Field>
        </div>
      )}
      {form.splitKind === 'kfold' && (
        <div className="ai-field-row">
          <Field label="k">{text('k', 40)}</Field>
          <Field label="fold (1 … k)">{text('fold', 40)}</Field>
        </div>
      )}
      <div className="ai-field-row">
        <Field label="Seed" title="The same seed gives the same split and the same confidence intervals">
          {text('seed', 56)}
        </Field>
        <Field label="IoU ≥" title="A reference lesion counts as found when a predicted lesion overlaps it with at least this IoU">
          {text('iouThreshold', 48)}
        </Field>
        <Field label="lesions ≥ (mm)" title="Count only reference lesions at least this long (10 mm: measurable by RECIST 1.1); 0 counts all">
          {text('minDiameterMm', 48)}
        </Field>
        <Field label="bootstrap" title="Resamples of the cases for the 95% confidence intervals">
          {text('bootstrapResamples', 56)}
        </Field>
      </div>
      <div className="ai-row">
        <button type="submit" className="button primary" data-testid="validation-run" disabled={busy}>
          {busy ? 'Starting…' : 'Validate'}
        </button>
      </div>
      {errors.length > 0 && (
        <ul className="error ai-form-errors" data-testid="validation-errors">
          {errors.map((e) => (
            <li key={e}>{e}</li>
          ))}
        </ul>
      )}
    </form>
  );
}

function ReportView({ report, progress }: { report: ValidationReport; progress: ValidationProgress | null }) {
  const p = report.parameters;
  const done = progress?.done ?? report.progress.done;
  const total = progress?.total ?? report.progress.total;
  const structures = report.overall?.structures ?? [];
  const caseStructures = useMemo(() => [...new Set(report.cases.flatMap((c) => c.structures.map((s) => s.name)))], [report.cases]);
  const det = report.overall?.detection ?? null;
  const cls = report.overall?.classification ?? null;
  return (
    <div className="ai-report" data-testid="validation-report" data-validation-id={report.id} data-status={report.status}>
      <h3 className="ai-h3">
        Validation {report.id}: {report.modelId} {report.modelVersion} <span className={`ai-status ai-status-${report.status}`}>{report.status}</span>
      </h3>
      <dl className="ai-dl">
        <dt>Weights</dt>
        <dd title={report.modelSha256}>sha256 {shortHash(report.modelSha256)}</dd>
        <dt>Cohort</dt>
        <dd>
          {report.cohortDir} · {splitText(p.split)}
        </dd>
        <dt>Parameters</dt>
        <dd>
          IoU ≥ {p.iouThreshold ?? 0.1} · reference lesions ≥ {p.minLesionDiameterMm ?? 10} mm · {p.bootstrapResamples ?? 1000} bootstrap resamples · seed {p.seed ?? '—'}
        </dd>
        <dt>Time</dt>
        <dd>
          {dateTimeText(report.createdAt)} → {dateTimeText(report.finishedAt)}
        </dd>
      </dl>
      {report.status === 'running' && (
        <div className="ai-progress-row">
          <progress className="ai-progress" data-testid="validation-progress" data-done={done} data-total={total} max={total || 1} value={done} />
          <span className="dim">
            case {done} / {total}
            {progress?.caseId ? ` · ${progress.caseId}` : ''}
          </span>
        </div>
      )}
      {report.error && (
        <div className="error" data-testid="validation-error">
          The validation {report.status === 'failed' ? 'failed' : 'reported a problem'}: {report.error}
        </div>
      )}
      {report.matchRule && (
        <div className="ai-rule" data-testid="validation-match-rule">
          <span className="strong">Lesion match rule: </span>
          {report.matchRule}
        </div>
      )}

      {report.overall && (
        <>
          <h4 className="panel-title">Overall (95% bootstrap CI over cases)</h4>
          <table className="ai-table" data-testid="validation-overall">
            <thead>
              <tr>
                <th>Structure</th>
                <th>Mean Dice</th>
                <th>Mean IoU</th>
                <th>Cases</th>
              </tr>
            </thead>
            <tbody>
              {structures.map((s) => (
                <tr key={s.name} data-structure={s.name}>
                  <td className="strong">{s.name}</td>
                  <td>{ci95Text(s.meanDice, 3, true)}</td>
                  <td>{ci95Text(s.meanIou, 3, true)}</td>
                  <td>{s.cases}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {det && (
            <table className="ai-table" data-testid="validation-detection">
              <thead>
                <tr>
                  <th>Lesion detection</th>
                  <th>Sensitivity</th>
                  <th>Precision</th>
                  <th>F1</th>
                  <th>FP per case</th>
                  <th>TP / FN / FP</th>
                </tr>
              </thead>
              <tbody>
                <tr>
                  <td className="strong">all cases</td>
                  <td>{ci95Text(det.sensitivity, 2, true)}</td>
                  <td>{ci95Text(det.precision, 2, true)}</td>
                  <td>{fixed(det.f1)}</td>
                  <td>{ci95Text(det.falsePositivesPerCase, 2, true)}</td>
                  <td>
                    {det.truePositives} / {det.falseNegatives} / {det.falsePositives}
                  </td>
                </tr>
              </tbody>
            </table>
          )}
          {cls && (
            <div className="ai-classification" data-testid="validation-classification">
              <div>
                <h4 className="panel-title">Lesion type of the detected lesions</h4>
                <table className="ai-table ai-confusion" data-testid="confusion-matrix">
                  <thead>
                    <tr>
                      <th className="dim">reference ↓ / model →</th>
                      {cls.confusion.labels.map((l) => (
                        <th key={l}>{l}</th>
                      ))}
                    </tr>
                  </thead>
                  <tbody>
                    {cls.confusion.matrix.map((row, i) => (
                      <tr key={cls.confusion.labels[i]}>
                        <th scope="row">{cls.confusion.labels[i]}</th>
                        {row.map((n, j) => (
                          <td key={j} className={i === j ? 'ai-diagonal' : n > 0 ? 'warn-text' : 'dim'}>
                            {n}
                          </td>
                        ))}
                      </tr>
                    ))}
                  </tbody>
                </table>
                <div className="ai-summary">
                  <span>
                    sensitivity for {cls.positiveClass} <span className="strong">{fixed(cls.sensitivity)}</span>
                  </span>
                  <span>
                    specificity <span className="strong">{fixed(cls.specificity)}</span>
                  </span>
                </div>
              </div>
              <RocPlot classification={cls} />
            </div>
          )}
        </>
      )}

      {report.cases.length > 0 && (
        <>
          <h4 className="panel-title">Cases ({report.cases.length})</h4>
          <div className="ai-table-scroll">
            <table className="ai-table" data-testid="validation-cases">
              <thead>
                <tr>
                  <th>Case</th>
                  <th>Patient</th>
                  {caseStructures.map((s) => (
                    <th key={s} title="Dice and IoU; below: reference volume → model volume">
                      {s} Dice / IoU
                    </th>
                  ))}
                  <th>TP</th>
                  <th>FN</th>
                  <th>FP</th>
                  <th>Sens.</th>
                  <th>Prec.</th>
                  <th>F1</th>
                  <th>Provider</th>
                  <th>Time</th>
                </tr>
              </thead>
              <tbody>
                {report.cases.map((c) => (
                  <tr key={c.caseId} data-testid="validation-case" data-case-id={c.caseId}>
                    <td className="strong" title={c.referenceFile}>
                      {c.caseId}
                    </td>
                    <td>{c.patientId}</td>
                    {caseStructures.map((name) => {
                      const s = c.structures.find((x) => x.name === name);
                      if (!s) return <td key={name}>—</td>;
                      return (
                        <td key={name} title={`${name}: reference ${volumeText(s.referenceMl)}, model ${volumeText(s.predictedMl)}`}>
                          {s.bothEmpty ? <span className="dim">both empty</span> : `${fixed(s.dice, 3)} / ${fixed(s.iou, 3)}`}
                          <div className="dim ai-volumes">
                            {volumeText(s.referenceMl)} → {volumeText(s.predictedMl)}
                          </div>
                        </td>
                      );
                    })}
                    <td>{c.detection.truePositives}</td>
                    <td className={c.detection.falseNegatives ? 'warn-text' : undefined}>{c.detection.falseNegatives}</td>
                    <td className={c.detection.falsePositives ? 'warn-text' : undefined}>{c.detection.falsePositives}</td>
                    <td>{fixed(c.detection.sensitivity)}</td>
                    <td>{fixed(c.detection.precision)}</td>
                    <td>{fixed(c.detection.f1)}</td>
                    <td>{c.provider}</td>
                    <td>{durationText(c.durationMs)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </div>
  );
}

export function ValidationView() {
  const api = useApi();
  const { models } = useModels();
  const [list, setList] = useState<ValidationReport[]>([]);
  const [current, setCurrent] = useState<ValidationReport | null>(null);
  const [progress, setProgress] = useState<ValidationProgress | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [nonce, setNonce] = useState(0);

  useEffect(() => {
    let cancelled = false;
    api.listValidations().then(
      (reports) => {
        if (cancelled) return;
        setList(reports);
        setCurrent((c) => (c ? (reports.find((r) => r.id === c.id) ?? c) : (reports[0] ?? null)));
      },
      (e: unknown) => !cancelled && setError(`Could not list the validations: ${describeError(e)}`),
    );
    return () => {
      cancelled = true;
    };
  }, [api, nonce]);

  const currentId = current?.id ?? null;
  useEffect(
    () =>
      api.on('onValidationProgress', (e) => {
        if (e.validationId !== currentId) return;
        setProgress(e);
        if (e.status !== 'running') setNonce((n) => n + 1);
      }),
    [api, currentId],
  );
  // A missed event must not leave the page at "running" for ever.
  const running = current?.status === 'running';
  useEffect(() => {
    if (!running || currentId === null) return;
    const timer = window.setInterval(() => {
      api.getValidation(currentId).then(setCurrent, () => undefined);
    }, 4000);
    return () => window.clearInterval(timer);
  }, [api, running, currentId]);

  return (
    <div className="ai-validation" data-testid="validation-view">
      <div className="ai-validation-side">
        {models ? <FormView models={models} onStarted={(r) => { setProgress(null); setCurrent(r); setNonce((n) => n + 1); }} /> : <div className="dim">Loading the models…</div>}
        {error && <div className="error">{error}</div>}
        {list.length > 0 && (
          <div className="ai-past">
            <h4 className="panel-title">Validations</h4>
            <ul className="ai-past-list" data-testid="validation-list">
              {list.map((r) => (
                <li key={r.id}>
                  <button
                    type="button"
                    className={`ai-past-item${r.id === currentId ? ' selected' : ''}`}
                    onClick={() => {
                      setProgress(null);
                      setCurrent(r);
                    }}
                  >
                    <span className="strong">#{r.id}</span> {r.modelId} {r.modelVersion} <span className={`ai-status ai-status-${r.status}`}>{r.status}</span>
                    <span className="dim"> {dateTimeText(r.createdAt)} · {r.cases.length} cases</span>
                  </button>
                </li>
              ))}
            </ul>
          </div>
        )}
      </div>
      <div className="ai-validation-main">
        {current ? <ReportView report={current} progress={progress?.validationId === current.id ? progress : null} /> : <div className="empty">No validation yet. Choose a model and a cohort folder, then Validate.</div>}
      </div>
    </div>
  );
}
