/**
 * The reading area: toolbar, 2×2 grid (axial, coronal, sagittal, 3D) and status bar.
 * It owns the shared volume for the open series; the views draw it.
 */
import { useApi } from '../../api';
import { appStore, type ViewKind } from '../../store/appStore';
import { useStore } from '../../store/createStore';
import { SliceView, VolumeView, useVolumeImage } from '../../viewer';
import { StatusBar } from './StatusBar';
import { ViewerToolbar } from './ViewerToolbar';

export function ViewerPanel() {
  const api = useApi();
  const seriesId = useStore(appStore, (s) => s.seriesId);
  const openError = useStore(appStore, (s) => s.openError);
  const maximized = useStore(appStore, (s) => s.maximizedView);
  const volume = useVolumeImage(api, seriesId);

  const cell = (view: ViewKind): string => `cell${maximized === view ? ' maximized' : ''}${maximized && maximized !== view ? ' hidden' : ''}`;

  return (
    <main className="viewer" data-testid="viewer" data-series-id={seriesId ?? undefined}>
      <ViewerToolbar />
      <div className="grid">
        {seriesId === null ? (
          <div className="viewer-empty">
            <div className="strong">No series open</div>
            <div className="dim">Choose a series in the library on the left, or drop DICOM files anywhere to import them.</div>
          </div>
        ) : openError ? (
          <div className="viewer-empty error" data-testid="open-error">
            {openError}
          </div>
        ) : (
          <>
            <div className={cell('axial')}>
              <SliceView kind="axial" volume={volume} />
            </div>
            <div className={cell('coronal')}>
              <SliceView kind="coronal" volume={volume} />
            </div>
            <div className={cell('sagittal')}>
              <SliceView kind="sagittal" volume={volume} />
            </div>
            <div className={cell('3d')}>
              <VolumeView volume={volume} />
            </div>
          </>
        )}
      </div>
      <StatusBar />
    </main>
  );
}
