/**
 * Worker shim: runs one registration (elastixRegistration.registerVolumes) and posts its
 * progress and result. No logic here.
 */
import { parentPort } from 'node:worker_threads';
import { registerVolumes, type ElastixRegistrationInput, type WorkerMessage } from './elastixRegistration';

const post = (m: WorkerMessage) => parentPort!.postMessage(m);

parentPort?.once('message', async (msg: { input: ElastixRegistrationInput }) => {
  try {
    const result = await registerVolumes(msg.input, (progress) => post({ type: 'progress', progress }));
    post({ type: 'result', result });
  } catch (err) {
    post({ type: 'error', message: err instanceof Error ? err.message : String(err), name: err instanceof Error ? err.name : 'Error' });
  }
});
