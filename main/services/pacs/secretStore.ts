/**
 * Passwords and tokens of PACS nodes, kept out of the registry. On the desktop each value is
 * encrypted with Electron's safeStorage (the OS keychain: Keychain, DPAPI, libsecret) before it
 * is written; in serve mode there is no keychain, so the value is written as it is, to
 * `<home>/secrets/pacs.json`, a file readable and writable by the workstation's user only
 * (mode 0600 in a 0700 folder), and the registry holds only the entry's name.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** How values are protected at rest: Electron hands in safeStorage; serve mode has none. */
export interface SecretCipher {
  kind: 'os-keychain';
  encrypt(plain: string): string;
  decrypt(stored: string): string;
}

interface SecretFile {
  version: 1;
  /** ref → { protection, value } */
  entries: Record<string, { protection: 'os-keychain' | 'file-permissions'; value: string }>;
}

export class SecretStore {
  private readonly dir: string;
  private readonly file: string;

  constructor(
    homeDir: string,
    private readonly cipher: SecretCipher | null = null,
  ) {
    this.dir = join(homeDir, 'secrets');
    this.file = join(this.dir, 'pacs.json');
  }

  /** How new values are protected here. */
  get protection(): 'os-keychain' | 'file-permissions' {
    return this.cipher ? 'os-keychain' : 'file-permissions';
  }

  private read(): SecretFile {
    if (!existsSync(this.file)) return { version: 1, entries: {} };
    const mode = statSync(this.file).mode & 0o077;
    // A secrets file others can read is made private again before it is used.
    if (mode !== 0) chmodSync(this.file, 0o600);
    return JSON.parse(readFileSync(this.file, 'utf8')) as SecretFile;
  }

  private write(data: SecretFile): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    chmodSync(this.dir, 0o700);
    const part = `${this.file}.part`;
    writeFileSync(part, JSON.stringify(data, null, 1), { mode: 0o600 });
    chmodSync(part, 0o600);
    renameSync(part, this.file);
  }

  set(ref: string, value: string): void {
    const data = this.read();
    data.entries[ref] = this.cipher ? { protection: 'os-keychain', value: this.cipher.encrypt(value) } : { protection: 'file-permissions', value };
    this.write(data);
  }

  get(ref: string): string | null {
    const e = this.read().entries[ref];
    if (!e) return null;
    if (e.protection === 'os-keychain') {
      if (!this.cipher) throw new Error(`the secret "${ref}" was encrypted with the desktop app's keychain; open the desktop app, or enter it again here`);
      return this.cipher.decrypt(e.value);
    }
    return e.value;
  }

  delete(ref: string): void {
    const data = this.read();
    if (!(ref in data.entries)) return;
    delete data.entries[ref];
    this.write(data);
  }
}
