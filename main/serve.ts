/**
 * Serve mode entry: `npm run serve -- [--home DIR] [--port N] [--host ADDR] [--models DIR]`.
 * Prints the address with its per-run token; the UI is the built renderer (out/renderer).
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startServer } from './server/server';
import { createApp } from './services/app';
import { APP_ROOT, appVersion, parseArgs, resolveAppModelsDir, resolveHome } from './shell/options';

const { flags } = parseArgs(process.argv.slice(2));
const homeDir = resolveHome(typeof flags.home === 'string' ? flags.home : undefined);
const host = typeof flags.host === 'string' ? flags.host : '127.0.0.1';
const appModelsDir = resolveAppModelsDir(typeof flags.models === 'string' ? flags.models : undefined);
const port = typeof flags.port === 'string' ? Number(flags.port) : 0;
const staticDir = join(APP_ROOT, 'out', 'renderer');
if (!existsSync(join(staticDir, 'index.html'))) {
  console.error(`The UI is not built (${staticDir} is missing). Run "npm run build" first.`);
  process.exit(1);
}
if (host !== '127.0.0.1' && host !== 'localhost' && host !== '::1') {
  console.warn(`Warning: serving on ${host}, reachable from other machines; anyone with the token can read the library.`);
}
const token = process.env.LONGITUDE_TOKEN || randomBytes(24).toString('base64url');
const service = createApp({ homeDir, mode: 'serve', version: appVersion(), appModelsDir, startReceiver: true });
const running = await startServer({ service, token, host, port, staticDir });
console.log(`Longitude serving at ${running.url}`);
console.log(`Library: ${homeDir}`);
if (appModelsDir) console.log(`Models: ${appModelsDir}`);

const shutdown = async () => {
  await running.close();
  await service.close();
  process.exit(0);
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
