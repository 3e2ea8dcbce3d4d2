import { test as base, expect, type Page } from '@playwright/test';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..');
const appBinary = process.env.E2E_APP_BIN ?? '';
const assetDir = join(root, 'frontend', 'dist');
export const artifacts = resolve(process.env.E2E_ARTIFACTS ?? join(root, 'test-artifacts'));
export const shotsDir = join(artifacts, 'screens');

/** The demo world's control API (app/demo/control.go). */
export class Control {
  constructor(readonly url: string) {}
  private async post(path: string, body: unknown): Promise<void> {
    const res = await fetch(this.url + path, { method: 'POST', body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`control ${path}: ${res.status} ${await res.text()}`);
  }
  async calendars(): Promise<
    { ID: string; Email: string; Status: string; ClientID: string; SecretFingerprint: string; RefreshTokenFingerprint: string }[]
  > {
    return (await fetch(this.url + '/calendars')).json();
  }
  /** Injected Recall fault responses not served yet: 0 after a fault fired. */
  async recallFaultsPending(): Promise<number> {
    const res = await fetch(this.url + '/recall/faults');
    if (!res.ok) throw new Error(`control /recall/faults: ${res.status} ${await res.text()}`);
    return ((await res.json()) as { pending: number }).pending;
  }
  identityFault(name: string, on = true) {
    return this.post('/identity/fault', { name, on });
  }
  recallFault(fault: {
    method: string;
    path: string;
    status?: number;
    times?: number;
    dropResponse?: boolean;
    retryAfterSeconds?: number;
  }) {
    return this.post('/recall/fault', fault);
  }
  /** Another valid client secret at the fake Microsoft (a rotation). */
  addClientSecret(secret: string) {
    return this.post('/identity/secrets', { secret });
  }
  /** Every (fake) refresh token issued so far, for leak scans. */
  async refreshTokens(): Promise<string[]> {
    return (await fetch(this.url + '/identity/refresh-tokens')).json();
  }
  reset() {
    return this.post('/reset', {});
  }
  setCalendarStatus(id: string, status: string, detail: Record<string, unknown>) {
    return this.post('/calendars/status', { id, status, detail });
  }
  /** The fake Recall's bots, by join time. */
  async bots(): Promise<FakeBot[]> {
    return (await fetch(this.url + '/recall/bots')).json();
  }
  /** A calendar's events (every calendar's without an id), with their people and bot. */
  async events(calendarId = ''): Promise<FakeEvent[]> {
    return (await fetch(this.url + '/recall/events?calendar_id=' + encodeURIComponent(calendarId))).json();
  }
  /** Calendars that sync from now on keep their generated diary: no scripted move or cancellation. */
  staticEvents(on = true) {
    return this.post('/recall/events/static', { on });
  }
  /** Makes the pending scripted diary changes (one meeting moves, one is cancelled) now. */
  /** A new invitation arrives in a connected calendar; returns its event id. */
  async addEvent(event: {
    calendarId: string;
    title: string;
    start: string;
    end: string;
    meetingUrl?: string;
    organizer?: string;
    attendees?: string[];
    response?: string;
  }): Promise<string> {
    const res = await fetch(this.url + '/recall/events', { method: 'POST', body: JSON.stringify(event) });
    if (!res.ok) throw new Error(`control /recall/events: ${res.status} ${await res.text()}`);
    return ((await res.json()) as { id: string }).id;
  }
  async applyScriptedChanges(): Promise<number> {
    const res = await fetch(this.url + '/recall/events/apply-scripted', { method: 'POST' });
    if (!res.ok) throw new Error(`control apply-scripted: ${res.status} ${await res.text()}`);
    return ((await res.json()) as { applied: number }).applied;
  }
}

/** A bot of the fake Recall (recallapi.BotSnapshot). */
export interface FakeBot {
  ID: string;
  Key: string;
  BotName: string;
  MeetingURL: string;
  JoinAt: string;
  Config: Record<string, unknown>;
  Events: string[];
  Dispatched: boolean;
}

/** An event of the fake Recall (recallapi.EventPeople). */
export interface FakeEvent {
  ID: string;
  CalendarID: string;
  Title: string;
  Start: string;
  End: string;
  MeetingURL: string;
  JoinURL: string;
  AllDay: boolean;
  Cancelled: boolean;
  Deleted: boolean;
  BotKey: string;
  Organizer: string;
  Attendees: string[] | null;
  Response: string;
}

export interface AppOptions {
  /** Extra environment, e.g. DBUS_SESSION_BUS_ADDRESS=disabled: */
  env?: Record<string, string>;
  /** Whether the demo control API must come up (false when the app cannot reach demo mode). */
  expectControl?: boolean;
  /** The folder of an earlier launch, to start the app again on its settings and home folder. */
  dir?: string;
  /** The keychain namespace of an earlier launch (RunningApp.configuredKeyringService). */
  keyringService?: string;
}

/**
 * Runs secret-tool; its exit status 1 with nothing on stderr means "no such
 * item", anything else unexpected is a failure of the keychain or the tool
 * and throws, so a broken keychain never reads as "the secret is gone".
 */
function secretTool(args: string[]): { found: boolean; stdout: string } {
  const r = spawnSync('secret-tool', args, { encoding: 'utf8' });
  if (r.status === 0) return { found: true, stdout: r.stdout };
  if (r.status === 1 && r.stderr === '' && !r.error) return { found: false, stdout: '' };
  throw new Error(
    `secret-tool ${args[0]} failed (exit ${r.status ?? r.signal}${r.error ? `, ${r.error.message}` : ''}): ${r.stderr.trim()}`,
  );
}

export class RunningApp {
  control!: Control;
  /** The keychain namespace demo mode uses: the app adds " (demo)" to configuredKeyringService. */
  readonly keyringService: string;
  /** Where sign-in is last sent: the app's loopback /start URL. */
  lastSignInURL = '';
  private seenUrls = 0;
  constructor(
    readonly page: Page,
    readonly proc: ChildProcess,
    readonly dir: string,
    readonly configDir: string,
    readonly urlFile: string,
    readonly logFile: string,
    /** OUTLOOK_CONNECT_KEYRING_SERVICE as this test set it: where configured secrets go. */
    readonly configuredKeyringService: string,
  ) {
    this.keyringService = `${configuredKeyringService} (demo)`;
  }

