/**
 * Choosing a lesion (in the lesion table or panel) centres every viewport group on that
 * lesion's latest measurement in the group's exam. A group whose exam has none is centred
 * on the corresponding place when a registration links the two exams (the other group's
 * measurement carried through it), and otherwise stays where it is. A lesion the tools
 * selected themselves (the reader is looking at it) does not move the views.
 */
import { useEffect } from 'react';
import type { ApiClient } from '../../api';
import { useStore } from '../../app/createStore';
import { lesionSelection } from '../lesions';
import { toolActions, toolStore } from '../tools';
import type { Vec3 } from '../../../../core/api/types';
import { GROUP_IDS, isGroupShown, viewportActions, viewportStore, type GroupId } from '../viewer';
import { focusTargets, latestMeasurementOn, measurementCentreLps } from './lesionFocus';

export function useLesionFocus(api: ApiClient): void {
  const selected = useStore(lesionSelection, (s) => s.selectedLesionId);
  useEffect(() => {
    const byTool = toolStore.getState().lesionSelectedByTool;
    if (byTool !== null && byTool !== selected) toolActions.setLesionSelectedByTool(null);
    if (selected === null || byTool === selected) return;
    let cancelled = false;
    api
      .listMeasurements({ lesionId: selected })
      .then((list) => {
        if (cancelled) return;
        const vp = viewportStore.getState();
        const own = { a: null, b: null } as Record<GroupId, Vec3 | null>;
        for (const group of GROUP_IDS) {
          const seriesId = vp.groups[group].seriesId;
          if (!isGroupShown(vp, group) || seriesId === null) continue;
          const latest = latestMeasurementOn(list, seriesId);
          if (latest) own[group] = measurementCentreLps(latest);
        }
        const targets = focusTargets(own, vp.examTransform);
        for (const group of GROUP_IDS) {
          const target = targets[group];
          if (target && isGroupShown(vp, group) && vp.groups[group].seriesId !== null) viewportActions.centreOn(group, target);
        }
      })
      .catch(() => undefined); // the views stay where they are
    return () => {
      cancelled = true;
    };
  }, [api, selected]);
}
