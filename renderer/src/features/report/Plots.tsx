/**
 * Tumor-board plots in hand-written SVG: spider (per-target % change from baseline),
 * waterfall (best change per target lesion and of the sum) and volume over time.
 * Every number comes from plotData.ts; this file only draws. The viewBox scales with the
 * panel, so text stays legible when the panel is widened for the room screen.
 */
import type { ReactNode } from 'react';
import type { LesionTable } from '../../../../core/api/types';
import { signedPct } from '../../../../core/recist/format';
import {
  PD_THRESHOLD_PCT,
  PR_THRESHOLD_PCT,
  datedExams,
  lesionColour,
  linearScale,
  niceTicks,
  pointsAttribute,
  spiderLines,
  spreadLabels,
  thinTicks,
  volumeLines,
  waterfallBars,
  type ExamPoint,
} from '../../../../core/report/plotData';
import { mlText } from '../../../../core/report/tableText';

// Small viewBox, large type: the plot is drawn about this wide, so 12–13 units stay legible.
const W = 460;
const H = 270;
const M = { left: 46, right: 84, top: 14, bottom: 34 };
const X0 = M.left;
const X1 = W - M.right;
const Y0 = M.top;
const Y1 = H - M.bottom;

interface Axes {
  x: (day: number) => number;
  y: (v: number) => number;
  yTicks: number[];
}

function timeScale(exams: ExamPoint[]): (day: number) => number {
  const days = exams.map((e) => e.day);
  const lo = Math.min(...days);
  const hi = Math.max(...days);
  const pad = Math.max(7, (hi - lo) * 0.04);
  return linearScale(lo - pad, hi + pad, X0, X1);
}

function pctAxis(values: number[], x: (day: number) => number): Axes {
  // Always show 0 and both RECIST thresholds; never below −100% (a lesion cannot shrink further).
  const lo = Math.max(-100, Math.min(-40, ...values.map((v) => v - 8)));
  const hi = Math.max(30, ...values.map((v) => v + 8));
  const yTicks = niceTicks(lo, hi, 6);
  return { x, y: linearScale(yTicks[0], yTicks[yTicks.length - 1], Y1, Y0), yTicks };
}

function YGrid({ axes, unit }: { axes: Axes; unit: '%' | 'mL' }) {
  return (
    <g className="plot-grid">
      {axes.yTicks.map((t) => (
        <g key={t}>
          <line x1={X0} x2={X1} y1={axes.y(t)} y2={axes.y(t)} className={t === 0 ? 'plot-zero' : 'plot-gridline'} />
          <text x={X0 - 6} y={axes.y(t) + 4} textAnchor="end" className="plot-tick">
            {unit === '%' ? `${t > 0 ? '+' : ''}${t}%` : t}
          </text>
        </g>
      ))}
      {unit === 'mL' && (
        <text x={12} y={(Y0 + Y1) / 2} className="plot-tick" transform={`rotate(-90 12 ${(Y0 + Y1) / 2})`} textAnchor="middle">
          mL
        </text>
      )}
    </g>
  );
}

function TimeTicks({ exams, x }: { exams: ExamPoint[]; x: (day: number) => number }) {
  const ticks = thinTicks(
    exams.map((e) => ({ ...e, x: x(e.day) })),
    76,
  );
  return (
    <g className="plot-time">
      {ticks.map((t) => (
        <g key={t.studyRowId}>
          <line x1={t.x} x2={t.x} y1={Y1} y2={Y1 + 4} className="plot-axis" />
          <text x={t.x} y={Y1 + 17} textAnchor="middle" className="plot-tick">
            {t.date}
          </text>
        </g>
      ))}
      <line x1={X0} x2={X1} y1={Y1} y2={Y1} className="plot-axis" />
    </g>
  );
}

