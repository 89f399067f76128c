/**
 * The reading tools' plain state: which tool drives the left mouse button, the brush and
 * region-growing settings, the measurements and segmentations of the open series as the
 * registry returned them, what is being drawn or dragged right now, and the undo and redo
 * stacks of the reader's own edits. Masks themselves (voxel arrays) live with the segmentation
 * editor, like the volume's voxels live with its loader; this store holds their numbers.
 */
import type { Measurement, Segmentation, Vec3 } from '../../../../core/api/types';
import type { SliceViewKind, GroupId } from '../viewer';
import { createStore } from '../../app/createStore';

export type MeasureTool = 'length' | 'bidirectional' | 'ellipse' | 'freehand';
export type SegmentTool = 'brush' | 'eraser' | 'regionGrow';
export type Tool = 'windowLevel' | 'crosshair' | MeasureTool | SegmentTool;

export const MEASURE_TOOLS: readonly MeasureTool[] = ['length', 'bidirectional', 'ellipse', 'freehand'];
export const SEGMENT_TOOLS: readonly SegmentTool[] = ['brush', 'eraser', 'regionGrow'];
export const isMeasureTool = (t: Tool): t is MeasureTool => (MEASURE_TOOLS as readonly string[]).includes(t);
export const isSegmentTool = (t: Tool): t is SegmentTool => (SEGMENT_TOOLS as readonly string[]).includes(t);

/** A measurement being drawn: LPS mm on the slice it is drawn on. */
export interface DraftMeasurement {
  group: GroupId;
  view: SliceViewKind;
  seriesId: number;
  kind: MeasureTool;
  pointsLps: Vec3[];
}

/** A measurement whose handle is being dragged: its live points until the drag ends. */
export interface MeasurementEdit {
  measurementId: number;
  pointsLps: Vec3[];
}

/** One of the reader's own actions, as much as is needed to take it back and to do it again. */
export type UndoEntry =
  | { type: 'add'; measurementId: number }
  | { type: 'update'; measurementId: number; beforeLps: Vec3[]; afterLps: Vec3[] }
  | { type: 'delete'; measurementId: number }
  | { type: 'mask'; sessionKey: string };

export type SegmentTarget = 'lesion' | 'liver';

/** The numbers of the mask being edited. */
export interface MaskSessionSummary {
  key: string;
  seriesId: number;
  structure: SegmentTarget;
  lesionId: number | null;
  /** The saved segmentation this mask updates, null until first saved. */
  segmentationId: number | null;
  voxelCount: number;
  volumeMl: number;
  /** Edited since it was loaded or saved. */
  dirty: boolean;
}

export interface ToolState {
  tool: Tool;
  brushRadiusMm: number;
  /** Paint only voxels in this HU window (e.g. enhancing liver, not fat or the fissure). */
  huLimit: { enabled: boolean; minHu: number; maxHu: number };
  /** Region growing accepts voxels within ± this of the seed's neighbourhood mean. */
  growToleranceHu: number;
  segmentTarget: SegmentTarget;
  measurementsBySeries: Record<number, Measurement[]>;
  segmentationsBySeries: Record<number, Segmentation[]>;
  /** Lesion id → its stable label ("L1"). */
  lesionLabels: Record<number, string>;
  selectedMeasurementId: number | null;
  /**
   * The lesion the tools themselves just selected (a new lesion for a first measurement,
   * the lesion of a clicked measurement): the viewer does not jump to it, the reader is there.
   */
  lesionSelectedByTool: number | null;
  /** Saved masks are drawn over the slices. */
  masksVisible: boolean;
  draft: DraftMeasurement | null;
  edit: MeasurementEdit | null;
  undo: UndoEntry[];
  /** Edits taken back, newest last: what Redo does again. A new edit empties it. */
  redo: UndoEntry[];
  session: MaskSessionSummary | null;
  /** Bumped when a mask's voxels change, so the overlays redraw. */
  maskRevision: number;
  /** Where the mouse is, for the brush outline. */
  hover: { group: GroupId; view: SliceViewKind; canvasPx: [number, number] } | null;
  busy: string | null;
  notice: { text: string; kind: 'error' | 'info' } | null;
}

