/**
 * The page's first WebGL context costs a few hundred milliseconds (the GPU process sets up
 * its GL back end; much more under software GL), and vtk.js probes the GL's 16-bit texture
 * filtering with a context of its own the first time it uploads an image. Both happen once
 * per page, so they are done while the app is idle after start-up rather than on the
 * user's first click on a series. The probe's context is released by vtk.js itself.
 */
import supportsNorm16Linear from '@kitware/vtk.js/Rendering/OpenGL/Texture/supportsNorm16Linear';

export function warmUpWebGlWhenIdle(): void {
  const warmUp = (): void => {
    supportsNorm16Linear();
  };
  if (typeof requestIdleCallback === 'function') requestIdleCallback(warmUp, { timeout: 2000 });
  else setTimeout(warmUp, 0);
}
