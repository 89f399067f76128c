/**
 * Segmentation settings and commands, shown while a segmentation tool is active (or a
 * mask has unsaved edits): the target (the selected lesion or the liver), brush size,
 * HU-limited painting, region-growing tolerance, interpolation, save, measure, and the
 * mask's volume as it is painted.
 */
import { useEffect } from 'react';
import { useStore } from '../../app/createStore';
import { lesionSelection } from '../lesions';
import { isSegmentTool, toolActions, toolStore } from './toolStore';
import type { ToolController } from './toolController';

function NumberField(props: { testId: string; label: string; unit: string; value: number; step: number; min: number; max: number; onChange(v: number): void; title?: string }) {
  return (
    <label className="seg-field" title={props.title}>
      <span className="dim">{props.label}</span>
      <input
        type="number"
        data-testid={props.testId}
        value={props.value}
        step={props.step}
        min={props.min}
        max={props.max}
        onChange={(event) => {
          const v = Number(event.target.value);
          if (event.target.value !== '' && Number.isFinite(v)) props.onChange(v);
        }}
      />
      <span className="dim">{props.unit}</span>
    </label>
  );
}

export function SegmentationBar({ controller }: { controller: ToolController }) {
  const tool = useStore(toolStore, (s) => s.tool);
  const target = useStore(toolStore, (s) => s.segmentTarget);
  const radius = useStore(toolStore, (s) => s.brushRadiusMm);
  const huLimit = useStore(toolStore, (s) => s.huLimit);
  const tolerance = useStore(toolStore, (s) => s.growToleranceHu);
  const session = useStore(toolStore, (s) => s.session);
  const busy = useStore(toolStore, (s) => s.busy);
  const visible = useStore(toolStore, (s) => s.masksVisible);
  const labels = useStore(toolStore, (s) => s.lesionLabels);
  const lesionId = useStore(lesionSelection, (s) => s.selectedLesionId);
  if (!isSegmentTool(tool) && !session?.dirty) return null;
  const lesionLabel = lesionId !== null ? (labels[lesionId] ?? `#${lesionId}`) : null;
  const volumeMl = session?.volumeMl ?? 0;

  return (
    <div className="toolbar seg-bar" role="toolbar" aria-label="Segmentation" data-testid="seg-bar">
      <div className="tool-group" aria-label="Target">
        <span className="dim">Mask</span>
        <button
          type="button"
          className={`button${target === 'lesion' ? ' active' : ''}`}
          data-testid="seg-target-lesion"
          aria-pressed={target === 'lesion'}
          title={lesionLabel ? `Paint ${lesionLabel}` : 'Paint a new lesion (created with the first stroke)'}
          onClick={() => toolActions.setSegmentTarget('lesion')}
        >
          {lesionLabel ?? 'new lesion'}
        </button>
        <button
          type="button"
          className={`button${target === 'liver' ? ' active' : ''}`}
          data-testid="seg-target-liver"
          aria-pressed={target === 'liver'}
          onClick={() => toolActions.setSegmentTarget('liver')}
        >
          Liver
        </button>
      </div>
      <div className="tool-group">
        <NumberField testId="seg-brush-radius" label="r" unit="mm" value={radius} step={0.5} min={0.5} max={50} onChange={toolActions.setBrushRadius} title="Brush and eraser radius ([ and ])" />
      </div>
      <div className="tool-group" title="Paint only voxels whose HU lies in this window (e.g. enhancing liver, not fat, vessels or the fissure)">
        <label className="seg-field">
          <input type="checkbox" data-testid="seg-hu-limit" checked={huLimit.enabled} onChange={(e) => toolActions.setHuLimit({ enabled: e.target.checked })} />
          <span>HU</span>
        </label>
        <NumberField testId="seg-hu-min" label="" unit="to" value={huLimit.minHu} step={5} min={-1024} max={3000} onChange={(v) => toolActions.setHuLimit({ minHu: v })} />
        <NumberField testId="seg-hu-max" label="" unit="HU" value={huLimit.maxHu} step={5} min={-1024} max={3000} onChange={(v) => toolActions.setHuLimit({ maxHu: v })} />
      </div>
      <div className="tool-group">
        <NumberField testId="seg-tolerance" label="Grow ±" unit="HU" value={tolerance} step={5} min={1} max={500} onChange={toolActions.setGrowTolerance} title="Region growing: HU tolerance around the seed's neighbourhood mean" />
      </div>
      <div className="tool-group">
        <button type="button" className="button" data-testid="seg-interpolate" title="Fill the slices between the slices painted (shape-based interpolation)" onClick={() => controller.interpolateMask()}>
          Interpolate
        </button>
        <button
          type="button"
          className={`button${session?.dirty ? ' primary' : ''}`}
          data-testid="seg-save"
          data-dirty={session?.dirty ? 'true' : 'false'}
          disabled={busy !== null}
          onClick={() => void controller.saveMask()}
        >
          {session && !session.dirty && session.segmentationId !== null ? 'Saved' : 'Save'}
        </button>
        <button
          type="button"
          className="button"
          data-testid="seg-measure"
          disabled={target !== 'lesion' || busy !== null}
          title="The bidirectional measurement of the lesion mask (longest in-plane diameter and its perpendicular), saved on the lesion"
          onClick={() => void controller.measureMask()}
        >
          Measure
        </button>
      </div>
      <div className="tool-group">
        <span className="seg-volume" data-testid="seg-volume" data-volume-ml={volumeMl.toFixed(3)} data-segmentation-id={session?.segmentationId ?? ''}>
          {volumeMl.toFixed(volumeMl < 10 ? 2 : 1)} mL
        </span>
        {busy && <span className="dim">{busy}</span>}
        <label className="seg-field" title="Show the masks over the images">
          <input type="checkbox" data-testid="seg-visible" checked={visible} onChange={(e) => toolActions.setMasksVisible(e.target.checked)} />
          <span>Show</span>
        </label>
      </div>
    </div>
  );
}

/** The tools' last message: an error stays until the next action, information fades after a while. */
const INFO_SHOWN_MS = 6000;

export function ToolNotice() {
  const notice = useStore(toolStore, (s) => s.notice);
  useEffect(() => {
    if (!notice || notice.kind !== 'info') return;
    const timer = setTimeout(() => {
      if (toolStore.getState().notice === notice) toolActions.notify(null);
    }, INFO_SHOWN_MS);
    return () => clearTimeout(timer);
  }, [notice]);
  if (!notice) return null;
  return (
    <div className={`tool-notice tool-notice-${notice.kind}`} data-testid="tool-notice" role={notice.kind === 'error' ? 'alert' : 'status'}>
      <span>{notice.text}</span>
      <button type="button" className="icon-button" aria-label="Dismiss" onClick={() => toolActions.notify(null)}>
        ×
      </button>
    </div>
  );
}
