/**
 * What the reading tools do with the mouse on a slice view, and their commands (undo,
 * delete, save and measure a mask). Measurements are drawn on the slice on screen in LPS
 * mm, saved to the registry at once and kept editable; masks are painted in memory on the
 * series grid and saved on request. Every measurement belongs to a lesion: the selected
 * one, or a new one made for it. What a call returns goes into the tool store at once (the
 * reader sees the edit under the mouse); the lesion panel, the table and the lists reload on
 * the change events the workstation sends after the commit.
 */
import type { PointerEvent } from 'react';
import type { Measurement, MeasurementKind, Vec3 } from '../../../../core/api/types';
import { measurementNumbers } from '../../../../core/measure/measure';
import { voxelVolumeMm3 } from '../../../../core/segmentation';
import type { ApiClient } from '../../api';
import { lesionSelection, selectLesion } from '../lesions';
import {
  isMeasureTool,
  isSegmentTool,
  toolActions,
  toolStore,
  type MaskSessionSummary,
  type MeasureTool,
  type UndoEntry,
} from './toolStore';
import { isGroupShown, viewportActions, viewportStore, type CanvasPx, type SliceViewState, canvasToWorld, viewFrame, voxelAt } from '../viewer';
import { sub } from '../../../../core/dicom/geometry';
import { hitTest } from './hitTest';
import {
  allSessions,
  beginStroke,
  cacheMask,
  cachedMask,
  clearMaskRedo,
  dab,
  dropSession,
  encodeSession,
  endStroke,
  getSession,
  growRegion,
  interpolate,
  openSession,
  redoMask,
  sessionKey,
  stroke,
  summarize,
  undoMask,
  type BrushSettings,
  type MaskSession,
} from './maskEditor';
import type { SliceAxis } from './maskSlice';
import { dragBidirectional, drawnOrientation, dragEllipse, ellipseFromCorners, isOnSlice, placeShortAxis, translatePoints } from './measureGeometry';
import { LABEL_FONT_PX, layoutMeasurement, separateLabels, type LaidOutMeasurement } from './measurementLayout';
import { measurementLines, type MeasurementFigures } from './measurementText';
import { recordEdit, redone, takeRedo, takeUndo, undone, type EditHistory } from './undoStack';

/** A press that moves less than this is a click, not a drawing. */
const MIN_DRAW_PX = 4;
/** Freehand outline: a new point every this many pixels of mouse travel. */
const FREEHAND_STEP_PX = 3;
/** Region growing stops at this volume (a whole liver is 1.2–2 L). */
const MAX_GROW_ML = 3000;

type Gesture =
  | { type: 'draw'; kind: Exclude<MeasureTool, 'freehand'>; startLps: Vec3; startPx: CanvasPx; lastPx: CanvasPx }
  | { type: 'freehand'; pointsLps: Vec3[]; lastPx: CanvasPx; travelledPx: number }
  | { type: 'handle'; measurement: Measurement; index: number; points: Vec3[] }
  | { type: 'move'; measurement: Measurement; startLps: Vec3; points: Vec3[]; moved: boolean }
  | {
      type: 'paint';
      brush: BrushSettings;
      axis: SliceAxis;
      slice: number;
      session: MaskSession | null;
      queue: Vec3[];
      lastLps: Vec3;
      ended: boolean;
    }
  | { type: 'seed' };

