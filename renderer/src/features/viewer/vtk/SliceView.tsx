/**
 * One MPR view (axial, coronal or sagittal): a vtkImageMapper slicing the shared volume
 * along the voxel axis nearest to the view's plane, framed by a parallel camera from
 * viewGeometry, with DOM overlays (crosshair, orientation labels, corner text).
 *
 * Mouse: left-drag = window/level (or crosshair with the crosshair tool; a reading tool,
 * when one is active or its handle is under the mouse, takes the left button instead),
 * left click = move the crosshair here, right-drag or ctrl+wheel = zoom, middle-drag or
 * shift+drag = pan, wheel = slice. Keys: arrows and PageUp/PageDown = slice.
 *
 * A view belongs to a viewport group (a: the open exam, b: the exam compared with it)
 * and reads that group's crosshair, framing and window.
 */
import { useEffect, useMemo, useRef, useState, type KeyboardEvent, type PointerEvent } from 'react';
import vtkImageMapper from '@kitware/vtk.js/Rendering/Core/ImageMapper';
import vtkImageSlice from '@kitware/vtk.js/Rendering/Core/ImageSlice';
import { SlicingMode } from '@kitware/vtk.js/Rendering/Core/ImageMapper/Constants';
import type { Vec3 } from '../../../../../core/api/types';
import { useGroup, viewportActions, viewportStore, type GroupId } from '../model/viewportStore';
import { MIN_WINDOW_WIDTH_HU } from '../model/presets';
import { SliceOverlay } from './SliceOverlay';
import { makeSliceViewState, type SliceTools, type SliceViewState } from '../model/sliceTools';
import type { LoadedVolume } from '../model/sliceTools';
import { useVtkView } from './useVtkView';
import {
  canvasToWorld,
  clampToVolume,
  sliceCamera,
  sliceIndexAt,
  stepSlice,
  voxelAt,
  zoomAboutPoint,
  type SliceViewKind,
} from '../model/viewGeometry';

/** Test ids and labels of group b's views carry a suffix: view-axial-b. */
export function viewTestId(kind: string, group: GroupId): string {
  return group === 'a' ? kind : `${kind}-b`;
}

const SLICING_MODE = [SlicingMode.I, SlicingMode.J, SlicingMode.K] as const;
/** Below this many pixels of movement a left press is a click (crosshair), not a drag. */
const CLICK_TOLERANCE_PX = 3;

type DragMode = 'windowLevel' | 'crosshair' | 'zoom' | 'pan' | 'tool';
interface Drag {
  mode: DragMode;
  pointerId: number;
  startPx: [number, number];
  lastPx: [number, number];
  moved: boolean;
}

function cameraNow(group: GroupId, kind: SliceViewKind) {
  const { geometry, cursorLps, viewTransforms, viewportsPx } = viewportStore.getState().groups[group];
  if (!geometry || !cursorLps) return null;
  const viewportPx = viewportsPx[kind];
  if (viewportPx[0] < 1 || viewportPx[1] < 1) return null;
  return { geometry, cursorLps, camera: sliceCamera(geometry, kind, viewTransforms[kind], cursorLps, viewportPx) };
}

/** The view as the tools see it, from the store as it is now (for input handlers). */
function viewStateNow(group: GroupId, kind: SliceViewKind, volume: LoadedVolume | null): SliceViewState | null {
  const { geometry, cursorLps, viewTransforms, viewportsPx, seriesId } = viewportStore.getState().groups[group];
  const viewportPx = viewportsPx[kind];
  if (!geometry || !cursorLps || seriesId === null || viewportPx[0] < 1 || viewportPx[1] < 1) return null;
  return makeSliceViewState(group, kind, seriesId, geometry, viewTransforms[kind], cursorLps, viewportPx, volume);
}

interface SliceViewProps {
  kind: SliceViewKind;
  volume: LoadedVolume | null;
  group?: GroupId;
  tools?: SliceTools;
  /**
   * The tool on the left mouse button (the tools' toolStore, handed in by the reading area:
   * the viewer imports no feature): 'crosshair' drags the crosshair, anything else
   * window/levels where no reading tool takes the drag. Also the view's cursor class.
   */
  tool?: string;
}