export const toolStore = createStore<ToolState>({
  tool: 'windowLevel',
  brushRadiusMm: 5,
  huLimit: { enabled: false, minHu: 40, maxHu: 200 },
  growToleranceHu: 30,
  segmentTarget: 'lesion',
  measurementsBySeries: {},
  segmentationsBySeries: {},
  lesionLabels: {},
  selectedMeasurementId: null,
  lesionSelectedByTool: null,
  masksVisible: true,
  draft: null,
  edit: null,
  undo: [],
  redo: [],
  session: null,
  maskRevision: 0,
  hover: null,
  busy: null,
  notice: null,
});

export const toolActions = {
  setTool(tool: Tool): void {
    toolStore.setState({ tool, draft: null });
  },
  setBrushRadius(brushRadiusMm: number): void {
    if (Number.isFinite(brushRadiusMm)) toolStore.setState({ brushRadiusMm: Math.min(50, Math.max(0.5, brushRadiusMm)) });
  },
  setHuLimit(patch: Partial<ToolState['huLimit']>): void {
    toolStore.setState((s) => ({ huLimit: { ...s.huLimit, ...patch } }));
  },
  setGrowTolerance(growToleranceHu: number): void {
    if (Number.isFinite(growToleranceHu)) toolStore.setState({ growToleranceHu: Math.min(500, Math.max(1, growToleranceHu)) });
  },
  setSegmentTarget(segmentTarget: SegmentTarget): void {
    toolStore.setState({ segmentTarget });
  },
  setMeasurements(seriesId: number, list: Measurement[]): void {
    toolStore.setState((s) => ({ measurementsBySeries: { ...s.measurementsBySeries, [seriesId]: list } }));
  },
  /** Insert or replace one measurement (as the registry returned it). */
  putMeasurement(m: Measurement): void {
    toolStore.setState((s) => {
      const list = s.measurementsBySeries[m.seriesId] ?? [];
      const next = list.some((x) => x.id === m.id) ? list.map((x) => (x.id === m.id ? m : x)) : [...list, m];
      return { measurementsBySeries: { ...s.measurementsBySeries, [m.seriesId]: next } };
    });
  },
  removeMeasurement(measurementId: number): void {
    toolStore.setState((s) => {
      const bySeries: Record<number, Measurement[]> = {};
      for (const [id, list] of Object.entries(s.measurementsBySeries)) bySeries[Number(id)] = list.filter((m) => m.id !== measurementId);
      return {
        measurementsBySeries: bySeries,
        selectedMeasurementId: s.selectedMeasurementId === measurementId ? null : s.selectedMeasurementId,
      };
    });
  },
  setSegmentations(seriesId: number, list: Segmentation[]): void {
    toolStore.setState((s) => ({ segmentationsBySeries: { ...s.segmentationsBySeries, [seriesId]: list } }));
  },
  setLesionLabels(lesionLabels: Record<number, string>): void {
    toolStore.setState({ lesionLabels });
  },
  selectMeasurement(selectedMeasurementId: number | null): void {
    if (toolStore.getState().selectedMeasurementId !== selectedMeasurementId) toolStore.setState({ selectedMeasurementId });
  },
  setLesionSelectedByTool(lesionSelectedByTool: number | null): void {
    toolStore.setState({ lesionSelectedByTool });
  },
  setMasksVisible(masksVisible: boolean): void {
    toolStore.setState({ masksVisible });
  },
  setDraft(draft: DraftMeasurement | null): void {
    toolStore.setState({ draft });
  },
  setEdit(edit: MeasurementEdit | null): void {
    toolStore.setState({ edit });
  },
  setUndo(undo: UndoEntry[]): void {
    toolStore.setState({ undo });
  },
  /** Both stacks at once (undo and redo move entries between them). */
  setHistory(history: { undo: UndoEntry[]; redo: UndoEntry[] }): void {
    toolStore.setState({ undo: history.undo, redo: history.redo });
  },
  setSession(session: MaskSessionSummary | null): void {
    toolStore.setState({ session });
  },
  maskChanged(): void {
    toolStore.setState((s) => ({ maskRevision: s.maskRevision + 1 }));
  },
  setHover(hover: ToolState['hover']): void {
    const current = toolStore.getState().hover;
    if (current === hover) return;
    toolStore.setState({ hover });
  },
  setBusy(busy: string | null): void {
    toolStore.setState({ busy });
  },
  notify(text: string | null, kind: 'error' | 'info' = 'error'): void {
    toolStore.setState({ notice: text === null ? null : { text, kind } });
  },
};
