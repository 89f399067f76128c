/**
 * Choosing a lesion (in the lesion table or panel) centres every viewport group on that
 * lesion's latest measurement in the group's exam; a group whose exam has none stays
 * where it is. A lesion the tools selected themselves (the reader is looking at it) does
 * not move the views.
 */
import { useEffect } from 'react';
import type { ApiClient } from '../../api';
import { useStore } from '../../store/createStore';
import { lesionSelection } from '../../store/lesionStore';
import { toolActions, toolStore } from '../../store/toolStore';
import { GROUP_IDS, isGroupShown, viewportActions, viewportStore } from '../../store/viewportStore';
import { latestMeasurementOn, measurementCentreLps } from './lesionFocus';

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
        for (const group of GROUP_IDS) {
          const seriesId = vp.groups[group].seriesId;
          if (!isGroupShown(vp, group) || seriesId === null) continue;
          const latest = latestMeasurementOn(list, seriesId);
          if (latest) viewportActions.centreOn(group, measurementCentreLps(latest));
        }
      })
      .catch(() => undefined); // the views stay where they are
    return () => {
      cancelled = true;
    };
  }, [api, selected]);
}
