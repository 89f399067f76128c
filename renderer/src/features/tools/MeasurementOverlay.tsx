/**
 * Measurements on a slice view, in SVG over the image: lines and outlines with a dark
 * halo (readable on bone and on air), handles, the readout beside each, the one being
 * drawn, the brush outline, and a delete button by the selected measurement.
 */
import { useStore } from '../../app/createStore';
import { toolStore } from './toolStore';
import { type SliceViewState, pixelsPerMm } from '../viewer';
import type { Px } from './hitTest';
import { LABEL_LINE_PX, layoutMeasurement, type LaidOutMeasurement } from './measurementLayout';
import { measurementLines } from './measurementText';
import { liveFigures, textWidthPx, type ToolController } from './toolController';

const pathD = (points: Px[], closed: boolean): string =>
  points.map((p, i) => `${i === 0 ? 'M' : 'L'}${p[0].toFixed(1)},${p[1].toFixed(1)}`).join(' ') + (closed ? ' Z' : '');

function DrawnMeasurement({ item, state }: { item: LaidOutMeasurement; state: 'saved' | 'selected' | 'draft' }) {
  return (
    <g
      className={`measurement measurement-${state}`}
      data-testid={state === 'draft' ? 'measurement-draft' : 'measurement'}
      data-measurement-id={state === 'draft' ? undefined : item.id}
      data-kind={item.kind}
      data-selected={state === 'selected' ? 'true' : undefined}
    >
      {item.paths.map((path, i) => (
        <g key={i}>
          <path className="measurement-halo" d={pathD(path.points, path.closed)} />
          <path className="measurement-line" d={pathD(path.points, path.closed)} />
        </g>
      ))}
      {item.leaderPx && (
        <line className="measurement-leader" x1={item.leaderPx[0][0]} y1={item.leaderPx[0][1]} x2={item.leaderPx[1][0]} y2={item.leaderPx[1][1]} />
      )}
      {item.handlesPx.map((h, i) => (
        <circle key={i} className="measurement-handle" cx={h[0]} cy={h[1]} r={state === 'selected' ? 4.5 : 3.5} data-handle={i} />
      ))}
      {item.lines.map((line, i) => (
        <text
          key={i}
          className={i === 0 ? 'measurement-text measurement-headline' : 'measurement-text measurement-stats'}
          data-testid={i === 0 ? 'measurement-label' : 'measurement-stats'}
          x={item.labelPx[0]}
          y={item.labelPx[1] + i * LABEL_LINE_PX}
        >
          {line}
        </text>
      ))}
    </g>
  );
}

export function MeasurementOverlay({ view, controller }: { view: SliceViewState; controller: ToolController }) {
  // Subscriptions: the layout below reads these from the store.
  const measurements = useStore(toolStore, (s) => s.measurementsBySeries[view.seriesId]);
  const edit = useStore(toolStore, (s) => s.edit);
  const selectedId = useStore(toolStore, (s) => s.selectedMeasurementId);
  const labels = useStore(toolStore, (s) => s.lesionLabels);
  const draft = useStore(toolStore, (s) => s.draft);
  const hover = useStore(toolStore, (s) => s.hover);
  const tool = useStore(toolStore, (s) => s.tool);
  const brushRadiusMm = useStore(toolStore, (s) => s.brushRadiusMm);
  void measurements;
  void edit;
  void labels;

  const items = controller.layout(view);
  const [w, h] = view.camera.viewportPx;
  const draftHere = draft && draft.group === view.group && draft.view === view.kind && draft.seriesId === view.seriesId ? draft : null;
  const draftItem = draftHere
    ? layoutMeasurement(view.camera, -1, draftHere.kind, draftHere.pointsLps, (() => {
        const f = liveFigures(draftHere.kind, draftHere.pointsLps, view);
        return f ? measurementLines('', draftHere.kind, f) : [];
      })(), textWidthPx)
    : null;
  const selected = items.find((m) => m.id === selectedId) ?? null;
  const brushHere =
    (tool === 'brush' || tool === 'eraser') && hover && hover.group === view.group && hover.view === view.kind ? hover.canvasPx : null;

  return (
    <div className="tool-layer">
      <svg width={w} height={h} className="measurement-svg" data-testid={`measurements-${view.kind}${view.group === 'b' ? '-b' : ''}`}>
        {items.map((item) => (
          <DrawnMeasurement key={item.id} item={item} state={item.id === selectedId ? 'selected' : 'saved'} />
        ))}
        {draftItem && <DrawnMeasurement item={draftItem} state="draft" />}
        {brushHere && (
          <circle
            className={`brush-outline brush-${tool}`}
            data-testid="brush-outline"
            cx={brushHere[0]}
            cy={brushHere[1]}
            r={Math.max(1, brushRadiusMm * pixelsPerMm(view.camera))}
          />
        )}
      </svg>
      {selected && (
        <button
          type="button"
          className="measurement-delete"
          data-testid="measurement-delete"
          title="Delete this measurement (Del) — Ctrl+Z brings it back"
          style={{ left: Math.min(selected.labelPx[0] + textWidthPx(selected.lines[0] ?? '') + 6, w - 20), top: Math.max(selected.labelBox.y - 1, 2) }}
          onPointerDown={(event) => event.stopPropagation()}
          onClick={() => void controller.deleteSelected()}
        >
          ×
        </button>
      )}
    </div>
  );
}
