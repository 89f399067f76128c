/**
 * The model page, over the reading area (the open series stays loaded underneath):
 * "Models" (every model found, its card and checks), "Validation" (a model measured on a
 * local cohort) and "Monitoring" (agreement of its masks with the radiologists' over time,
 * and its errors: rejections, misses, sensitivity and false positives per exam).
 */
import { useEffect, useState } from 'react';
import { aiActions, aiStore } from './aiStore';
import { useStore } from '../../app/createStore';
import { modelKey, sortModels } from './aiText';
import { InvalidModels, ModelCard } from './ModelPicker';
import { MonitoringView } from './MonitoringView';
import { useModels } from './useAiData';
import { ValidationView } from './ValidationView';

type Tab = 'models' | 'validation' | 'monitoring';
const TABS: { id: Tab; label: string }[] = [
  { id: 'models', label: 'Models' },
  { id: 'validation', label: 'Validation' },
  { id: 'monitoring', label: 'Monitoring' },
];

function ModelsView() {
  const { models, error, reload } = useModels();
  const valid = sortModels(models ?? []).filter((m) => m.valid);
  return (
    <div className="ai-models" data-testid="models-view">
      <div className="ai-row">
        <span className="dim">Models in resources/models and in your models folder. Each is checked before it can run: manifest, weights hash, ONNX inputs and outputs.</span>
        <button type="button" className="icon-button" onClick={reload} title="Look again">
          ↻
        </button>
      </div>
      {error && <div className="error">{error}</div>}
      <div className="ai-model-cards">
        {valid.map((m) => (
          <section key={modelKey(m)} className="ai-model-block">
            <h3 className="ai-h3">
              {m.id} <span className="dim">{m.version}</span>
            </h3>
            <ModelCard model={m} expanded />
          </section>
        ))}
      </div>
      {models && <InvalidModels models={models} />}
    </div>
  );
}

export function ModelPage() {
  const page = useStore(aiStore, (s) => s.page);
  const [tab, setTab] = useState<Tab>('validation');
  useEffect(() => {
    if (page !== 'models') return;
    const onKey = (event: KeyboardEvent) => {
      const t = event.target as HTMLElement | null;
      if (event.key === 'Escape' && !(t instanceof HTMLInputElement || t instanceof HTMLSelectElement || t instanceof HTMLTextAreaElement)) aiActions.showPage('reading');
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [page]);
  if (page !== 'models') return null;
  return (
    <section className="model-page" data-testid="model-page" data-tab={tab} aria-label="Models: validation and monitoring">
      <header className="model-page-head">
        <span className="strong model-page-title">AI models</span>
        <div className="dock-tabs model-page-tabs" role="tablist">
          {TABS.map((t) => (
            <button
              key={t.id}
              type="button"
              role="tab"
              aria-selected={tab === t.id}
              className={`dock-tab${tab === t.id ? ' active' : ''}`}
              data-testid={`model-tab-${t.id}`}
              onClick={() => setTab(t.id)}
            >
              {t.label}
            </button>
          ))}
        </div>
        <span className="ai-not-clinical small">Research use only — not for clinical use</span>
        <span className="dock-spacer" />
        <button type="button" className="button" data-testid="model-page-close" onClick={() => aiActions.showPage('reading')} title="Back to the images (Esc)">
          ← Back to the images
        </button>
      </header>
      <div className="model-page-body">
        {tab === 'models' && <ModelsView />}
        {tab === 'validation' && <ValidationView />}
        {tab === 'monitoring' && <MonitoringView />}
      </div>
    </section>
  );
}
