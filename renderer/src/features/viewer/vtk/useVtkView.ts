/**
 * One vtk.js render window on a host element: renderer, WebGL view, size kept in
 * step with the element, renders coalesced to one per animation frame. Everything is
 * deleted (and the WebGL context released) when the component unmounts.
 */
import { useEffect, useState, type RefObject } from 'react';
import '@kitware/vtk.js/Rendering/OpenGL/Profiles/Volume';
import vtkOpenGLRenderWindow from '@kitware/vtk.js/Rendering/OpenGL/RenderWindow';
import vtkRenderWindow from '@kitware/vtk.js/Rendering/Core/RenderWindow';
import vtkRenderWindowInteractor from '@kitware/vtk.js/Rendering/Core/RenderWindowInteractor';
import vtkRenderer from '@kitware/vtk.js/Rendering/Core/Renderer';
import vtkInteractorStyleTrackballCamera from '@kitware/vtk.js/Interaction/Style/InteractorStyleTrackballCamera';
import { viewportActions, type GroupId, type ViewKind } from '../model/viewportStore';

export interface VtkView {
  renderWindow: vtkRenderWindow;
  renderer: vtkRenderer;
  glWindow: vtkOpenGLRenderWindow;
  interactor: vtkRenderWindowInteractor | null;
  requestRender(): void;
}

export interface VtkViewOptions {
  /** Let vtk's trackball style drive the camera (3D view); slice views handle input themselves. */
  trackball?: boolean;
  background?: [number, number, number];
  /**
   * Create the WebGL context only once this is true (default true). Creating one blocks the
   * main thread for tens of milliseconds, so a view with nothing to draw yet can wait.
   */
  enabled?: boolean;
}

export function useVtkView(
  hostRef: RefObject<HTMLDivElement | null>,
  group: GroupId,
  view: ViewKind,
  options: VtkViewOptions = {},
): VtkView | null {
  const [handle, setHandle] = useState<VtkView | null>(null);
  const trackball = options.trackball ?? false;
  const [r, g, b] = options.background ?? [0, 0, 0];
  const enabled = options.enabled ?? true;

  useEffect(() => {
    const host = hostRef.current;
    if (!host || !enabled) return;
    const renderWindow = vtkRenderWindow.newInstance();
    const renderer = vtkRenderer.newInstance({ background: [r, g, b] });
    renderWindow.addRenderer(renderer);
    const glWindow = vtkOpenGLRenderWindow.newInstance();
    renderWindow.addView(glWindow);
    glWindow.setContainer(host);

    let interactor: vtkRenderWindowInteractor | null = null;
    if (trackball) {
      interactor = vtkRenderWindowInteractor.newInstance();
      interactor.setView(glWindow);
      interactor.initialize();
      interactor.bindEvents(host);
      interactor.setInteractorStyle(vtkInteractorStyleTrackballCamera.newInstance());
    }

    let frame = 0;
    const requestRender = (): void => {
      if (frame) return;
      frame = requestAnimationFrame(() => {
        frame = 0;
        renderWindow.render();
      });
    };

    const resize = (): void => {
      const { width, height } = host.getBoundingClientRect();
      if (width < 1 || height < 1) return;
      const dpr = window.devicePixelRatio || 1;
      glWindow.setSize(Math.max(1, Math.floor(width * dpr)), Math.max(1, Math.floor(height * dpr)));
      viewportActions.setViewport(group, view, [width, height]);
      // Render now, not next frame: a resized canvas is blank until drawn.
      renderWindow.render();
    };
    const observer = new ResizeObserver(resize);
    observer.observe(host);
    resize();

    setHandle({ renderWindow, renderer, glWindow, interactor, requestRender });

    return () => {
      observer.disconnect();
      if (frame) cancelAnimationFrame(frame);
      setHandle(null);
      if (interactor) {
        interactor.unbindEvents();
        interactor.delete();
      }
      renderWindow.removeRenderer(renderer);
      renderer.delete();
      glWindow.delete();
      renderWindow.delete();
    };
  }, [hostRef, group, view, trackball, r, g, b, enabled]);

  return handle;
}