/** Dashed PR/PD lines; labels left inside the plot, or in the right margin where bars start at the left. */
function Thresholds({ axes, labels = 'left' }: { axes: Axes; labels?: 'left' | 'right' }) {
  const lx = labels === 'left' ? X0 + 4 : X1 + 6;
  return (
    <g className="plot-thresholds">
      <line x1={X0} x2={X1} y1={axes.y(PD_THRESHOLD_PCT)} y2={axes.y(PD_THRESHOLD_PCT)} className="plot-ref plot-ref-pd" data-testid="ref-line-pd" />
      <text x={lx} y={axes.y(PD_THRESHOLD_PCT) + (labels === 'left' ? -4 : 4)} className="plot-ref-label plot-ref-pd-text">
        +20% PD
      </text>
      <line x1={X0} x2={X1} y1={axes.y(PR_THRESHOLD_PCT)} y2={axes.y(PR_THRESHOLD_PCT)} className="plot-ref plot-ref-pr" data-testid="ref-line-pr" />
      <text x={lx} y={axes.y(PR_THRESHOLD_PCT) + (labels === 'left' ? 13 : 4)} className="plot-ref-label plot-ref-pr-text">
        −30% PR
      </text>
    </g>
  );
}

function Figure({ testId, title, caption, children, empty }: { testId: string; title: string; caption: ReactNode; children: ReactNode; empty: string | null }) {
  return (
    <figure className="plot" data-testid={testId} data-empty={empty !== null}>
      <figcaption className="plot-title">{title}</figcaption>
      {empty !== null ? (
        <div className="plot-empty">{empty}</div>
      ) : (
        <svg viewBox={`0 0 ${W} ${H}`} className="plot-svg" role="img" aria-label={title}>
          {children}
        </svg>
      )}
      <div className="plot-caption dim">{caption}</div>
    </figure>
  );
}

export interface PlotsProps {
  data: LesionTable;
  /** Lesion id → colour index, shared by every plot and the legend. */
  colourIndex: Map<number, number>;
}

export function SpiderPlot({ data, colourIndex }: PlotsProps) {
  const tooSmallMm = data.assessment.recist?.options.tooSmallMm;
  const lines = spiderLines(data.table, tooSmallMm);
  const exams = datedExams(data.table);
  const empty = !lines.length ? 'No target lesion is measured yet. Mark lesions as targets and measure them on each exam.' : null;
  const x = exams.length ? timeScale(exams) : () => X0;
  const axes = pctAxis(lines.flatMap((l) => l.points.map((p) => p.pct)), x);
  const ends = lines.map((l) => axes.y(l.points[l.points.length - 1].pct));
  const labelY = spreadLabels(ends, 14, Y0 + 6, Y1 - 2);
  return (
    <Figure
      testId="spider-plot"
      title="Spider plot — change of each target lesion from its baseline diameter"
      caption="Long axis for non-nodal lesions, short axis for nodes (RECIST 1.1); too small = 5 mm, disappeared = −100%. Dashed: PR (−30%) and PD (+20%) thresholds."
      empty={empty}
    >
      <YGrid axes={axes} unit="%" />
      <Thresholds axes={axes} />
      <TimeTicks exams={exams} x={x} />
      {lines.map((l, i) => {
        const colour = lesionColour(colourIndex.get(l.lesionId) ?? i);
        const pts = l.points.map((p) => [x(p.day), axes.y(p.pct)] as const);
        const last = pts[pts.length - 1];
        const lastPct = l.points[l.points.length - 1].pct;
        return (
          <g
            key={l.lesionId}
            data-testid="spider-line"
            data-lesion-label={l.label}
            data-points={pointsAttribute(l.points.map((p) => ({ date: p.date, value: p.pct })))}
            style={{ color: colour }}
          >
            <polyline points={pts.map((p) => p.join(',')).join(' ')} className="plot-line" />
            {l.points.map((p, k) => (
              <circle key={p.studyRowId} cx={pts[k][0]} cy={pts[k][1]} r={4.5} className={p.status === 'measured' ? 'plot-dot' : 'plot-dot hollow'}>
                <title>
                  {l.label} {p.date}: {p.status === 'measured' ? `${p.diameterMm.toFixed(1)} mm` : p.status === 'too-small' ? `too small (${p.diameterMm} mm)` : 'disappeared'} ({signedPct(p.pct)})
                </title>
              </circle>
            ))}
            <text x={last[0] + 8} y={labelY[i] + 4} className="plot-end-label">
              {l.label} {signedPct(lastPct)}
            </text>
          </g>
        );
      })}
    </Figure>
  );
}

