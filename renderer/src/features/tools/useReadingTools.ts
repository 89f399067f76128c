/**
 * The reading tools for the viewer: one controller per API client, the data it draws
 * (measurements, segmentations and lesion labels of the open series, reloaded whenever the
 * workstation reports a change to the patient's lesions or masks), and the keyboard: Esc,
 * Del, Ctrl+Z (undo), Ctrl+Shift+Z and Ctrl+Y (redo), [ and ].
 */
import { createElement, useEffect, useMemo } from 'react';
import { useApi, type ApiClient } from '../../api';
import { useStore } from '../../app/createStore';
import { lesionSelection } from '../lesions';
import { isSegmentTool, toolActions, toolStore } from './toolStore';
import { viewportStore, type SliceTools, type SliceViewState } from '../viewer';
import { cacheMask, cachedMask, pruneCache } from './maskEditor';
import { LayerBoundary } from './LayerBoundary';
import { MaskUnderlay } from './MaskUnderlay';
import { MeasurementOverlay } from './MeasurementOverlay';
import { createToolController, type ToolController } from './toolController';
import { isRedoKey, isUndoKey } from './undoStack';

export interface ReadingTools {
  controller: ToolController;
  sliceTools: SliceTools;
}

function makeSliceTools(controller: ToolController): SliceTools {
  const Overlay = ({ view }: { view: SliceViewState }) =>
    createElement(LayerBoundary, { name: 'measurement layer', children: createElement(MeasurementOverlay, { view, controller }) });
  const Underlay = ({ view }: { view: SliceViewState }) =>
    createElement(LayerBoundary, { name: 'mask layer', children: createElement(MaskUnderlay, { view }) });
  return {
    Overlay,
    Underlay,
    pointerDown: controller.pointerDown,
    pointerMove: controller.pointerMove,
    pointerUp: controller.pointerUp,
    hover: controller.hover,
  };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Measurements and segmentations of the open series, and the saved masks for the overlays. */
function useSeriesData(api: ApiClient, controller: ToolController): void {
  const seriesA = useStore(viewportStore, (s) => s.groups.a.seriesId);
  const seriesB = useStore(viewportStore, (s) => (s.layout === 'compare' ? s.groups.b.seriesId : null));
  const revision = useStore(lesionSelection, (s) => s.revision);
  const patientRowId = useStore(lesionSelection, (s) => s.patientRowId);

  useEffect(() => {
    const open = [seriesA, seriesB].filter((id): id is number => id !== null);
    void controller.flushSessions(open);
    pruneCache(open);
  }, [controller, seriesA, seriesB]);

  useEffect(() => {
    let cancelled = false;
    for (const seriesId of [seriesA, seriesB]) {
      if (seriesId === null) continue;
      api
        .listMeasurements({ seriesId })
        .then((list) => !cancelled && toolActions.setMeasurements(seriesId, list))
        .catch((e) => !cancelled && toolActions.notify(`Could not load the measurements of series ${seriesId}: ${describe(e)}`));
      api
        .listSegmentations({ seriesId })
        .then(async (list) => {
          if (cancelled) return;
          toolActions.setSegmentations(seriesId, list);
          let fetched = false;
          for (const seg of list) {
            const cached = cachedMask(seg.id);
            if (cached && cached.updatedAt === seg.updatedAt) continue;
            const rle = await api.getSegmentationMask(seg.id);
            if (cancelled) return;
            cacheMask(seg.id, seriesId, seg.updatedAt, rle);
            fetched = true;
          }
          if (fetched) toolActions.maskChanged();
          controller.refreshSummary();
        })
        .catch((e) => !cancelled && toolActions.notify(`Could not load the masks of series ${seriesId}: ${describe(e)}`));
    }
    return () => {
      cancelled = true;
    };
  }, [api, controller, seriesA, seriesB, revision]);

  useEffect(() => {
    if (patientRowId === null) return;
    let cancelled = false;
    api
      .listLesions(patientRowId)
      .then((lesions) => !cancelled && toolActions.setLesionLabels(Object.fromEntries(lesions.map((l) => [l.id, l.label]))))
      .catch((e) => !cancelled && toolActions.notify(`Could not load the lesions: ${describe(e)}`));
    return () => {
      cancelled = true;
    };
  }, [api, patientRowId, revision]);

  // The mask numbers in the toolbar follow the target, the lesion and the group worked in.
  useEffect(() => {
    const refresh = () => controller.refreshSummary();
    const subscriptions = [viewportStore.subscribe(refresh), lesionSelection.subscribe(refresh), toolStore.subscribe(refresh)];
    refresh();
    return () => subscriptions.forEach((unsubscribe) => unsubscribe());
  }, [controller]);
}

function useToolShortcuts(controller: ToolController): void {
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent): void => {
      const target = event.target as HTMLElement | null;
      if (target && (target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement || target.isContentEditable)) return;
      // Keys belong to the viewer when it (or nothing in particular) has the focus.
      if (target && target !== document.body && !target.closest('[data-testid="viewer"]')) return;
      const state = toolStore.getState();
      if (event.key === 'Escape') {
        controller.cancel();
      } else if ((event.key === 'Delete' || event.key === 'Backspace') && state.selectedMeasurementId !== null) {
        event.preventDefault();
        void controller.deleteSelected();
      } else if (isRedoKey(event)) {
        event.preventDefault();
        void controller.redo();
      } else if (isUndoKey(event)) {
        event.preventDefault();
        void controller.undo();
      } else if ((event.key === '[' || event.key === ']') && isSegmentTool(state.tool)) {
        toolActions.setBrushRadius(state.brushRadiusMm + (event.key === ']' ? 1 : -1));
      }
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, [controller]);
}

export function useReadingTools(): ReadingTools {
  const api = useApi();
  const tools = useMemo(() => {
    const controller = createToolController(api);
    return { controller, sliceTools: makeSliceTools(controller) };
  }, [api]);
  useSeriesData(api, tools.controller);
  useToolShortcuts(tools.controller);
  return tools;
}
