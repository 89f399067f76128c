/**
 * The model page's plots in hand-written SVG, drawn like the tumor-board plots
 * (features/report/Plots.tsx: the same plot-* classes, small viewBox, large type): the ROC
 * curve of a validation with its AUC and partial AUC, the agreement of a model's masks
 * with the radiologists' final masks over time, and beside it the model's errors over time
 * (sensitivity, false positives per exam). Numbers come from modelPlotData.ts.
 */
import type { ReactNode } from 'react';
import type { ModelMonitoring } from '../../../../core/api/domains/ai';
import type { ValidationReport } from '../../../../core/api/types';
import { ci95Text, dateTimeText, fixed } from './aiText';
import {
  areaPolygon,
  countMax,
  countTicks,
  dailyMeans,
  dayDomain,
  dayTicks,
  dayToIsoDate,
  linearScale,
  rocCurve,
  trendPoints,
  type AgreementSeries,
  type TrendKey,
} from './modelPlotData';

function Figure({ testId, title, caption, children, viewBox, data }: { testId: string; title: string; caption: ReactNode; children: ReactNode; viewBox: string; data?: Record<string, string> }) {
  return (
    <figure className="plot" data-testid={testId} {...data}>
      <figcaption className="plot-title">{title}</figcaption>
      <svg viewBox={viewBox} className="plot-svg" role="img" aria-label={title}>
        {children}
      </svg>
      <div className="plot-caption dim">{caption}</div>
    </figure>
  );
}

const UNIT_TICKS = [0, 0.2, 0.4, 0.6, 0.8, 1];

type Classification = NonNullable<NonNullable<ValidationReport['overall']>['classification']>;

/** The date ticks under a plot over time, its baseline and its rotated y-axis label. */
function TimeAxes({ ticks, x, baseY, topY, label, left, right }: { ticks: number[]; x: (day: number) => number; baseY: number; topY: number; label: string; left: number; right: number }) {
  return (
    <>
      {ticks.map((d) => (
        <g key={d}>
          <line x1={x(d)} x2={x(d)} y1={baseY} y2={baseY + 4} className="plot-axis" />
          <text x={x(d)} y={baseY + 17} textAnchor="middle" className="plot-tick">
            {dayToIsoDate(d).slice(5)}
          </text>
        </g>
      ))}
      <line x1={left} x2={right} y1={baseY} y2={baseY} className="plot-axis" />
      <text x={12} y={(baseY + topY) / 2} transform={`rotate(-90 12 ${(baseY + topY) / 2})`} textAnchor="middle" className="plot-tick">
        {label}
      </text>
    </>
  );
}

