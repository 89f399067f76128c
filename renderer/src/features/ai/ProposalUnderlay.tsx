/**
 * The AI proposals' masks over a slice view: the model's own voxels, each drawn as the
 * square it covers (as the lesion masks are), in the AI colour — an amber none of the
 * lesion, liver or measurement colours is near — so a proposal is never mistaken for the
 * reader's own mask. The selected proposal is filled and outlined strongly; the other
 * undecided ones of the run are only outlined, thinly.
 */
import { useEffect, useRef } from 'react';
import { aiStore } from './aiStore';
import { useStore } from '../../app/createStore';
import type { SliceViewState } from '../viewer';
import { colourLabels, labelEdges, paintLabelSlice, sliceImageSize, sparseSliceInto, strokeEdges, type SliceAxis } from '../tools';
import { proposalMask } from './proposalMasks';

/** Amber: away from the liver's salmon, the lesions' pinks and blues and the measurement yellow. */
export const PROPOSAL_RGB: [number, number, number] = [255, 150, 0];

export function ProposalUnderlay({ view }: { view: SliceViewState }) {
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const scratchRef = useRef<HTMLCanvasElement | null>(null);
  const overlays = useStore(aiStore, (s) => s.overlays);
  const selected = useStore(aiStore, (s) => s.selectedProposalId);
  const visible = useStore(aiStore, (s) => s.overlaysVisible);
  const revision = useStore(aiStore, (s) => s.maskRevision);
  const [w, h] = view.camera.viewportPx;
  const dpr = window.devicePixelRatio || 1;
  const mine = overlays.filter((o) => o.seriesId === view.seriesId);

  useEffect(() => {
    const canvas = canvasRef.current;
    const ctx = canvas?.getContext('2d');
    if (!canvas || !ctx) return;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    canvas.dataset.maskPixels = '0';
    canvas.dataset.selectedPixels = '0';
    if (!visible) return;
    const { geometry, sliceIndex } = view;
    const axis = view.camera.frame.sliceAxis as SliceAxis;
    const [iw, ih] = sliceImageSize(geometry.dims, axis);
    const labelImage = new Uint8Array(iw * ih);
    // Label 1: the other proposals; label 2: the selected one, written last so it wins.
    const ordered = [...overlays.filter((o) => o.seriesId === view.seriesId && o.proposalId !== selected), ...overlays.filter((o) => o.seriesId === view.seriesId && o.proposalId === selected)];
    let pixels = 0;
    let selectedPixels = 0;
    for (const o of ordered) {
      const sparse = proposalMask(o.proposalId);
      if (!sparse) continue;
      const n = sparseSliceInto(sparse, geometry.dims, axis, sliceIndex, labelImage, o.proposalId === selected ? 2 : 1);
      pixels += n;
      if (o.proposalId === selected) selectedPixels = n;
    }
    canvas.dataset.maskPixels = String(pixels);
    canvas.dataset.selectedPixels = String(selectedPixels);
    if (pixels === 0) return;

    const colours: [number, number, number, number][] = [
      [0, 0, 0, 0],
      // The undecided ones only outlined: the image under them stays readable.
      [...PROPOSAL_RGB, 0],
      [...PROPOSAL_RGB, 1],
    ];
    const rgba = new Uint8ClampedArray(iw * ih * 4);
    colourLabels(labelImage, iw, ih, colours, rgba, 90);
    const scratch = scratchRef.current ?? document.createElement('canvas');
    scratchRef.current = scratch;
    const toCanvas = paintLabelSlice(ctx, scratch, rgba, iw, ih, { camera: view.camera, geometry, axis, sliceIndex, dpr });
    for (const [label, segs] of labelEdges(labelImage, iw, ih)) {
      const strong = label === 2;
      ctx.lineWidth = strong ? 2 : 1;
      ctx.strokeStyle = `rgba(${PROPOSAL_RGB.join(', ')}, ${strong ? 1 : 0.7})`;
      strokeEdges(ctx, segs, toCanvas);
    }
  }, [view, overlays, selected, visible, revision, dpr, w, h, mine.length]);

  if (mine.length === 0) return null;
  return (
    <canvas
      ref={canvasRef}
      className="mask-layer proposal-layer"
      data-testid={`proposal-layer-${view.kind}${view.group === 'b' ? '-b' : ''}`}
      width={Math.max(1, Math.round(w * dpr))}
      height={Math.max(1, Math.round(h * dpr))}
      style={{ width: w, height: h }}
    />
  );
}
