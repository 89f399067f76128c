/**
 * The bridge, nothing else: forwards the app's own two channels (core/api/wire.ts). The
 * renderer gets `window.longitude.invoke(method, args, reader)` and
 * `window.longitude.on(event, listener)`.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { IPC_CALL_CHANNEL, IPC_EVENT_CHANNEL } from '../core/api/wire';

contextBridge.exposeInMainWorld('longitude', {
  invoke: (method: string, args: unknown[], reader?: unknown) => ipcRenderer.invoke(IPC_CALL_CHANNEL, method, args, reader ?? null),
  on: (eventName: string, listener: (payload: unknown) => void) => {
    const handler = (_e: IpcRendererEvent, name: string, payload: unknown) => {
      if (name === eventName) listener(payload);
    };
    ipcRenderer.on(IPC_EVENT_CHANNEL, handler);
    return () => ipcRenderer.removeListener(IPC_EVENT_CHANNEL, handler);
  },
});