  /** The sign-in URL the app asked the "browser" to open, waiting for a new one. */
  async nextSignInURL(): Promise<string> {
    for (let i = 0; i < 100; i++) {
      const lines = existsSync(this.urlFile) ? readFileSync(this.urlFile, 'utf8').trim().split('\n').filter(Boolean) : [];
      if (lines.length > this.seenUrls) {
        this.seenUrls = lines.length;
        this.lastSignInURL = lines[lines.length - 1];
        return this.lastSignInURL;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('the app did not open the browser');
  }

  /** How many sign-in pages the app has asked the browser to open. */
  signInCount(): number {
    return existsSync(this.urlFile) ? readFileSync(this.urlFile, 'utf8').trim().split('\n').filter(Boolean).length : 0;
  }

  /** Opens the sign-in page in a second tab, as the person's browser would. */
  async openSignIn(): Promise<Page> {
    const url = await this.nextSignInURL();
    const tab = await this.page.context().newPage();
    await tab.goto(url);
    return tab;
  }

  async shot(name: string) {
    mkdirSync(shotsDir, { recursive: true });
    // Finished animations: a dialog mid-fade makes a misleading picture.
    await this.page.screenshot({ path: join(shotsDir, `${name}.png`), animations: 'disabled' });
  }

  /**
   * The raw keychain item stored under this username (with the vault's
   * "ocvault1:…" prefix), or undefined when there is none. Throws when the
   * keychain cannot be read.
   */
  keychainValue(username: string, service = this.keyringService): string | undefined {
    const r = secretTool(['lookup', 'service', service, 'username', username]);
    return r.found ? r.stdout : undefined;
  }

  /** How many keychain items the app keeps under its service name. */
  keychainCount(service = this.keyringService): number {
    const r = secretTool(['search', '--all', 'service', service]);
    return r.stdout.split('\n').filter((l) => l.startsWith('[')).length;
  }

  /** Files under the config folder and the app's own output that contain needle. */
  filesContaining(needle: string): string[] {
    const hits: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const p = join(dir, name);
        if (statSync(p).isDirectory()) walk(p);
        else if (readFileSync(p).includes(needle)) hits.push(p);
      }
    };
    if (existsSync(this.configDir)) walk(this.configDir);
    if (readFileSync(this.logFile).includes(needle)) hits.push(this.logFile);
    return hits;
  }

  filesUnderConfig(): string[] {
    const files: string[] = [];
    const walk = (dir: string, rel: string) => {
      for (const name of readdirSync(dir)) {
        const p = join(dir, name);
        if (statSync(p).isDirectory()) walk(p, join(rel, name));
        else files.push(join(rel, name));
      }
    };
    if (existsSync(this.configDir)) walk(this.configDir, '');
    return files.sort();
  }

