/**
 * The bridge, nothing else: forwards the app's own two channels. The renderer gets
 * `window.longitude.invoke(method, args)` and `window.longitude.on(event, listener)`.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';

const CALL_CHANNEL = 'longitude:call';
const EVENT_CHANNEL = 'longitude:event';

contextBridge.exposeInMainWorld('longitude', {
  invoke: (method: string, args: unknown[]) => ipcRenderer.invoke(CALL_CHANNEL, method, args),
  on: (eventName: string, listener: (payload: unknown) => void) => {
    const handler = (_e: IpcRendererEvent, name: string, payload: unknown) => {
      if (name === eventName) listener(payload);
    };
    ipcRenderer.on(EVENT_CHANNEL, handler);
    return () => ipcRenderer.removeListener(EVENT_CHANNEL, handler);
  },
});
