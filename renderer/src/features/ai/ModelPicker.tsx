/**
 * Choose a model: the valid ones can be picked; the ones that failed a check are listed,
 * disabled, with what failed (the folder, the hash, the ONNX inputs…). The chosen model's
 * card says what it was made for and that it is not for clinical use.
 */
import type { ModelInfo } from '../../../../core/api/types';
import { fixed, modelErrorsText, modelKey, modelLabel, shortHash, sortModels } from './aiText';

export function ModelPicker(props: { models: ModelInfo[]; value: string; onChange(key: string): void; testId?: string; disabled?: boolean }) {
  const sorted = sortModels(props.models);
  return (
    <select
      className="ai-select"
      data-testid={props.testId ?? 'ai-model-select'}
      value={props.value}
      disabled={props.disabled}
      onChange={(event) => props.onChange(event.target.value)}
      title="Models in resources/models and in your models folder; each is checked (manifest, weights hash, ONNX inputs and outputs) before it can run"
    >
      {!props.value && <option value="">Choose a model…</option>}
      {sorted.map((m) => (
        <option key={modelKey(m)} value={modelKey(m)} disabled={!m.valid} title={m.valid ? m.folder : modelErrorsText(m)} data-valid={m.valid}>
          {modelLabel(m)}
          {m.valid ? '' : ' — cannot be used'}
        </option>
      ))}
    </select>
  );
}

/** The invalid models and why, folded: a model dropped into the folder must not vanish silently. */
export function InvalidModels({ models }: { models: ModelInfo[] }) {
  const invalid = models.filter((m) => !m.valid);
  if (!invalid.length) return null;
  return (
    <details className="ai-invalid" data-testid="ai-invalid-models">
      <summary className="warn-text">
        {invalid.length} model{invalid.length === 1 ? '' : 's'} cannot be used
      </summary>
      <ul>
        {invalid.map((m) => (
          <li key={modelKey(m)} data-testid="ai-invalid-model" data-model-id={m.id} title={modelErrorsText(m)}>
            <span className="strong">{modelLabel(m)}</span> <span className="dim">{m.folder}</span>
            <ul className="ai-errors">
              {m.errors.map((e) => (
                <li key={e} className="error-text">
                  {e}
                </li>
              ))}
            </ul>
          </li>
        ))}
      </ul>
    </details>
  );
}

/** The model card: intended use, training data, test Dice, and the clinical-use warning. */
export function ModelCard({ model, ...props }: { model: ModelInfo; expanded?: boolean }) {
  const card = model.card ?? {};
  const lesionLabels = model.labels.filter((l) => l.role !== 'background').map((l) => (l.role === 'organ' ? `${l.name} (organ)` : (l.lesionType ?? l.name)));
  const notClinical = card.notForClinicalUse !== false;
  return (
    <div className="ai-card" data-testid="ai-model-card" data-model-id={model.id}>
      {notClinical && (
        <div className="ai-not-clinical" data-testid="ai-not-clinical" title="This model has not been cleared as a medical device. Every proposal must be checked by a radiologist.">
          Research use only — not for clinical use
        </div>
      )}
      <dl className="ai-dl">
        <dt>Intended use</dt>
        <dd data-testid="ai-intended-use">{card.intendedUse ?? <span className="warn-text">not stated in the model card</span>}</dd>
      </dl>
      <details className="ai-card-more" open={props.expanded}>
        <summary className="dim">Model card</summary>
        <dl className="ai-dl">
          {card.trainedOn && (
            <>
              <dt>Trained on</dt>
              <dd>{card.trainedOn}</dd>
            </>
          )}
          {typeof card.testDice === 'number' && (
            <>
              <dt>Test Dice</dt>
              <dd>{fixed(card.testDice)}</dd>
            </>
          )}
          <dt>Finds</dt>
          <dd>{lesionLabels.join(', ') || '—'}</dd>
          <dt>Weights</dt>
          <dd title={model.sha256}>
            sha256 {shortHash(model.sha256)} · {(model.sizeBytes / 1e6).toFixed(1)} MB · {model.source === 'app' ? 'shipped' : 'added'}
          </dd>
          <dt>Folder</dt>
          <dd>{model.folder}</dd>
        </dl>
      </details>
    </div>
  );
}