export function WaterfallPlot({ data }: PlotsProps) {
  const tooSmallMm = data.assessment.recist?.options.tooSmallMm;
  const bars = waterfallBars(spiderLines(data.table, tooSmallMm), data.assessment);
  const empty = !bars.length ? 'Needs a target lesion measured on a baseline and a follow-up exam.' : null;
  const axes = pctAxis(
    bars.map((b) => b.bestPct),
    () => X0,
  );
  const band = (X1 - X0) / Math.max(1, bars.length);
  const barW = Math.min(46, band * 0.7);
  const y0 = axes.y(0);
  return (
    <Figure
      testId="waterfall-plot"
      title="Waterfall — best change from baseline per target lesion"
      caption="Most negative change over the follow-up exams, worst to best. Green ≤ −30% (PR threshold), red ≥ +20% (PD threshold); “Sum” is the RECIST sum of diameters. Per-lesion bars illustrate; the response is that of the sum."
      empty={empty}
    >
      <YGrid axes={axes} unit="%" />
      <Thresholds axes={axes} labels="right" />
      {bars.map((b, i) => {
        const cx = X0 + band * (i + 0.5);
        const yv = axes.y(b.bestPct);
        const top = Math.min(y0, yv);
        const height = Math.max(1, Math.abs(yv - y0));
        const below = b.bestPct < 0;
        return (
          <g key={b.key} data-testid="waterfall-bar" data-label={b.label} data-pct={b.bestPct.toFixed(1)} data-category={b.category}>
            <rect x={cx - barW / 2} y={top} width={barW} height={height} className={`wf-bar wf-${b.category.toLowerCase()}${b.kind === 'sum' ? ' wf-sum' : ''}`}>
              <title>
                {b.label}: {signedPct(b.bestPct)} on {b.date}
              </title>
            </rect>
            <text x={cx} y={below ? yv + 14 : yv - 5} textAnchor="middle" className="plot-value">
              {signedPct(b.bestPct)}
            </text>
            <text x={cx} y={below ? y0 - 6 : y0 + 15} textAnchor="middle" className={`plot-bar-label${b.kind === 'sum' ? ' strong' : ''}`}>
              {b.label}
            </text>
          </g>
        );
      })}
    </Figure>
  );
}

export function VolumePlot({ data, colourIndex }: PlotsProps) {
  const lines = volumeLines(data.table);
  const exams = datedExams(data.table);
  const empty = !lines.length ? 'No lesion volumes yet: segment a lesion to follow its volume.' : null;
  const x = exams.length ? timeScale(exams) : () => X0;
  const maxMl = Math.max(1, ...lines.flatMap((l) => l.points.map((p) => p.volumeMl)));
  const yTicks = niceTicks(0, maxMl * 1.08, 5);
  const axes: Axes = { x, y: linearScale(0, yTicks[yTicks.length - 1], Y1, Y0), yTicks };
  const ends = lines.map((l) => axes.y(l.points[l.points.length - 1].volumeMl));
  const labelY = spreadLabels(ends, 14, Y0 + 6, Y1 - 2);
  return (
    <Figure testId="volume-plot" title="Volume over time per lesion" caption="Volumes from the lesion masks; 0 mL where a lesion disappeared. Doubling times are in the Table tab." empty={empty}>
      <YGrid axes={axes} unit="mL" />
      <TimeTicks exams={exams} x={x} />
      {lines.map((l, i) => {
        const colour = lesionColour(colourIndex.get(l.lesionId) ?? i);
        const pts = l.points.map((p) => [x(p.day), axes.y(p.volumeMl)] as const);
        const last = pts[pts.length - 1];
        return (
          <g
            key={l.lesionId}
            data-testid="volume-line"
            data-lesion-label={l.label}
            data-points={pointsAttribute(l.points.map((p) => ({ date: p.date, value: p.volumeMl })), 2)}
            style={{ color: colour }}
          >
            <polyline points={pts.map((p) => p.join(',')).join(' ')} className="plot-line" />
            {l.points.map((p, k) => (
              <circle key={p.studyRowId} cx={pts[k][0]} cy={pts[k][1]} r={4.5} className="plot-dot">
                <title>
                  {l.label} {p.date}: {mlText(p.volumeMl)}
                </title>
              </circle>
            ))}
            <text x={last[0] + 8} y={labelY[i] + 4} className="plot-end-label">
              {l.label} {mlText(l.points[l.points.length - 1].volumeMl)}
            </text>
          </g>
        );
      })}
    </Figure>
  );
}

export function PlotsView(props: PlotsProps) {
  return (
    <div className="plots" data-testid="plots">
      <SpiderPlot {...props} />
      <WaterfallPlot {...props} />
      <VolumePlot {...props} />
    </div>
  );
}
