/**
 * The lesion masks of a series for the 3D view: the saved ones (the same runs the slice
 * views' mask layer draws, from the segmentation API) and the ones being edited, each in its
 * lesion's colour (lesionColour, as on the slices). A mask is cropped to its bounding box
 * once per version; an edited mask is updated when a stroke ends, not while it is painted.
 */
import { useMemo, useRef } from 'react';
import type { VolumeGeometry } from '../../../../core/api/types';
import { useStore } from '../../app/createStore';
import { cropFromDense, cropFromRuns, lesionColour, type LabelCrop, type VolumeLabel } from '../viewer';
import { cachedMask, sessionKey, sessionsOfSeries } from './maskEditor';
import { toolStore } from './toolStore';

interface Cached {
  version: string;
  crop: LabelCrop | null;
}

/** Same keys, versions, names and colours, in the same order. */
function sameLabels(a: readonly VolumeLabel[], b: readonly VolumeLabel[]): boolean {
  return a.length === b.length && a.every((l, i) => l.key === b[i].key && l.version === b[i].version && l.name === b[i].name && l.rgb.join() === b[i].rgb.join());
}

const NONE: readonly VolumeLabel[] = [];

/** A number per editing session object (a session dropped and opened again is another one). */
const sessionIds = new WeakMap<object, number>();
let nextSessionId = 1;
function sessionId(session: object): number {
  let id = sessionIds.get(session);
  if (id === undefined) sessionIds.set(session, (id = nextSessionId++));
  return id;
}

/** The lesion masks of `seriesId` (on its grid, `geometry`) as 3D labels; none while `enabled` is false. */
export function useLesionVolumeLabels(seriesId: number | null, geometry: VolumeGeometry | null, enabled: boolean): readonly VolumeLabel[] {
  const revision = useStore(toolStore, (s) => s.maskRevision);
  const segmentations = useStore(toolStore, (s) => (seriesId === null ? undefined : s.segmentationsBySeries[seriesId]));
  const labels = useStore(toolStore, (s) => s.lesionLabels);
  const crops = useRef(new Map<string, Cached>());
  const last = useRef<readonly VolumeLabel[]>(NONE);

  return useMemo(() => {
    void revision; // the masks being edited are looked up again when one changes
    if (!enabled || seriesId === null || !geometry) return NONE;
    const dims = geometry.dims;
    const voxels = dims[0] * dims[1] * dims[2];
    const used = new Set<string>();
    const cropOf = (key: string, version: string, make: () => LabelCrop | null): LabelCrop | null => {
      used.add(key);
      const known = crops.current.get(key);
      if (known && known.version === version) return known.crop;
      const crop = make();
      crops.current.set(key, { version, crop });
      return crop;
    };
    const out: VolumeLabel[] = [];
    const sessions = sessionsOfSeries(seriesId).filter((s) => s.structure === 'lesion' && s.lesionId !== null);
    const edited = new Set(sessions.map((s) => s.key));
    const editedIds = new Set(sessions.map((s) => s.segmentationId));
    const push = (key: string, lesionId: number, version: string, crop: LabelCrop | null): void => {
      if (!crop || crop.voxelCount === 0) return;
      const name = labels[lesionId] ?? `#${lesionId}`;
      out.push({ key, name, rgb: lesionColour(labels[lesionId], lesionId), version, crop });
    };
    for (const seg of segmentations ?? []) {
      if (seg.structure !== 'lesion' || seg.lesionId === null) continue;
      const key = sessionKey(seg.seriesId, seg.structure, seg.lesionId);
      const cached = cachedMask(seg.id);
      if (!cached || edited.has(key) || editedIds.has(seg.id)) continue;
      const version = `saved:${seg.id}:${cached.updatedAt}`;
      push(`seg-${seg.id}`, seg.lesionId, version, cropOf(`seg-${seg.id}`, version, () => (cached.sparse.length === voxels ? cropFromRuns(cached.sparse.starts, cached.sparse.ends, dims) : null)));
    }
    for (const s of sessions) {
      // While a stroke is being painted, the 3D view keeps the mask as it was before it.
      const known = crops.current.get(s.key);
      const version = s.stroke && known ? known.version : `edit:${sessionId(s)}:${s.revision}`;
      push(s.key, s.lesionId!, version, cropOf(s.key, version, () => cropFromDense(s.mask, s.geometry.dims)));
    }
    for (const key of crops.current.keys()) if (!used.has(key)) crops.current.delete(key);
    if (sameLabels(out, last.current)) return last.current;
    last.current = out;
    return out;
  }, [enabled, seriesId, geometry, segmentations, labels, revision]);
}
