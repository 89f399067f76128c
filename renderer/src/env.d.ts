// Vite bundles CSS imports; TypeScript only needs to know they exist.
declare module '*.css';

// vtk.js ships no types for this internal helper: whether 16-bit normalized textures filter
// linearly (cached per page; it creates and releases a WebGL context on first call).
declare module '@kitware/vtk.js/Rendering/OpenGL/Texture/supportsNorm16Linear' {
  export default function supportsNorm16LinearCached(): boolean;
}