  async stop(): Promise<void> {
    if (this.proc.exitCode !== null) return;
    const exited = new Promise((r) => this.proc.once('exit', r));
    this.proc.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 8000))]);
    if (this.proc.exitCode === null) this.proc.kill('SIGKILL');
  }
}

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? ok(addr.port) : fail(new Error('no port'))));
    });
  });
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch {
      // not yet
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export async function launchApp(page: Page, opts: AppOptions = {}): Promise<RunningApp> {
  if (!appBinary) throw new Error('E2E_APP_BIN is not set: run the suite with scripts/e2e.sh');
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'oc-e2e-'));
  const configDir = join(dir, 'config');
  const urlFile = join(dir, 'urls.txt');
  const logFile = join(dir, 'app.log');
  const controlFile = join(dir, 'control.json');
  const port = await freePort();
  // The test names the keychain namespace; the app is told, not asked.
  const service = opts.keyringService ?? `Outlook Connect e2e ${process.pid}-${port}`;
  const log = openSync(logFile, 'a');
  const proc = spawn(appBinary, ['-assetdir', assetDir, '-devserver', `127.0.0.1:${port}`], {
    env: {
      ...process.env,
      OUTLOOK_CONNECT_CONFIG_DIR: configDir,
      OUTLOOK_CONNECT_KEYRING_SERVICE: service,
      OUTLOOK_CONNECT_LOG_LEVEL: 'debug',
      OUTLOOK_CONNECT_DEMO_CONTROL_FILE: controlFile,
      // Start-at-login entries (issue 14) go to a home folder of the test's own.
      HOME: join(dir, 'home'),
      XDG_CONFIG_HOME: join(dir, 'home', '.config'),
      BROWSER: `${join(here, 'record-url.sh')} %s`,
      E2E_URL_FILE: urlFile,
      ...opts.env,
    },
    stdio: ['ignore', log, log],
  });
  const app = new RunningApp(page, proc, dir, configDir, urlFile, logFile, service);
  try {
    await waitFor('the dev server', async () => ((await fetch(`http://127.0.0.1:${port}/`)).ok ? true : undefined));
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.waitForFunction(() => (window as any).go?.app?.App !== undefined);
    if (opts.expectControl !== false) {
      const desc = await waitFor('the demo control file', () =>
        existsSync(controlFile) ? JSON.parse(readFileSync(controlFile, 'utf8')) : undefined,
      );
      app.control = new Control(desc.control_url);
      if (desc.keyring_service !== app.keyringService) {
        throw new Error(`the app keeps demo secrets under "${desc.keyring_service}", not "${app.keyringService}"`);
      }
    }
  } catch (err) {
    await app.stop();
    throw new Error(`${err}\n--- app log ---\n${readFileSync(logFile, 'utf8').slice(-4000)}`);
  }
  return app;
}

/** The keychain user name of the demo account's refresh token: its oid.tid. */
export const demoTokenUser =
  'refresh-token:5d3c1f8e-7a2b-4c9d-8e1f-0a2b3c4d5e6f.b7e4a1c2-3d5f-4e6a-9b8c-1d2e3f4a5b6c';

/** The fakes in a process of their own (demo-services -control), for tests
 * that run the app configured rather than in demo mode: they outlive the
 * app's reloads. */
export interface DemoServices {
  microsoft_url: string;
  recall_url: string;
  client_id: string;
  client_secret: string;
  recall_api_key: string;
  control: Control;
  stop(): Promise<void>;
}

export async function startDemoServices(args: string[] = []): Promise<DemoServices> {
  // scripts/e2e.sh builds the binary once for the whole suite.
  const bin = process.env.E2E_DEMO_SERVICES ?? '';
  if (!bin) throw new Error('E2E_DEMO_SERVICES is not set: run the suite with scripts/e2e.sh');
  const proc = spawn(bin, ['-control', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((ok, fail) => {
    let buf = '';
    proc.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      const nl = buf.indexOf('\n');
      if (nl >= 0) ok(buf.slice(0, nl));
    });
    proc.once('exit', (code) => fail(new Error(`demo-services exited with ${code}`)));
  });
  const desc = JSON.parse(line);
  return {
    ...desc,
    control: new Control(desc.control_url),
    async stop() {
      if (proc.exitCode !== null) return;
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 8000))]);
      if (proc.exitCode === null) proc.kill('SIGKILL');
    },
  };
}

