/** Library browser: patients → studies → series, with thumbnails; a report's or a SEG's content under it. */
import './browser.css';
export { SeriesBrowser } from './SeriesBrowser';