export interface ToolController {
  pointerDown(view: SliceViewState, px: CanvasPx, event: PointerEvent<HTMLElement>): boolean;
  pointerMove(view: SliceViewState, px: CanvasPx, event: PointerEvent<HTMLElement>): void;
  pointerUp(view: SliceViewState, px: CanvasPx, event: PointerEvent<HTMLElement>): void;
  hover(view: SliceViewState, px: CanvasPx | null): string | null;
  /** The measurements on this view's slice, laid out (with live points while dragged). */
  layout(view: SliceViewState): LaidOutMeasurement[];
  /** Take back the reader's newest edit (a measurement drawn, moved or deleted; a mask edit). */
  undo(): Promise<void>;
  /** Do again the edit taken back last; a new edit clears what can be redone. */
  redo(): Promise<void>;
  deleteSelected(): Promise<void>;
  /** Escape: drop what is being drawn, or go back to window/level. */
  cancel(): void;
  saveMask(): Promise<number | null>;
  measureMask(): Promise<void>;
  interpolateMask(): void;
  /** Recompute the numbers of the mask the toolbar shows (target, series, lesion changed). */
  refreshSummary(): void;
  /** Save every edited mask of series that are closing; then forget them. */
  flushSessions(keepSeriesIds: number[]): Promise<void>;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The figures of a measurement from its points (live, while drawn or dragged). */
export function liveFigures(kind: MeasurementKind, points: Vec3[], view: SliceViewState): MeasurementFigures | null {
  try {
    const volume = view.volume && (kind === 'ellipse' || kind === 'freehand') ? { voxels: view.volume.voxels, geometry: view.geometry } : undefined;
    return measurementNumbers(kind, points, volume);
  } catch {
    try {
      return measurementNumbers(kind, points);
    } catch {
      return null;
    }
  }
}

let textContext: CanvasRenderingContext2D | null | undefined;
const textWidths = new Map<string, number>();

/** Width of a readout line as the overlay draws it (its font), cached per text. */
export function textWidthPx(text: string): number {
  const known = textWidths.get(text);
  if (known !== undefined) return known;
  if (textContext === undefined) {
    textContext = typeof document !== 'undefined' ? document.createElement('canvas').getContext('2d') : null;
    if (textContext) textContext.font = `600 ${LABEL_FONT_PX}px system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif`;
  }
  const width = textContext ? textContext.measureText(text).width : text.length * 6.8;
  if (textWidths.size > 2000) textWidths.clear();
  textWidths.set(text, width);
  return width;
}

/** The points of a measurement being drawn from `start` to `current` (LPS mm, on the slice). */
function draftPoints(view: SliceViewState, kind: Exclude<MeasureTool, 'freehand'>, start: Vec3, current: Vec3): Vec3[] {
  const { frame } = view.camera;
  if (kind === 'length') return [start, current];
  if (kind === 'bidirectional') return placeShortAxis(start, current, frame.dop);
  return ellipseFromCorners(start, current, frame.right, frame.up);
}

export function createToolController(api: ApiClient): ToolController {
  let gesture: Gesture | null = null;
  let lesionRequest: Promise<number> | null = null;
  let redrawFrame = 0;

  const toWorld = (view: SliceViewState, px: CanvasPx): Vec3 => canvasToWorld(view.camera, px, view.slicePlaneLps);

  const history = (): EditHistory => ({ undo: toolStore.getState().undo, redo: toolStore.getState().redo });
  /** A new edit of the reader's: undoable, and what was undone before can no longer be redone. */
  const pushEntry = (entry: UndoEntry): void => {
    clearMaskRedo();
    toolActions.setHistory(recordEdit(history(), entry));
  };

  const fail = (what: string, error: unknown): void => {
    toolActions.notify(`${what}: ${describe(error)}`);
  };

  function selectLesionByTool(lesionId: number): void {
    if (lesionSelection.getState().selectedLesionId === lesionId) return;
    toolActions.setLesionSelectedByTool(lesionId);
    selectLesion(lesionId);
  }

  /** The selected lesion, or a new one (site liver, target, indeterminate) made and selected. */
  function ensureLesion(): Promise<number> {
    const selected = lesionSelection.getState().selectedLesionId;
    if (selected !== null) return Promise.resolve(selected);
    if (lesionRequest) return lesionRequest;
    const patientRowId = lesionSelection.getState().patientRowId;
    if (patientRowId === null) return Promise.reject(new Error('the patient of this series is not known yet; try again in a moment'));
    lesionRequest = api
      .createLesion(patientRowId, {})
      .then((lesion) => {
        toolActions.setLesionLabels({ ...toolStore.getState().lesionLabels, [lesion.id]: lesion.label });
        selectLesionByTool(lesion.id);
        return lesion.id;
      })
      .finally(() => {
        lesionRequest = null;
      });
    return lesionRequest;
  }

  // ---- measurements ------------------------------------------------------------------

  function pointsOf(m: Measurement): Vec3[] {
    const edit = toolStore.getState().edit;
    return edit && edit.measurementId === m.id ? edit.pointsLps : m.pointsLps;
  }

  function figuresOf(m: Measurement, view: SliceViewState): MeasurementFigures {
    const edit = toolStore.getState().edit;
    if (edit && edit.measurementId === m.id) return liveFigures(m.kind, edit.pointsLps, view) ?? m;
    return m;
  }

  function layout(view: SliceViewState): LaidOutMeasurement[] {
    const state = toolStore.getState();
    const list = state.measurementsBySeries[view.seriesId] ?? [];
    const normal = view.camera.frame.dop;
    const items = list
      .filter((m) => isOnSlice(pointsOf(m), view.slicePlaneLps, normal, view.sliceSpacingMm) && drawnOrientation(pointsOf(m), view.geometry) === view.kind)
      .map((m) =>
        layoutMeasurement(view.camera, m.id, m.kind, pointsOf(m), measurementLines(state.lesionLabels[m.lesionId] ?? '', m.kind, figuresOf(m, view)), textWidthPx),
      );
    return separateLabels(items, view.camera.viewportPx);
  }

  function findMeasurement(id: number): Measurement | undefined {
    for (const list of Object.values(toolStore.getState().measurementsBySeries)) {
      const m = list.find((x) => x.id === id);
      if (m) return m;
    }
    return undefined;
  }

  async function createMeasurement(view: SliceViewState, kind: MeasurementKind, pointsLps: Vec3[]): Promise<void> {
    toolActions.setDraft({ group: view.group, view: view.kind, seriesId: view.seriesId, kind, pointsLps });
    try {
      const lesionId = await ensureLesion();
      // The series' own slices are along k; an image of another orientation is not one of them.
      const sliceIndex = view.camera.frame.sliceAxis === 2 ? view.sliceIndex : null;
      const m = await api.addMeasurement({ lesionId, seriesId: view.seriesId, kind, pointsLps, sliceIndex });
      toolActions.putMeasurement(m);
      toolActions.selectMeasurement(m.id);
      pushEntry({ type: 'add', measurementId: m.id });
      toolActions.notify(null);
    } catch (error) {
      fail('The measurement was not saved', error);
    } finally {
      const draft = toolStore.getState().draft;
      if (draft && draft.pointsLps === pointsLps) toolActions.setDraft(null);
    }
  }

  async function commitPoints(m: Measurement, pointsLps: Vec3[]): Promise<void> {
    try {
      const updated = await api.updateMeasurement(m.id, pointsLps);
      toolActions.putMeasurement(updated);
      pushEntry({ type: 'update', measurementId: m.id, beforeLps: m.pointsLps, afterLps: updated.pointsLps });
      toolActions.notify(null);
    } catch (error) {
      fail('The change was not saved', error);
    } finally {
      const edit = toolStore.getState().edit;
      if (edit && edit.measurementId === m.id) toolActions.setEdit(null);
    }
  }

  // ---- masks -------------------------------------------------------------------------

  function scheduleMaskRedraw(): void {
    if (redrawFrame) return;
    redrawFrame = requestAnimationFrame(() => {
      redrawFrame = 0;
      toolActions.maskChanged();
      refreshSummary();
    });
  }

  const axialAxisOf = (view: SliceViewState): SliceAxis => viewFrame('axial', view.geometry).sliceAxis;

  function savedSegmentationFor(seriesId: number, structure: 'lesion' | 'liver', lesionId: number | null) {
    const list = toolStore.getState().segmentationsBySeries[seriesId] ?? [];
    return (
      list
        .filter((s) => s.structure === structure && (structure === 'liver' || s.lesionId === lesionId))
        .sort((a, b) => b.updatedAt.localeCompare(a.updatedAt))[0] ?? null
    );
  }

  /** The session for this view's series and the current target, if it can be had without waiting. */
  function sessionNow(view: SliceViewState, lesionId: number | null): MaskSession | null {
    const structure = toolStore.getState().segmentTarget;
    if (structure === 'lesion' && lesionId === null) return null;
    const existing = getSession(sessionKey(view.seriesId, structure, lesionId));
    if (existing) return existing;
    const savedSeg = savedSegmentationFor(view.seriesId, structure, lesionId);
    const cached = savedSeg ? cachedMask(savedSeg.id) : undefined;
    if (savedSeg && (!cached || cached.updatedAt !== savedSeg.updatedAt)) return null;
    return openSession(view.seriesId, view.geometry, structure, lesionId, savedSeg && cached ? { segmentationId: savedSeg.id, sparse: cached.sparse } : null, axialAxisOf(view));
  }

  async function acquireSession(view: SliceViewState): Promise<MaskSession> {
    const structure = toolStore.getState().segmentTarget;
    const lesionId = structure === 'lesion' ? await ensureLesion() : null;
    const now = sessionNow(view, lesionId);
    if (now) return now;
    const savedSeg = savedSegmentationFor(view.seriesId, structure, lesionId);
    if (savedSeg) cacheMask(savedSeg.id, view.seriesId, savedSeg.updatedAt, await api.getSegmentationMask(savedSeg.id));
    const loaded = sessionNow(view, lesionId);
    if (!loaded) throw new Error('the saved mask could not be loaded');
    return loaded;
  }

  function brushFor(view: SliceViewState, mode: 'paint' | 'erase'): BrushSettings {
    const { brushRadiusMm, huLimit } = toolStore.getState();
    return {
      radiusMm: brushRadiusMm,
      mode,
      huRange: huLimit.enabled && mode === 'paint' ? { minHu: Math.min(huLimit.minHu, huLimit.maxHu), maxHu: Math.max(huLimit.minHu, huLimit.maxHu) } : undefined,
      volume: huLimit.enabled && view.volume ? view.volume.voxels : undefined,
    };
  }

  function finishStroke(g: Extract<Gesture, { type: 'paint' }>): void {
    if (!g.session) return;
    if (endStroke(g.session)) pushEntry({ type: 'mask', sessionKey: g.session.key });
    scheduleMaskRedraw();
  }

  function startPaint(view: SliceViewState, px: CanvasPx, mode: 'paint' | 'erase'): void {
    const p = toWorld(view, px);
    const structure = toolStore.getState().segmentTarget;
    const lesionId = structure === 'lesion' ? lesionSelection.getState().selectedLesionId : null;
    const g: Extract<Gesture, { type: 'paint' }> = {
      type: 'paint',
      brush: brushFor(view, mode),
      axis: view.camera.frame.sliceAxis,
      slice: view.sliceIndex,
      session: sessionNow(view, lesionId),
      queue: [],
      lastLps: p,
      ended: false,
    };
    gesture = g;
    if (g.session) {
      beginStroke(g.session, g.axis, g.slice);
      dab(g.session, p, g.axis, g.brush);
      scheduleMaskRedraw();
      return;
    }
    // A new lesion or a saved mask is on its way: the stroke is kept and painted when it arrives.
    g.queue.push(p);
    acquireSession(view)
      .then((session) => {
        g.session = session;
        beginStroke(session, g.axis, g.slice);
        let last: Vec3 | null = null;
        for (const q of g.queue) {
          if (last) stroke(session, last, q, g.axis, g.brush);
          else dab(session, q, g.axis, g.brush);
          last = q;
        }
        g.queue = [];
        if (g.ended) finishStroke(g);
        else scheduleMaskRedraw();
      })
      .catch((error) => fail('Cannot paint', error));
  }

  async function growAt(view: SliceViewState, px: CanvasPx): Promise<void> {
    const group = viewportStore.getState().groups[view.group];
    if (!view.volume || !group.load.complete) {
      toolActions.notify('Region growing works in 3D: wait until the whole volume has loaded.', 'info');
      return;
    }
    const seed = voxelAt(view.geometry, toWorld(view, px));
    if (!seed) return;
    try {
      const session = await acquireSession(view);
      const toleranceHu = toolStore.getState().growToleranceHu;
      const maxVoxels = Math.max(1, Math.round((MAX_GROW_ML * 1000) / voxelVolumeMm3(view.geometry)));
      toolActions.setBusy('Growing region…');
      const result = growRegion(session, view.volume.voxels, seed, toleranceHu, maxVoxels);
      if (result.added > 0) {
        pushEntry({ type: 'mask', sessionKey: session.key });
        const ml = (result.added * voxelVolumeMm3(view.geometry)) / 1000;
        toolActions.notify(
          `Region grown from ${Math.round(result.huRange.minHu)} to ${Math.round(result.huRange.maxHu)} HU: +${ml.toFixed(1)} mL${result.truncated ? ` (stopped at ${MAX_GROW_ML} mL — lower the tolerance)` : ''}`,
          result.truncated ? 'error' : 'info',
        );
      } else {
        toolActions.notify('Nothing grown: the seed is already in the mask, or no neighbour is within the tolerance.', 'info');
      }
      scheduleMaskRedraw();
    } catch (error) {
      fail('Region growing failed', error);
    } finally {
      toolActions.setBusy(null);
    }
  }

  function currentTarget() {
    const vp = viewportStore.getState();
    const group = vp.groups[isGroupShown(vp, vp.activeGroup) ? vp.activeGroup : 'a'];
    if (group.seriesId === null || !group.geometry) return null;
    const structure = toolStore.getState().segmentTarget;
    const lesionId = structure === 'lesion' ? lesionSelection.getState().selectedLesionId : null;
    return { seriesId: group.seriesId, geometry: group.geometry, structure, lesionId };
  }

  function refreshSummary(): void {
    const t = currentTarget();
    let next: MaskSessionSummary | null = null;
    if (t && !(t.structure === 'lesion' && t.lesionId === null)) {
      const session = getSession(sessionKey(t.seriesId, t.structure, t.lesionId));
      if (session) next = summarize(session);
      else {
        const savedSeg = savedSegmentationFor(t.seriesId, t.structure, t.lesionId);
        if (savedSeg) {
          next = {
            key: sessionKey(t.seriesId, t.structure, t.lesionId),
            seriesId: t.seriesId,
            structure: t.structure,
            lesionId: t.lesionId,
            segmentationId: savedSeg.id,
            voxelCount: savedSeg.voxelCount,
            volumeMl: savedSeg.volumeMl,
            dirty: false,
          };
        }
      }
    }
    const current = toolStore.getState().session;
    const same =
      current === next ||
      (current !== null && next !== null && (Object.keys(next) as (keyof MaskSessionSummary)[]).every((k) => current[k] === next![k]));
    if (!same) toolActions.setSession(next);
  }

  async function saveSession(session: MaskSession): Promise<number> {
    const rle = encodeSession(session);
    const wasDirty = session.dirty;
    session.dirty = false;
    try {
      const seg =
        session.segmentationId !== null
          ? await api.updateSegmentation(session.segmentationId, rle)
          : await api.saveSegmentation({ seriesId: session.seriesId, lesionId: session.lesionId, structure: session.structure, mask: rle });
      session.segmentationId = seg.id;
      cacheMask(seg.id, seg.seriesId, seg.updatedAt, rle);
      const list = toolStore.getState().segmentationsBySeries[seg.seriesId] ?? [];
      toolActions.setSegmentations(seg.seriesId, [...list.filter((s) => s.id !== seg.id), seg]);
      return seg.id;
    } catch (error) {
      session.dirty = session.dirty || wasDirty;
      throw error;
    }
  }

  function activeSession(): MaskSession | null {
    const t = currentTarget();
    if (!t || (t.structure === 'lesion' && t.lesionId === null)) return null;
    return getSession(sessionKey(t.seriesId, t.structure, t.lesionId)) ?? null;
  }

  // ---- the controller ------------------------------------------------------------------

  const controller: ToolController = {
    layout,

    pointerDown(view, px) {
      const tool = toolStore.getState().tool;
      if (tool === 'brush' || tool === 'eraser') {
        startPaint(view, px, tool === 'brush' ? 'paint' : 'erase');
        return true;
      }
      if (tool === 'regionGrow') {
        gesture = { type: 'seed' };
        return true;
      }
      const state = toolStore.getState();
      // While a drawing tool is active, readouts do not catch the mouse: they lie over
      // anatomy, and a new measurement may start there. Lines and handles still do.
      const items = isMeasureTool(tool) ? layout(view).map((m) => ({ ...m, labelBox: undefined })) : layout(view);
      const hit = hitTest(items, px, state.selectedMeasurementId);
      if (hit) {
        const m = findMeasurement(hit.id);
        if (!m) return false;
        toolActions.selectMeasurement(m.id);
        selectLesionByTool(m.lesionId);
        gesture =
          hit.part === 'handle'
            ? { type: 'handle', measurement: m, index: hit.index, points: m.pointsLps }
            : { type: 'move', measurement: m, startLps: toWorld(view, px), points: m.pointsLps, moved: false };
        return true;
      }
      if (state.selectedMeasurementId !== null) toolActions.selectMeasurement(null);
      if (!isMeasureTool(tool)) return false;
      const p = toWorld(view, px);
      if (tool === 'freehand') {
        gesture = { type: 'freehand', pointsLps: [p], lastPx: px, travelledPx: 0 };
        toolActions.setDraft({ group: view.group, view: view.kind, seriesId: view.seriesId, kind: tool, pointsLps: [p] });
      } else {
        gesture = { type: 'draw', kind: tool, startLps: p, startPx: px, lastPx: px };
        toolActions.setDraft({ group: view.group, view: view.kind, seriesId: view.seriesId, kind: tool, pointsLps: draftPoints(view, tool, p, p) });
      }
      return true;
    },

    pointerMove(view, px) {
      const g = gesture;
      if (!g) return;
      const normal = view.camera.frame.dop;
      const p = toWorld(view, px);
      switch (g.type) {
        case 'draw': {
          g.lastPx = px;
          toolActions.setDraft({ group: view.group, view: view.kind, seriesId: view.seriesId, kind: g.kind, pointsLps: draftPoints(view, g.kind, g.startLps, p) });
          break;
        }
        case 'freehand': {
          g.travelledPx += Math.hypot(px[0] - g.lastPx[0], px[1] - g.lastPx[1]);
          g.lastPx = px;
          if (g.travelledPx >= FREEHAND_STEP_PX) {
            g.travelledPx = 0;
            g.pointsLps = [...g.pointsLps, p];
            toolActions.setDraft({ group: view.group, view: view.kind, seriesId: view.seriesId, kind: 'freehand', pointsLps: g.pointsLps });
          }
          break;
        }
        case 'handle': {
          const m = g.measurement;
          let points: Vec3[];
          if (m.kind === 'bidirectional') points = dragBidirectional(g.points, normal, g.index, p);
          else if (m.kind === 'ellipse') points = dragEllipse(g.points, g.index, p);
          else points = g.points.map((q, i) => (i === g.index ? p : q));
          toolActions.setEdit({ measurementId: m.id, pointsLps: points });
          break;
        }
        case 'move': {
          g.moved = true;
          toolActions.setEdit({ measurementId: g.measurement.id, pointsLps: translatePoints(g.points, sub(p, g.startLps)) });
          break;
        }
        case 'paint': {
          if (g.session) {
            stroke(g.session, g.lastLps, p, g.axis, g.brush);
            scheduleMaskRedraw();
          } else g.queue.push(p);
          g.lastLps = p;
          break;
        }
        case 'seed':
          break;
      }
    },

    pointerUp(view, px) {
      const g = gesture;
      gesture = null;
      if (!g) return;
      switch (g.type) {
        case 'draw': {
          const draft = toolStore.getState().draft;
          if (Math.hypot(px[0] - g.startPx[0], px[1] - g.startPx[1]) < MIN_DRAW_PX || !draft) {
            toolActions.setDraft(null);
            return;
          }
          void createMeasurement(view, g.kind, draft.pointsLps);
          return;
        }
        case 'freehand': {
          const points = [...g.pointsLps, toWorld(view, px)];
          const figures = points.length >= 3 ? liveFigures('freehand', points, view) : null;
          if (!figures || (figures.areaMm2 ?? 0) < 1) {
            toolActions.setDraft(null);
            return;
          }
          void createMeasurement(view, 'freehand', points);
          return;
        }
        case 'handle':
        case 'move': {
          const edit = toolStore.getState().edit;
          if (!edit || edit.measurementId !== g.measurement.id || (g.type === 'move' && !g.moved)) {
            toolActions.setEdit(null);
            return;
          }
          void commitPoints(g.measurement, edit.pointsLps);
          return;
        }
        case 'paint':
          g.ended = true;
          finishStroke(g);
          return;
        case 'seed':
          void growAt(view, px);
          return;
      }
    },

    hover(view, px) {
      const tool = toolStore.getState().tool;
      // Only the brush and eraser draw where the mouse is (their outline).
      const brushing = tool === 'brush' || tool === 'eraser';
      toolActions.setHover(px && brushing ? { group: view.group, view: view.kind, canvasPx: px } : null);
      if (!px) return null;
      if (isSegmentTool(tool)) return brushing ? 'none' : 'crosshair';
      const items = isMeasureTool(tool) ? layout(view).map((m) => ({ ...m, labelBox: undefined })) : layout(view);
      const hit = hitTest(items, px, toolStore.getState().selectedMeasurementId);
      if (!hit) return null;
      return hit.part === 'handle' ? 'grab' : 'move';
    },

    async undo() {
      const { entry, history: rest } = takeUndo(history());
      if (!entry) return;
      // Off the stack before the call, so a second Ctrl+Z takes the next edit, not this one again.
      toolActions.setHistory(rest);
      try {
        switch (entry.type) {
          case 'add':
            await api.deleteMeasurement(entry.measurementId);
            toolActions.removeMeasurement(entry.measurementId);
            break;
          case 'update':
            toolActions.putMeasurement(await api.updateMeasurement(entry.measurementId, entry.beforeLps));
            break;
          case 'delete': {
            const m = await api.restoreMeasurement(entry.measurementId);
            toolActions.putMeasurement(m);
            toolActions.selectMeasurement(m.id);
            break;
          }
          case 'mask': {
            const session = getSession(entry.sessionKey);
            if (!session || !undoMask(session)) throw new Error('that mask is no longer being edited');
            scheduleMaskRedraw();
            break;
          }
        }
        toolActions.setHistory(undone(history(), entry));
        if (entry.type !== 'mask') toolActions.notify(null);
      } catch (error) {
        fail('Undo failed', error);
      }
    },

    async redo() {
      const { entry, history: rest } = takeRedo(history());
      if (!entry) return;
      toolActions.setHistory(rest);
      try {
        switch (entry.type) {
          case 'add': {
            // Undo deleted the measurement drawn: it comes back as it was (same id, same lesion).
            const m = await api.restoreMeasurement(entry.measurementId);
            toolActions.putMeasurement(m);
            toolActions.selectMeasurement(m.id);
            break;
          }
          case 'update':
            toolActions.putMeasurement(await api.updateMeasurement(entry.measurementId, entry.afterLps));
            break;
          case 'delete':
            await api.deleteMeasurement(entry.measurementId);
            toolActions.removeMeasurement(entry.measurementId);
            break;
          case 'mask': {
            const session = getSession(entry.sessionKey);
            if (!session || !redoMask(session)) throw new Error('that mask is no longer being edited');
            scheduleMaskRedraw();
            break;
          }
        }
        toolActions.setHistory(redone(history(), entry));
        if (entry.type !== 'mask') toolActions.notify(null);
      } catch (error) {
        fail('Redo failed', error);
      }
    },

    async deleteSelected() {
      const id = toolStore.getState().selectedMeasurementId;
      if (id === null) return;
      try {
        await api.deleteMeasurement(id);
        toolActions.removeMeasurement(id);
        pushEntry({ type: 'delete', measurementId: id });
        toolActions.notify('Measurement deleted — Ctrl+Z brings it back (Ctrl+Shift+Z deletes it again).', 'info');
      } catch (error) {
        fail('The measurement was not deleted', error);
      }
    },

    cancel() {
      const g = gesture;
      gesture = null;
      if (g?.type === 'paint' && g.session) finishStroke(g);
      const { draft, edit, tool, selectedMeasurementId } = toolStore.getState();
      if (draft || edit || g) {
        toolActions.setDraft(null);
        toolActions.setEdit(null);
        return;
      }
      if (tool !== 'windowLevel') toolActions.setTool('windowLevel');
      else if (selectedMeasurementId !== null) toolActions.selectMeasurement(null);
    },

    async saveMask() {
      const session = activeSession();
      if (!session) {
        toolActions.notify('Nothing to save: paint the target first.', 'info');
        return null;
      }
      if (session.voxelCount === 0) {
        toolActions.notify('The mask is empty: nothing to save.', 'info');
        return null;
      }
      toolActions.setBusy('Saving mask…');
      try {
        const id = await saveSession(session);
        toolActions.notify(`Mask saved (${summarize(session).volumeMl.toFixed(1)} mL).`, 'info');
        return id;
      } catch (error) {
        fail('The mask was not saved', error);
        return null;
      } finally {
        toolActions.setBusy(null);
        refreshSummary();
      }
    },

    async measureMask() {
      const t = currentTarget();
      if (!t || t.structure !== 'lesion' || t.lesionId === null) {
        toolActions.notify('Choose a lesion as the target to measure its mask.', 'info');
        return;
      }
      const session = activeSession();
      let segmentationId = session ? session.segmentationId : (savedSegmentationFor(t.seriesId, 'lesion', t.lesionId)?.id ?? null);
      if (session && (session.dirty || segmentationId === null)) segmentationId = await controller.saveMask();
      if (segmentationId === null) return;
      toolActions.setBusy('Measuring…');
      try {
        const m = await api.measureFromMask(segmentationId);
        toolActions.putMeasurement(m);
        toolActions.selectMeasurement(m.id);
        pushEntry({ type: 'add', measurementId: m.id });
        // Show it: the group that holds the series goes to the measured slice.
        const vp = viewportStore.getState();
        const group = (['a', 'b'] as const).find((g) => vp.groups[g].seriesId === m.seriesId && isGroupShown(vp, g));
        if (group) {
          const c = m.pointsLps.reduce<Vec3>((s, p) => [s[0] + p[0] / 4, s[1] + p[1] / 4, s[2] + p[2] / 4], [0, 0, 0]);
          viewportActions.setCursor(group, c, false);
        }
        toolActions.notify(
          `Measured from the mask: ${m.longAxisMm?.toFixed(1)} × ${m.shortAxisMm?.toFixed(1)} mm on image ${(m.sliceIndex ?? 0) + 1}.`,
          'info',
        );
      } catch (error) {
        fail('Measuring the mask failed', error);
      } finally {
        toolActions.setBusy(null);
      }
    },

    interpolateMask() {
      const session = activeSession();
      if (!session) {
        toolActions.notify('Paint the target on two or more slices first.', 'info');
        return;
      }
      const added = interpolate(session);
      if (added > 0) {
        pushEntry({ type: 'mask', sessionKey: session.key });
        toolActions.notify(`Interpolated between the drawn slices: +${((added * voxelVolumeMm3(session.geometry)) / 1000).toFixed(1)} mL.`, 'info');
      } else toolActions.notify('Nothing to fill: paint the target on two slices with a gap between them.', 'info');
      scheduleMaskRedraw();
    },

    refreshSummary,

    async flushSessions(keepSeriesIds) {
      for (const session of allSessions()) {
        if (keepSeriesIds.includes(session.seriesId)) continue;
        if (session.dirty && session.voxelCount > 0) {
          try {
            await saveSession(session);
            toolActions.notify('An edited mask of the series just closed was saved.', 'info');
          } catch (error) {
            fail('An edited mask of the series just closed could not be saved', error);
            continue;
          }
        }
        dropSession(session.key);
      }
      refreshSummary();
    },
  };
  return controller;
}