/** The start-at-login entry a launch in dir writes (app/autostart's XDG file). */
export function autostartFile(dir: string): string {
  return join(dir, 'home', '.config', 'autostart', 'outlook-connect-background.desktop');
}

/** Who a lock file of the config folder names (app/schedlock), if that process is alive. */
export function lockHolder(configDir: string, name: 'scheduler.lock' | 'background.lock'): { role: string; pid: number } | undefined {
  const path = join(configDir, name);
  if (!existsSync(path)) return undefined;
  let info: { role?: string; pid?: number };
  try {
    info = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return undefined; // empty: nobody holds it
  }
  if (!info.role || !info.pid) return undefined;
  try {
    process.kill(info.pid, 0);
  } catch {
    return undefined;
  }
  return { role: info.role, pid: info.pid };
}

/** Stops a background helper of the config folder (it is detached, not our child): SIGTERM, then SIGKILL. */
export async function stopHelper(configDir: string): Promise<void> {
  const helper = lockHolder(configDir, 'background.lock');
  if (!helper) return;
  const alive = () => {
    try {
      process.kill(helper.pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  process.kill(helper.pid, 'SIGTERM');
  for (let i = 0; i < 80 && alive(); i++) await new Promise((r) => setTimeout(r, 100));
  if (alive()) process.kill(helper.pid, 'SIGKILL');
}

export const test = base.extend<{ app: RunningApp }>({
  app: async ({ page }, use, testInfo) => {
    const app = await launchApp(page);
    await use(app);
    await app.stop();
    // Only a test that asks for one starts a helper; never leave one running.
    await stopHelper(app.configDir);
    if (testInfo.status !== testInfo.expectedStatus) {
      await testInfo.attach('app.log', { path: app.logFile, contentType: 'text/plain' });
    }
  },
});

export { expect };

/** A setup file for the fakes of demo-services, as IT would hand it out. */
export function setupFile(svc: { client_id: string; microsoft_url: string; recall_url: string; recall_api_key: string }, secret: string) {
  return JSON.stringify({
    format: 'outlook-connect-setup',
    version: 1,
    microsoft: { clientId: svc.client_id, clientSecret: secret, authority: svc.microsoft_url, redirectHost: 'localhost' },
    recall: { baseUrl: svc.recall_url, apiKey: svc.recall_api_key },
  });
}

export async function importSetup(app: RunningApp, contents: string, shot?: string) {
  const { page } = app;
  await page.getByRole('button', { name: 'Settings' }).click();
  await expect(page.getByRole('heading', { name: 'Setup', exact: true })).toBeVisible();
  await page.locator('input[type=file]').setInputFiles({
    name: 'outlook-connect-setup.json',
    mimeType: 'application/json',
    buffer: Buffer.from(contents),
  });
  await expect(page.getByText('Setup file imported. Outlook Connect now uses these settings.').first()).toBeVisible({
    timeout: 30_000,
  });
  if (shot) await app.shot(shot);
  await page.getByRole('button', { name: 'Back' }).click();
}

/** Connects through the demo sign-in page and waits for the Connected screen. */
export async function connectThroughDemo(app: RunningApp): Promise<Page> {
  const { page } = app;
  await page.getByRole('button', { name: 'Connect Outlook calendar' }).click();
  await expect(page.getByRole('heading', { name: 'Finish signing in in your browser' })).toBeVisible();
  const signIn = await app.openSignIn();
  await signIn.getByRole('button', { name: 'Accept' }).click();
  await expect(signIn.getByText(/signed in/i).first()).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Your calendar is connected' })).toBeVisible({ timeout: 30_000 });
  await dismissRulePromptIfShown(page);
  return signIn;
}

/**
 * The one-time "Which meetings should be recorded?" prompt opens over the
 * Connected screen once the first sync has loaded the meetings and nobody
 * has chosen a rule (demo mode has no admin default). This waits for the
 * meetings, then answers "Decide later" if it asks, so that it cannot open
 * later over the test's next click.
 */
export async function dismissRulePromptIfShown(page: Page): Promise<void> {
  const prompt = page.getByRole('dialog', { name: 'Which meetings should be recorded?' });
  const loaded = page.getByTestId('meetings-counts').filter({ hasText: /will (not )?be recorded/ });
  await expect(prompt.or(loaded).first()).toBeVisible({ timeout: 30_000 });
  if (await prompt.isVisible()) {
    await prompt.getByRole('button', { name: 'Decide later' }).click();
    await expect(prompt).toBeHidden();
  }
}
