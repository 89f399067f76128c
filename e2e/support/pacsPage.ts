/**
 * Page object for the PACS page (renderer/src/features/pacs) and the dock's priors notice:
 * what the PACS e2e does, in the reader's words.
 */
import type { Locator, Page } from 'playwright-core';

export interface NodeInput {
  name: string;
  dicomwebUrl?: string;
  aeTitle?: string;
  host?: string;
  port?: number;
}

export interface EchoLine {
  ok: boolean | null;
  text: string;
}

export interface RetrieveOutcomeAttrs {
  ok: boolean;
  imported: number;
  duplicates: number;
  skipped: number;
  missing: number;
  cancelled: boolean;
  text: string;
}

export class PacsPage {
  constructor(readonly page: Page) {}

  get root(): Locator {
    return this.page.locator('[data-testid="pacs-page"]');
  }

  async open(tab?: 'query' | 'nodes' | 'send' | 'receiver'): Promise<void> {
    if (!(await this.root.count())) await this.page.click('[data-testid="pacs-open"]');
    await this.root.waitFor();
    if (tab) {
      await this.page.click(`[data-testid="pacs-tab-${tab}"]`);
      await this.page.waitForSelector(`[data-testid="pacs-page"][data-tab="${tab}"]`);
    }
  }

  async close(): Promise<void> {
    await this.page.click('[data-testid="pacs-close"]');
    await this.root.waitFor({ state: 'detached' });
  }

  node(name: string): Locator {
    return this.page.locator(`[data-testid="pacs-node"][data-name="${name}"]`);
  }

  /** Fill the node form (Nodes tab) and save; waits for the node in the list. */
  async addNode(n: NodeInput): Promise<void> {
    await this.open('nodes');
    await this.page.click('[data-testid="pacs-node-add"]');
    const form = this.page.locator('[data-testid="pacs-node-form"]');
    await form.waitFor();
    await form.locator('[data-testid="pacs-node-name"]').fill(n.name);
    if (n.dicomwebUrl) await form.locator('[data-testid="pacs-node-url"]').fill(n.dicomwebUrl);
    if (n.aeTitle) await form.locator('[data-testid="pacs-node-aet"]').fill(n.aeTitle);
    if (n.host) await form.locator('[data-testid="pacs-node-host"]').fill(n.host);
    if (n.port !== undefined) await form.locator('[data-testid="pacs-node-port"]').fill(String(n.port));
  }

  async saveNode(name: string): Promise<void> {
    await this.page.click('[data-testid="pacs-node-save"]');
    await Promise.race([
      this.node(name).waitFor({ timeout: 15_000 }).then(() => this.page.locator('[data-testid="pacs-node-form"]').waitFor({ state: 'detached', timeout: 15_000 })),
      this.page
        .locator('[data-testid="pacs-node-error"]')
        .waitFor({ timeout: 15_000 })
        .then(async () => {
          throw new Error(`the node was not saved: ${await this.page.locator('[data-testid="pacs-node-error"]').innerText()}`);
        }),
    ]);
  }

  async echo(name: string): Promise<{ dimse: EchoLine; dicomweb: EchoLine }> {
    const row = this.node(name);
    await row.locator('[data-testid="pacs-node-echo"]').click();
    const result = row.locator('[data-testid="pacs-echo-result"]:not([data-state="busy"])');
    await result.waitFor({ timeout: 60_000 });
    if ((await result.getAttribute('data-state')) === 'error') throw new Error(await result.innerText());
    const line = async (which: 'dimse' | 'dicomweb'): Promise<EchoLine> => {
      const l = row.locator(`[data-testid="pacs-echo-${which}"]`);
      const ok = await l.getAttribute('data-ok');
      return { ok: ok === '' ? null : ok === 'true', text: (await l.innerText()).trim() };
    };
    return { dimse: await line('dimse'), dicomweb: await line('dicomweb') };
  }

  /** Query tab: fill the patient ID (modality stays CT) and search; the number of studies found. */
  async queryPatient(patientId: string, nodeName?: string): Promise<number> {
    await this.open('query');
    if (nodeName) await this.page.selectOption('[data-testid="pacs-query-node"]', nodeName);
    await this.page.fill('[data-testid="pacs-query-patient-id"]', patientId);
    await this.page.click('[data-testid="pacs-query-submit"]');
    const results = this.page.locator('[data-testid="pacs-results"]');
    const error = this.page.locator('[data-testid="pacs-query-error"]');
    await Promise.race([results.waitFor({ timeout: 60_000 }), error.waitFor({ timeout: 60_000 })]);
    if (await error.count()) throw new Error(`the query failed: ${await error.innerText()}`);
    await this.page.waitForSelector('[data-testid="pacs-query-submit"]:not([disabled])');
    return Number(await results.getAttribute('data-count'));
  }

  study(studyInstanceUid: string): Locator {
    return this.page.locator(`[data-testid="pacs-study-row"][data-study-uid="${studyInstanceUid}"]`);
  }

  /** Expand a study and wait for its series; their UIDs. */
  async expandStudy(studyInstanceUid: string): Promise<string[]> {
    await this.study(studyInstanceUid).locator('[data-testid="pacs-study-expand"]').click();
    const list = this.page.locator(`[data-testid="pacs-series-list"][data-study-uid="${studyInstanceUid}"]`);
    await list.waitFor({ timeout: 60_000 });
    return list.locator('[data-testid="pacs-series-row"]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-series-uid')!));
  }

  async retrieveStudy(studyInstanceUid: string): Promise<void> {
    await this.study(studyInstanceUid).locator('[data-testid="pacs-retrieve-study"]').click();
  }

  /** The outcomes of the query page's last retrieval, once it has ended. */
  async retrieveOutcomes(timeout = 120_000): Promise<RetrieveOutcomeAttrs[]> {
    const box = this.page.locator('[data-testid="pacs-retrieve-result"]');
    await box.waitFor({ timeout });
    await this.page.locator('[data-testid="pacs-page"] [data-testid="pacs-progress"]').waitFor({ state: 'detached', timeout });
    return box.locator('[data-testid="pacs-outcome"]').evaluateAll((els) =>
      els.map((e) => ({
        ok: e.getAttribute('data-ok') === 'true',
        imported: Number(e.getAttribute('data-imported') ?? 0),
        duplicates: Number(e.getAttribute('data-duplicates') ?? 0),
        skipped: Number(e.getAttribute('data-skipped') ?? 0),
        missing: Number(e.getAttribute('data-missing') ?? 0),
        cancelled: e.getAttribute('data-cancelled') === 'true',
        text: (e as HTMLElement).innerText,
      })),
    );
  }

  async dismissOutcomes(): Promise<void> {
    if (await this.page.locator('[data-testid="pacs-retrieve-result-close"]').count()) await this.page.click('[data-testid="pacs-retrieve-result-close"]');
    await this.page.locator('[data-testid="pacs-retrieve-result"]').waitFor({ state: 'detached' });
  }

  // ---- the dock's priors notice ----

  get priors(): Locator {
    return this.page.locator('[data-testid="pacs-priors"]');
  }
}
