/**
 * Masks of the series on a slice view: a canvas over the image with the slice's label
 * pixels, each voxel drawn as the square it covers (no smoothing, so the border shown is
 * the border saved), a faint fill and a strong outline. The liver is drawn under the
 * lesions; the mask being edited is brightest.
 */
import { useEffect, useRef } from 'react';
import { useStore } from '../../app/createStore';
import { toolStore } from './toolStore';
import { LIVER_RGB, lesionColour, type SliceViewState } from '../viewer';
import { cachedMask, sessionKey, sessionsOfSeries } from './maskEditor';
import { paintLabelSlice, strokeEdges } from './labelCanvas';
import { colourLabels, denseSliceInto, labelEdges, sliceImageSize, sparseSliceInto, type SliceAxis } from './maskSlice';

export function MaskUnderlay({ view }: { view: SliceViewState }) {
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const scratchRef = useRef<HTMLCanvasElement | null>(null);
  const revision = useStore(toolStore, (s) => s.maskRevision);
  const segmentations = useStore(toolStore, (s) => s.segmentationsBySeries[view.seriesId]);
  const visible = useStore(toolStore, (s) => s.masksVisible);
  const activeKey = useStore(toolStore, (s) => s.session?.key ?? null);
  const labels = useStore(toolStore, (s) => s.lesionLabels);
  const [w, h] = view.camera.viewportPx;
  const dpr = window.devicePixelRatio || 1;
  // No canvas (and no 2D context to set up and composite) while the series has no mask.
  const hasMasks = (segmentations?.length ?? 0) > 0 || sessionsOfSeries(view.seriesId).length > 0;
  void revision; // sessions are looked up again when a mask changes

  useEffect(() => {
    const canvas = canvasRef.current;
    const ctx = canvas?.getContext('2d');
    if (!canvas || !ctx) return;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    canvas.dataset.maskPixels = '0';
    if (!visible) return;

    const { geometry, sliceIndex } = view;
    const axis = view.camera.frame.sliceAxis as SliceAxis;
    const sessions = sessionsOfSeries(view.seriesId);
    const editedIds = new Set(sessions.map((s) => s.segmentationId));
    const editedKeys = new Set(sessions.map((s) => s.key));
    type Layer = { key: string; structure: 'lesion' | 'liver'; lesionId: number | null; fill: (out: Uint8Array, label: number) => number };
    const layers: Layer[] = [];
    for (const seg of segmentations ?? []) {
      const key = sessionKey(seg.seriesId, seg.structure, seg.lesionId);
      const cached = cachedMask(seg.id);
      if (editedIds.has(seg.id) || editedKeys.has(key) || !cached) continue;
      layers.push({ key, structure: seg.structure, lesionId: seg.lesionId, fill: (out, label) => sparseSliceInto(cached.sparse, geometry.dims, axis, sliceIndex, out, label) });
    }
    for (const s of sessions) {
      layers.push({ key: s.key, structure: s.structure, lesionId: s.lesionId, fill: (out, label) => denseSliceInto(s.mask, geometry.dims, axis, sliceIndex, out, label) });
    }
    if (layers.length === 0) return;
    // Liver first, so lesions inside it stay visible.
    layers.sort((a, b) => Number(a.structure === 'lesion') - Number(b.structure === 'lesion'));

    const [iw, ih] = sliceImageSize(geometry.dims, axis);
    const labelImage = new Uint8Array(iw * ih);
    const colours: [number, number, number, number][] = [[0, 0, 0, 0]];
    let pixels = 0;
    layers.forEach((layer, i) => {
      const rgb = layer.structure === 'liver' ? LIVER_RGB : lesionColour(layer.lesionId !== null ? labels[layer.lesionId] : undefined, layer.lesionId ?? 0);
      colours.push([...rgb, layer.key === activeKey ? 1 : 0.6]);
      pixels += layer.fill(labelImage, i + 1);
    });
    canvas.dataset.maskPixels = String(pixels);
    if (pixels === 0) return;

    const rgba = new Uint8ClampedArray(iw * ih * 4);
    colourLabels(labelImage, iw, ih, colours, rgba);
    const edges = labelEdges(labelImage, iw, ih);
    const scratch = scratchRef.current ?? document.createElement('canvas');
    scratchRef.current = scratch;
    const toCanvas = paintLabelSlice(ctx, scratch, rgba, iw, ih, { camera: view.camera, geometry, axis, sliceIndex, dpr });
    ctx.lineWidth = 1.25;
    for (const [label, segs] of edges) {
      const [r, g, b, strength] = colours[label];
      ctx.strokeStyle = `rgba(${r}, ${g}, ${b}, ${0.55 + 0.45 * strength})`;
      strokeEdges(ctx, segs, toCanvas);
    }
  }, [view, revision, segmentations, visible, activeKey, labels, dpr, w, h, hasMasks]);

  if (!hasMasks) return null;
  return (
    <canvas
      ref={canvasRef}
      className="mask-layer"
      data-testid={`mask-layer-${view.kind}${view.group === 'b' ? '-b' : ''}`}
      width={Math.max(1, Math.round(w * dpr))}
      height={Math.max(1, Math.round(h * dpr))}
      style={{ width: w, height: h }}
    />
  );
}