export function RocPlot({ classification }: { classification: Classification }) {
  const W = 330;
  const H = 310;
  const M = { left: 48, right: 14, top: 12, bottom: 44 };
  const x = linearScale(0, 1, M.left, W - M.right);
  const y = linearScale(0, 1, H - M.bottom, M.top);
  const curve = rocCurve(classification.roc);
  const maxFpr = classification.partialAuc?.maxFpr ?? null;
  const area = maxFpr !== null ? areaPolygon(curve, maxFpr) : null;
  const auc = classification.auc;
  return (
    <Figure
      testId="roc-plot"
      viewBox={`0 0 ${W} ${H}`}
      title={`ROC — ${classification.positiveClass} vs ${classification.negativeClass}`}
      data={{ 'data-auc': auc ? auc.value.toFixed(3) : '', 'data-points': String(curve.length) }}
      caption={
        <>
          <span data-testid="roc-auc">AUC {ci95Text(auc)}</span>
          {classification.partialAuc && (
            <span data-testid="roc-pauc">
              {' '}
              · partial AUC for FPR ≤ {classification.partialAuc.maxFpr}: {fixed(classification.partialAuc.raw, 3)} (standardized {fixed(classification.partialAuc.standardized, 2)}, McClish)
            </span>
          )}
          . Detected lesions only, scored by the model’s probability of {classification.positiveClass}. Dashed: chance.
        </>
      }
    >
      <g className="plot-grid">
        {UNIT_TICKS.map((t) => (
          <g key={t}>
            <line x1={x(0)} x2={x(1)} y1={y(t)} y2={y(t)} className="plot-gridline" />
            <line x1={x(t)} x2={x(t)} y1={y(0)} y2={y(1)} className="plot-gridline" />
            <text x={x(0) - 6} y={y(t) + 4} textAnchor="end" className="plot-tick">
              {t.toFixed(1)}
            </text>
            <text x={x(t)} y={y(0) + 16} textAnchor="middle" className="plot-tick">
              {t.toFixed(1)}
            </text>
          </g>
        ))}
        <text x={(x(0) + x(1)) / 2} y={H - 6} textAnchor="middle" className="plot-tick">
          1 − specificity (FPR)
        </text>
        <text x={12} y={(y(0) + y(1)) / 2} transform={`rotate(-90 12 ${(y(0) + y(1)) / 2})`} textAnchor="middle" className="plot-tick">
          sensitivity (TPR)
        </text>
      </g>
      {area && <polygon points={area.map(([f, t]) => `${x(f)},${y(t)}`).join(' ')} className="ai-roc-area" data-testid="roc-pauc-area" />}
      {maxFpr !== null && <line x1={x(maxFpr)} x2={x(maxFpr)} y1={y(0)} y2={y(1)} className="plot-ref ai-roc-maxfpr" />}
      <line x1={x(0)} y1={y(0)} x2={x(1)} y2={y(1)} className="plot-ref ai-roc-chance" />
      <line x1={x(0)} x2={x(1)} y1={y(0)} y2={y(0)} className="plot-axis" />
      <line x1={x(0)} x2={x(0)} y1={y(0)} y2={y(1)} className="plot-axis" />
      <g className="ai-roc-curve">
        <polyline points={curve.map((p) => `${x(p.fpr)},${y(p.tpr)}`).join(' ')} className="plot-line" data-testid="roc-line" />
        {curve
          .filter((p) => Number.isFinite(p.threshold))
          .map((p, i) => (
            <circle key={i} cx={x(p.fpr)} cy={y(p.tpr)} r={3} className="plot-dot">
              <title>
                threshold {fixed(p.threshold, 3)}: sensitivity {fixed(p.tpr)}, specificity {fixed(1 - p.fpr)}
              </title>
            </circle>
          ))}
      </g>
      {auc && (
        <text x={x(0.97)} y={y(0.06)} textAnchor="end" className="plot-end-label ai-roc-label">
          AUC {fixed(auc.value)}
        </text>
      )}
    </Figure>
  );
}

export function AgreementPlot({ series }: { series: AgreementSeries }) {
  const W = 460;
  const H = 240;
  const M = { left: 46, right: 84, top: 12, bottom: 34 };
  const domain = dayDomain(series.points.map((p) => p.day));
  const x = linearScale(domain[0], domain[1], M.left, W - M.right);
  const y = linearScale(0, 1, H - M.bottom, M.top);
  const ticks = dayTicks(domain, 5);
  const means = dailyMeans(series.points);
  return (
    <Figure
      testId="agreement-plot"
      viewBox={`0 0 ${W} ${H}`}
      title={`Agreement of ${series.modelId} with the final masks`}
      data={{
        'data-model-id': series.modelId,
        'data-mean': series.meanDice === null ? '' : series.meanDice.toFixed(2),
        'data-points': series.points.map((p) => `${p.proposalId}:${p.dice.toFixed(2)}`).join(';'),
      }}
      caption={
        <>
          Dice between the model’s mask and the mask the radiologist kept, one dot per accepted proposal (filled: accepted as drawn; hollow: edited). Line: mean per day; dashed: mean of all ({fixed(series.meanDice)}).
        </>
      }
    >
      <g className="plot-grid">
        {UNIT_TICKS.map((t) => (
          <g key={t}>
            <line x1={M.left} x2={W - M.right} y1={y(t)} y2={y(t)} className="plot-gridline" />
            <text x={M.left - 6} y={y(t) + 4} textAnchor="end" className="plot-tick">
              {t.toFixed(1)}
            </text>
          </g>
        ))}
        <TimeAxes ticks={ticks} x={x} baseY={y(0)} topY={y(1)} label="Dice" left={M.left} right={W - M.right} />
      </g>
      {series.meanDice !== null && (
        <>
          <line x1={M.left} x2={W - M.right} y1={y(series.meanDice)} y2={y(series.meanDice)} className="plot-ref ai-mean-line" data-testid="agreement-mean-line" />
          <text x={W - M.right + 4} y={y(series.meanDice) + 4} className="plot-ref-label ai-mean-label">
            mean {fixed(series.meanDice)}
          </text>
        </>
      )}
      <g className="ai-agreement">
        {means.length > 1 && <polyline points={means.map((m) => `${x(m.day)},${y(m.meanDice)}`).join(' ')} className="plot-line" />}
        {series.points.map((p) => (
          <circle key={p.proposalId} cx={x(p.day)} cy={y(p.dice)} r={4.5} className={p.edited ? 'plot-dot hollow' : 'plot-dot'} data-testid="agreement-dot" data-dice={p.dice.toFixed(2)}>
            <title>
              proposal {p.proposalId} ({p.modelVersion}) {dateTimeText(p.at)}: Dice {fixed(p.dice)}
              {p.edited ? ' after an edit' : ', accepted as drawn'}
            </title>
          </circle>
        ))}
      </g>
    </Figure>
  );
}

