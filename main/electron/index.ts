/**
 * Electron shell: one window, the renderer sandboxed, the API over IPC on the app's own
 * channels. No logic here beyond wiring; the services are the same as in serve mode.
 */
import { app, BrowserWindow, dialog, ipcMain, safeStorage, session, shell, type IpcMainInvokeEvent } from 'electron';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseReader } from '../../core/api/reader';
import { CONTENT_SECURITY_POLICY, IPC_CALL_CHANNEL, IPC_ERROR_KEY, IPC_EVENT_CHANNEL } from '../../core/api/wire';
import { dispatch } from '../shell/dispatch';
import { createApp, type App } from '../services/app';
import { appVersion, parseArgs, resolveAppModelsDir, resolveHome } from '../shell/options';


const rendererIndex = join(import.meta.dirname, '..', 'renderer', 'index.html');
const rendererUrl = pathToFileURL(rendererIndex).href;

let service: App | null = null;
let mainWindow: BrowserWindow | null = null;

function isOwnFrame(event: IpcMainInvokeEvent): boolean {
  const url = event.senderFrame?.url ?? '';
  return mainWindow !== null && event.sender === mainWindow.webContents && url.split(/[?#]/)[0] === rendererUrl;
}

async function createWindow(): Promise<void> {
  mainWindow = new BrowserWindow({
    width: 1600,
    height: 1000,
    backgroundColor: '#0b0d10',
    title: 'Longitude',
    webPreferences: {
      preload: join(import.meta.dirname, '..', 'preload', 'index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
    },
  });
  const wc = mainWindow.webContents;
  // No navigation away from the app and no new windows; external links open in the OS browser.
  wc.on('will-navigate', (e, url) => {
    if (url !== rendererUrl) e.preventDefault();
  });
  wc.setWindowOpenHandler(({ url }) => {
    if (/^https?:/.test(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
  await mainWindow.loadURL(rendererUrl);
}

app.whenReady().then(async () => {
  const { flags } = parseArgs(process.argv.slice(1));
  const homeDir = resolveHome(typeof flags.home === 'string' ? flags.home : undefined);
  service = createApp({
    homeDir,
    mode: 'electron',
    version: appVersion(),
    appModelsDir: resolveAppModelsDir(typeof flags.models === 'string' ? flags.models : undefined),
    pickImportPaths: async () => {
      const r = await dialog.showOpenDialog(mainWindow!, {
        title: 'Import DICOM',
        properties: ['openFile', 'openDirectory', 'multiSelections'],
        filters: [{ name: 'DICOM, DICOMDIR or zip', extensions: ['*'] }],
      });
      return r.canceled ? [] : r.filePaths;
    },
    // PACS passwords and tokens: encrypted with the OS keychain before they are written.
    secretCipher: safeStorage.isEncryptionAvailable()
      ? {
          kind: 'os-keychain',
          encrypt: (plain: string) => safeStorage.encryptString(plain).toString('base64'),
          decrypt: (stored: string) => safeStorage.decryptString(Buffer.from(stored, 'base64')),
        }
      : null,
    startReceiver: true,
  });

  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] } });
  });
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));

  ipcMain.handle(IPC_CALL_CHANNEL, async (event, method: unknown, args: unknown, reader: unknown) => {
    if (!isOwnFrame(event)) throw new Error('IPC from an unknown sender was refused');
    // Errors resolve as an envelope: a thrown error would lose its kind crossing IPC.
    const r = await dispatch(service!, method, args, parseReader(reader), { rawBody: true });
    if (!r.ok) return { [IPC_ERROR_KEY]: r.error };
    return r.binary ? new Uint8Array(r.value as ArrayBuffer) : r.value;
  });
  service.events.on('event', (name: string, payload: unknown) => mainWindow?.webContents.send(IPC_EVENT_CHANNEL, name, payload));

  await createWindow();
});

app.on('web-contents-created', (_e, contents) => {
  contents.on('will-attach-webview', (e) => e.preventDefault());
});

app.on('window-all-closed', async () => {
  await service?.close();
  app.quit();
});
