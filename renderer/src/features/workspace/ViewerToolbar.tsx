import { useStore } from '../../app/createStore';
import { ToggleButton } from '../../ui/ToggleButton';
import { toolActions, toolStore, type Tool, ToolPalette, type ToolController } from '../tools';
import { viewportActions, viewportStore, VOLUME_PRESETS, WINDOW_PRESETS } from '../viewer';
import { CompareControls } from './CompareControls';

const TOOLS: { id: Tool; label: string; hint: string }[] = [
  { id: 'windowLevel', label: 'W/L', hint: 'Left-drag: window (horizontal) and level (vertical). Click: move the crosshair. Esc returns here from any tool.' },
  { id: 'crosshair', label: 'Crosshair', hint: 'Left-drag: move the linked crosshair.' },
];

export function ViewerToolbar({ controller }: { controller: ToolController }) {
  // The toolbar reads and sets the window of the group worked in; presets window every group alike.
  const activeGroup = useStore(viewportStore, (s) => s.activeGroup);
  const series = useStore(viewportStore, (s) => s.groups[activeGroup].series);
  const presetId = useStore(viewportStore, (s) => s.groups[activeGroup].windowPresetId);
  const huWindow = useStore(viewportStore, (s) => s.groups[activeGroup].window);
  const volumePresetId = useStore(viewportStore, (s) => s.volumePresetId);
  const volumeLabelsVisible = useStore(viewportStore, (s) => s.volumeLabelsVisible);
  const layout = useStore(viewportStore, (s) => s.layout);
  const tool = useStore(toolStore, (s) => s.tool);
  const defaultWindow = series?.defaultWindow ?? null;

  return (
    <div className="toolbar" role="toolbar" aria-label="Viewer tools">
      <div className="tool-group" aria-label="Window presets">
        {WINDOW_PRESETS.map((p) => (
          <ToggleButton
            key={p.id}
            testId={`preset-${p.id}`}
            active={presetId === p.id}
            title={`W ${p.widthHu} / L ${p.centerHu} HU`}
            onClick={() => viewportActions.setWindowAll(p.widthHu, p.centerHu, p.id)}
          >
            {p.label}
          </ToggleButton>
        ))}
        {defaultWindow && (
          <button
            type="button"
            className="button"
            data-testid="preset-file"
            title={`Window stored in the file: W ${defaultWindow.width} / L ${defaultWindow.center} HU`}
            onClick={() => viewportActions.setWindow(activeGroup, defaultWindow.width, defaultWindow.center)}
          >
            File
          </button>
        )}
        <span className="dim window-value" data-testid="window-value" data-width={Math.round(huWindow.widthHu)} data-center={Math.round(huWindow.centerHu)}>
          W {Math.round(huWindow.widthHu)} / L {Math.round(huWindow.centerHu)}
        </span>
      </div>
      <div className="tool-group" aria-label="Mouse tool">
        {TOOLS.map((t) => (
          <ToggleButton key={t.id} testId={`tool-${t.id}`} active={tool === t.id} title={t.hint} onClick={() => toolActions.setTool(t.id)}>
            {t.label}
          </ToggleButton>
        ))}
        <button type="button" className="button" data-testid="view-reset" title="Fit every view, keep slices and window" onClick={() => viewportActions.resetViews()}>
          Reset
        </button>
      </div>
      <ToolPalette controller={controller} />
      <CompareControls />
      {layout === 'single' && (
        <div className="tool-group" aria-label="3D presets">
          <span className="dim">3D</span>
          {VOLUME_PRESETS.map((p) => (
            <ToggleButton key={p.id} testId={`vr-preset-${p.id}`} active={volumePresetId === p.id} onClick={() => viewportActions.setVolumePreset(p.id)}>
              {p.label}
            </ToggleButton>
          ))}
          <ToggleButton
            testId="vr-masks"
            active={volumeLabelsVisible}
            title="Show the lesion masks in the 3D view, each in its lesion's colour (as on the slices). They are drawn over the volume, so a lesion inside an organ shows through it: turn the view to judge its depth."
            onClick={() => viewportActions.setVolumeLabelsVisible(!volumeLabelsVisible)}
          >
            Masks
          </ToggleButton>
        </div>
      )}
    </div>
  );
}
