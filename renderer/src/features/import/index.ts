/** Import into the library: native picker (Electron), workstation path or browser upload (serve mode). */
export { ImportPanel } from './ImportPanel';
