/** Library browser: patients → studies → series, with thumbnails. */
export { SeriesBrowser } from './SeriesBrowser';