const TREND: Record<TrendKey, { title: string; axis: string; testId: string; className: string; caption: string }> = {
  sensitivity: {
    title: 'Sensitivity',
    axis: 'sensitivity',
    testId: 'sensitivity-plot',
    className: 'ai-trend-sensitivity',
    caption:
      'Lesions the model found of those the reader kept (accepted proposals ÷ accepted + lesions the reader added that the model missed), one dot per exam (none for an exam with no lesion: undefined there). Line: running value over the exams so far.',
  },
  falsePositivesPerExam: {
    title: 'False positives per exam',
    axis: 'false positives',
    testId: 'fp-plot',
    className: 'ai-trend-fp',
    caption: 'Proposals the reader rejected (or later found not to be a lesion), one dot per exam. Line: running mean per exam over the exams so far.',
  },
};

/** Sensitivity or false positives per exam over time, one dot per reviewed run, with the running value as a line. */
export function TrendPlot({ model, metric }: { model: ModelMonitoring; metric: TrendKey }) {
  const W = 460;
  const H = 240;
  const M = { left: 46, right: 84, top: 12, bottom: 34 };
  const t = TREND[metric];
  const points = trendPoints(model, metric);
  const domain = dayDomain(points.map((p) => p.day));
  const x = linearScale(domain[0], domain[1], M.left, W - M.right);
  const top = metric === 'sensitivity' ? 1 : countMax(points.flatMap((p) => [p.value, p.cumulative]));
  const y = linearScale(0, top, H - M.bottom, M.top);
  const yTicks = metric === 'sensitivity' ? UNIT_TICKS : countTicks(top);
  const ticks = dayTicks(domain, 5);
  const line = points.filter((p) => p.cumulative !== null);
  const total = model.totals[metric];
  const label = (v: number) => (metric === 'sensitivity' ? v.toFixed(1) : String(v));
  return (
    <Figure
      testId={t.testId}
      viewBox={`0 0 ${W} ${H}`}
      title={`${t.title} of ${model.modelId} over time`}
      data={{
        'data-model-id': model.modelId,
        'data-total': total === null ? '' : total.toFixed(2),
        'data-points': points.map((p) => `${p.runId}:${p.value === null ? '' : p.value.toFixed(2)}`).join(';'),
      }}
      caption={t.caption}
    >
      <g className="plot-grid">
        {yTicks.map((v) => (
          <g key={v}>
            <line x1={M.left} x2={W - M.right} y1={y(v)} y2={y(v)} className="plot-gridline" />
            <text x={M.left - 6} y={y(v) + 4} textAnchor="end" className="plot-tick">
              {label(v)}
            </text>
          </g>
        ))}
        <TimeAxes ticks={ticks} x={x} baseY={y(0)} topY={y(top)} label={t.axis} left={M.left} right={W - M.right} />
      </g>
      {total !== null && (
        <text x={W - M.right + 4} y={y(total) + 4} className="plot-ref-label ai-mean-label">
          all {fixed(total)}
        </text>
      )}
      <g className={t.className}>
        {line.length > 1 && <polyline points={line.map((p) => `${x(p.day)},${y(p.cumulative!)}`).join(' ')} className="plot-line" />}
        {points.map((p) =>
          p.value === null ? null : (
            <circle key={p.runId} cx={x(p.day)} cy={y(p.value)} r={4.5} className="plot-dot" data-testid={`${t.testId}-dot`} data-value={p.value.toFixed(2)}>
              <title>
                run {p.runId} on series {p.seriesId}, {dateTimeText(p.at)}: {t.title.toLowerCase()} {fixed(p.value)} — {p.detail}; so far {fixed(p.cumulative)}
              </title>
            </circle>
          ),
        )}
      </g>
    </Figure>
  );
}
