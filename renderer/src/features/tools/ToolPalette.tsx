/**
 * Toolbar buttons of the reading tools: measurements, segmentation, undo and redo, and
 * which lesion the next measurement goes to.
 */
import { useStore } from '../../app/createStore';
import { ToggleButton } from '../../ui/ToggleButton';
import { lesionSelection, selectLesion } from '../lesions';
import { toolActions, toolStore, type Tool } from './toolStore';
import type { ToolController } from './toolController';
import { describeRedo, describeUndo } from './undoStack';

const MEASURE: { id: Tool; label: string; hint: string }[] = [
  { id: 'length', label: 'Length', hint: 'Length: drag from one end to the other.' },
  { id: 'bidirectional', label: 'Bidir', hint: 'Bidirectional (RECIST/WHO): drag the long axis; the perpendicular short axis appears at its middle — drag its ends to fit.' },
  { id: 'ellipse', label: 'Ellipse', hint: 'Elliptical ROI with HU statistics: drag a box around the region.' },
  { id: 'freehand', label: 'Freehand', hint: 'Freehand ROI with HU statistics: hold the button and draw the outline; release to close it.' },
];
const SEGMENT: { id: Tool; label: string; hint: string }[] = [
  { id: 'brush', label: 'Brush', hint: 'Paint the target mask on the slice ([ and ] change the size).' },
  { id: 'eraser', label: 'Eraser', hint: 'Erase from the target mask on the slice.' },
  { id: 'regionGrow', label: 'Grow', hint: 'Region growing: click a seed inside the structure; voxels connected in 3D within the HU tolerance are added.' },
];

export function ToolPalette({ controller }: { controller: ToolController }) {
  const tool = useStore(toolStore, (s) => s.tool);
  const undo = useStore(toolStore, (s) => s.undo);
  const redo = useStore(toolStore, (s) => s.redo);
  const labels = useStore(toolStore, (s) => s.lesionLabels);
  const lesionId = useStore(lesionSelection, (s) => s.selectedLesionId);
  const lesionLabel = lesionId !== null ? (labels[lesionId] ?? `#${lesionId}`) : null;

  const button = (t: { id: Tool; label: string; hint: string }) => (
    <ToggleButton key={t.id} testId={`tool-${t.id}`} active={tool === t.id} title={`${t.hint} Esc: back to W/L.`} onClick={() => toolActions.setTool(t.id)}>
      {t.label}
    </ToggleButton>
  );

  return (
    <>
      <div className="tool-group" aria-label="Measurement tools">
        {MEASURE.map(button)}
        <span
          className={`lesion-target${lesionLabel ? '' : ' lesion-target-new'}`}
          data-testid="tool-lesion-target"
          data-lesion-id={lesionId ?? ''}
          title={lesionLabel ? `New measurements and masks belong to ${lesionLabel} (choose another in the lesion table)` : 'The next measurement or lesion mask creates a new lesion'}
        >
          → {lesionLabel ?? 'new lesion'}
        </span>
        <button
          type="button"
          className="button"
          data-testid="tool-new-lesion"
          title="Start a new lesion: the next measurement creates it"
          disabled={lesionId === null}
          onClick={() => selectLesion(null)}
        >
          + Lesion
        </button>
      </div>
      <div className="tool-group" aria-label="Segmentation tools">
        {SEGMENT.map(button)}
      </div>
      <div className="tool-group">
        <button
          type="button"
          className="button"
          data-testid="tool-undo"
          disabled={undo.length === 0}
          title={`${describeUndo(undo[undo.length - 1])} (Ctrl+Z)`}
          onClick={() => void controller.undo()}
        >
          ↶ Undo
        </button>
        <button
          type="button"
          className="button"
          data-testid="tool-redo"
          disabled={redo.length === 0}
          title={`${describeRedo(redo[redo.length - 1])} (Ctrl+Shift+Z or Ctrl+Y)`}
          onClick={() => void controller.redo()}
        >
          ↷ Redo
        </button>
      </div>
    </>
  );
}