export function SliceView({ kind, volume, group = 'a', tools, tool = 'windowLevel' }: SliceViewProps) {
  const hostRef = useRef<HTMLDivElement>(null);
  const view = useVtkView(hostRef, group, kind);
  const [pipeline, setPipeline] = useState<{ mapper: vtkImageMapper; actor: vtkImageSlice } | null>(null);

  const geometry = useGroup(group, (g) => g.geometry);
  const seriesId = useGroup(group, (g) => g.seriesId);
  const cursorLps = useGroup(group, (g) => g.cursorLps);
  const huWindow = useGroup(group, (g) => g.window);
  const transform = useGroup(group, (g) => g.viewTransforms[kind]);
  const viewportPx = useGroup(group, (g) => g.viewportsPx[kind]);
  const dataRevision = useGroup(group, (g) => g.load.revision);
  const [toolCursor, setToolCursor] = useState<string | null>(null);
  const testId = viewTestId(kind, group);

  // The vtk pipeline exists while both the view and the volume do.
  useEffect(() => {
    if (!view || !volume) return;
    const mapper = vtkImageMapper.newInstance();
    mapper.setInputData(volume.imageData);
    const actor = vtkImageSlice.newInstance();
    actor.setMapper(mapper);
    actor.getProperty().setInterpolationTypeToLinear();
    view.renderer.addViewProp(actor);
    setPipeline({ mapper, actor });
    return () => {
      setPipeline(null);
      // When the whole view unmounts, its render window (useVtkView) is torn down first.
      if (!view.renderer.isDeleted()) {
        view.renderer.removeViewProp(actor);
        view.requestRender();
      }
      actor.delete();
      mapper.delete();
    };
  }, [view, volume]);

  const camera = useMemo(
    () =>
      geometry && cursorLps && viewportPx[0] > 0 && viewportPx[1] > 0
        ? sliceCamera(geometry, kind, transform, cursorLps, viewportPx)
        : null,
    [geometry, cursorLps, kind, transform, viewportPx],
  );
  const sliceIndex = camera && geometry && cursorLps ? sliceIndexAt(geometry, camera.frame, cursorLps) : null;
  const alongSlices = camera?.frame.sliceAxis === 2;
  const sliceLoaded =
    volume && camera && sliceIndex !== null ? (alongSlices ? volume.isSliceLoaded(sliceIndex) : true) : false;
  // The image is drawn only where it holds data or air (see useVolumeImage); until then the
  // black background stands in for air.
  const showImage =
    volume !== null && sliceIndex !== null && (alongSlices ? volume.isSliceDrawable(sliceIndex) : volume.isEverySliceDrawable());
  // New chunks change a view across the slices, but a view along them only when its own
  // slice changes: redrawing it for every chunk would only cost the other views time.
  const dataKey = !showImage ? 'hidden' : alongSlices ? (sliceLoaded ? 'data' : 'air') : dataRevision;

  // Push plain state into vtk and draw.
  useEffect(() => {
    if (!view || !pipeline || !camera || sliceIndex === null) return;
    const { mapper, actor } = pipeline;
    // The volume just went (another series): its pipeline is deleted, the state not yet cleared.
    if (mapper.isDeleted() || actor.isDeleted()) return;
    mapper.setSlicingMode(SLICING_MODE[camera.frame.sliceAxis]);
    mapper.setSlice(sliceIndex);
    actor.setVisibility(showImage);
    const property = actor.getProperty();
    property.setColorWindow(huWindow.widthHu);
    property.setColorLevel(huWindow.centerHu);
    const vtkCamera = view.renderer.getActiveCamera();
    vtkCamera.setParallelProjection(true);
    vtkCamera.setFocalPoint(...camera.focalPointMm);
    vtkCamera.setPosition(...camera.positionMm);
    vtkCamera.setViewUp(...camera.frame.up);
    vtkCamera.setParallelScale(camera.parallelScaleMm);
    view.renderer.resetCameraClippingRange();
    view.requestRender();
  }, [view, pipeline, camera, sliceIndex, huWindow, showImage, dataKey]);

  // ---- input ------------------------------------------------------------------------

  const dragRef = useRef<Drag | null>(null);
  const wheelAccumRef = useRef(0);

  const localPx = (event: { clientX: number; clientY: number }): [number, number] => {
    const rect = hostRef.current?.getBoundingClientRect();
    return rect ? [event.clientX - rect.left, event.clientY - rect.top] : [0, 0];
  };

  const moveCrosshairTo = (px: [number, number]): void => {
    const now = cameraNow(group, kind);
    if (!now) return;
    viewportActions.setCursor(group, clampToVolume(now.geometry, canvasToWorld(now.camera, px, now.cursorLps)));
  };

  const updateReadout = (px: [number, number]): void => {
    const now = cameraNow(group, kind);
    if (!now) return;
    const lpsMm: Vec3 = canvasToWorld(now.camera, px, now.cursorLps);
    const voxel = voxelAt(now.geometry, lpsMm);
    const hu = voxel && volume ? volume.huAt(voxel) : null;
    viewportActions.setReadout({ view: kind, group, lpsMm, voxel, hu });
  };

  const stepSlices = (steps: number): void => {
    const now = cameraNow(group, kind);
    if (!now) return;
    viewportActions.setCursor(group, stepSlice(now.geometry, now.camera.frame, now.cursorLps, steps));
  };

  const onPointerDown = (event: PointerEvent<HTMLDivElement>): void => {
    event.currentTarget.focus({ preventScroll: true });
    viewportActions.setActiveGroup(group);
    const px = localPx(event);
    let mode: DragMode;
    if (event.button === 2) mode = 'zoom';
    else if (event.button === 1 || (event.button === 0 && event.shiftKey)) mode = 'pan';
    else if (event.button === 0) {
      const toolView = tools ? viewStateNow(group, kind, volume) : null;
      if (tools && toolView && tools.pointerDown(toolView, px, event)) mode = 'tool';
      else mode = tool === 'crosshair' ? 'crosshair' : 'windowLevel';
    } else return;
    event.preventDefault();
    event.currentTarget.setPointerCapture(event.pointerId);
    dragRef.current = { mode, pointerId: event.pointerId, startPx: px, lastPx: px, moved: false };
    if (mode === 'crosshair') moveCrosshairTo(px);
  };

  const onPointerMove = (event: PointerEvent<HTMLDivElement>): void => {
    const px = localPx(event);
    const drag = dragRef.current;
    if (drag && drag.pointerId === event.pointerId) {
      const dx = px[0] - drag.lastPx[0];
      const dy = px[1] - drag.lastPx[1];
      if (Math.hypot(px[0] - drag.startPx[0], px[1] - drag.startPx[1]) > CLICK_TOLERANCE_PX) drag.moved = true;
      drag.lastPx = px;
      const state = viewportStore.getState().groups[group];
      if (drag.mode === 'tool') {
        const toolView = viewStateNow(group, kind, volume);
        if (tools && toolView) tools.pointerMove(toolView, px, event);
      } else if (drag.mode === 'windowLevel' && drag.moved) {
        // Horizontal = width, vertical = level (drag down → higher level, darker image);
        // sensitivity follows the current width so narrow windows stay controllable.
        const huPerPx = Math.max(0.5, state.window.widthHu / 300);
        viewportActions.setWindow(
          group,
          Math.max(MIN_WINDOW_WIDTH_HU, state.window.widthHu + dx * huPerPx),
          state.window.centerHu + dy * huPerPx,
        );
      } else if (drag.mode === 'crosshair') {
        moveCrosshairTo(px);
      } else if (drag.mode === 'zoom') {
        const t = state.viewTransforms[kind];
        viewportActions.setViewTransform(group, kind, { ...t, zoom: Math.min(40, Math.max(0.2, t.zoom * Math.exp(-dy * 0.01))) });
      } else if (drag.mode === 'pan') {
        const now = cameraNow(group, kind);
        if (now) {
          const mmPerPx = (2 * now.camera.parallelScaleMm) / now.camera.viewportPx[1];
          const t = state.viewTransforms[kind];
          viewportActions.setViewTransform(group, kind, { ...t, panMm: [t.panMm[0] - dx * mmPerPx, t.panMm[1] + dy * mmPerPx] });
        }
      }
    } else if (tools) {
      const toolView = viewStateNow(group, kind, volume);
      const cursor = toolView ? tools.hover(toolView, px) : null;
      if (cursor !== toolCursor) setToolCursor(cursor);
    }
    updateReadout(px);
  };

  const onPointerUp = (event: PointerEvent<HTMLDivElement>): void => {
    const drag = dragRef.current;
    if (!drag || drag.pointerId !== event.pointerId) return;
    dragRef.current = null;
    event.currentTarget.releasePointerCapture(event.pointerId);
    if (drag.mode === 'tool') {
      const toolView = viewStateNow(group, kind, volume);
      if (tools && toolView) tools.pointerUp(toolView, localPx(event), event);
      return;
    }
    // A left click without a drag moves the crosshair, whatever the tool.
    if (drag.mode === 'windowLevel' && !drag.moved) moveCrosshairTo(localPx(event));
  };

  // Wheel needs a non-passive listener to keep the page from scrolling or zooming.
  const interactionRef = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = interactionRef.current;
    if (!element) return;
    const onWheel = (event: WheelEvent): void => {
      event.preventDefault();
      const now = cameraNow(group, kind);
      if (!now) return;
      if (event.ctrlKey || event.metaKey) {
        const t = viewportStore.getState().groups[group].viewTransforms[kind];
        const zoom = Math.min(40, Math.max(0.2, t.zoom * Math.exp(-event.deltaY * 0.0015)));
        const px = localPx(event);
        viewportActions.setViewTransform(
          group,
          kind,
          zoomAboutPoint(now.geometry, kind, t, zoom, px, now.cursorLps, now.camera.viewportPx),
        );
        return;
      }
      // One notch of a mouse wheel = one slice; trackpads' small deltas accumulate.
      const delta = event.deltaMode === WheelEvent.DOM_DELTA_PIXEL ? event.deltaY : event.deltaY * 40;
      if (Math.abs(delta) >= 50) {
        wheelAccumRef.current = 0;
        stepSlices(Math.sign(delta));
      } else {
        wheelAccumRef.current += delta;
        if (Math.abs(wheelAccumRef.current) >= 50) {
          stepSlices(Math.sign(wheelAccumRef.current));
          wheelAccumRef.current = 0;
        }
      }
      updateReadout(localPx(event));
    };
    element.addEventListener('wheel', onWheel, { passive: false });
    return () => element.removeEventListener('wheel', onWheel);
    // The handlers read fresh state from the store; only `group`, `kind` and `volume` are captured.
  }, [group, kind, volume]);

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>): void => {
    const bigStep = event.shiftKey ? 10 : 1;
    const steps: Record<string, number> = {
      ArrowDown: bigStep,
      ArrowUp: -bigStep,
      PageDown: bigStep,
      PageUp: -bigStep,
    };
    if (event.key in steps) {
      event.preventDefault();
      stepSlices(steps[event.key]);
    }
  };

  const sliceCount = geometry && camera ? geometry.dims[camera.frame.sliceAxis] : 0;
  const toolView = useMemo(
    () =>
      tools && geometry && cursorLps && seriesId !== null && viewportPx[0] > 0 && viewportPx[1] > 0
        ? makeSliceViewState(group, kind, seriesId, geometry, transform, cursorLps, viewportPx, volume)
        : null,
    [tools, group, kind, seriesId, geometry, transform, cursorLps, viewportPx, volume],
  );

  return (
    <div
      className={`view view-${kind}`}
      data-testid={`view-${testId}`}
      data-group={group}
      data-slice-index={sliceIndex ?? undefined}
      data-slice-count={sliceCount || undefined}
      data-slice-loaded={sliceLoaded ? 'true' : 'false'}
    >
      <div className="vtk-host" ref={hostRef} />
      {tools && toolView && <tools.Underlay view={toolView} />}
      {camera && geometry && cursorLps && (
        <SliceOverlay
          group={group}
          kind={kind}
          camera={camera}
          geometry={geometry}
          cursorLps={cursorLps}
          sliceIndex={sliceIndex ?? 0}
          sliceCount={sliceCount}
          sliceLoaded={sliceLoaded}
          zoom={transform.zoom}
        />
      )}
      <div
        ref={interactionRef}
        className={`view-input tool-${tool}`}
        style={toolCursor ? { cursor: toolCursor } : undefined}
        tabIndex={0}
        aria-label={`${kind} view${group === 'b' ? ' (comparison exam)' : ''}`}
        onPointerDown={onPointerDown}
        onPointerMove={onPointerMove}
        onPointerUp={onPointerUp}
        onPointerCancel={onPointerUp}
        onPointerLeave={() => {
          viewportActions.setReadout(null);
          const leaving = tools ? viewStateNow(group, kind, volume) : null;
          if (tools && leaving) tools.hover(leaving, null);
        }}
        onPointerEnter={(event) => {
          // Keys scroll the view under the mouse, but never steal focus from a text field.
          const active = document.activeElement;
          if (!(active instanceof HTMLInputElement || active instanceof HTMLTextAreaElement)) {
            event.currentTarget.focus({ preventScroll: true });
          }
        }}
        onContextMenu={(event) => event.preventDefault()}
        onDoubleClick={() => {
          // A double click that a tool used (closing a freehand outline) is not a maximize.
          if (!tools || tool === 'windowLevel' || tool === 'crosshair') {
            viewportActions.toggleMaximized(group, kind);
          }
        }}
        onKeyDown={onKeyDown}
      />
      {tools && toolView && <tools.Overlay view={toolView} />}
    </div>
  );
}
