import { test as base } from '@playwright/test';
import { existsSync, mkdtempSync, readFileSync, readlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  expect,
  autostartFile,
  connectThroughDemo,
  importSetup,
  launchApp,
  lockHolder,
  setupFile,
  startDemoServices,
  stopHelper,
  type RunningApp,
} from './harness';

// Issue 14 with the real binaries: closing the window starts the background
// helper (a detached process of the helper program scripts/e2e.sh builds
// next to the app, outlook-connect-background; no window),
// which schedules a meeting booked while the window is closed; the window,
// opened again, takes the scheduler back and shows what the helper did.
// Configured mode against demo-services, so the fakes outlive the window.

/** RFC 3339 in UTC to the second, as the deduplication key has it. */
const rfc3339 = (t: Date) => t.toISOString().replace(/\.\d{3}Z$/, 'Z');

/** Polls fn until it gives a value. */
async function until<T>(what: string, fn: () => T | undefined, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

base('closing the window hands the meetings to the background helper, and the window shows what it did', async ({ page }) => {
  // The helper syncs when its interval is up: 2 minutes (the shortest) with
  // one install on the key, counted from the window's last sync.
  base.setTimeout(8 * 60_000);
  const svc = await startDemoServices();
  const dir = mkdtempSync(join(tmpdir(), 'oc-e2e-bg-'));
  const configDir = join(dir, 'config');
  const env = { OUTLOOK_CONNECT_E2E_START_HELPER: '1', OUTLOOK_CONNECT_EXPECTED_INSTALLS: '1' };
  let app: RunningApp | undefined;
  try {
    await svc.control.staticEvents();
    app = await launchApp(page, { dir, env, expectControl: false });
    const keyringService = app.configuredKeyringService;
    await importSetup(app, setupFile(svc, svc.client_secret));

    await (await connectThroughDemo(app)).close();
    const rules = page.getByRole('region', { name: 'Recording rule' });
    await rules.getByRole('radio', { name: /Every meeting with a meeting link/ }).click();
    await expect(rules.getByText(/^Updated — \d+ meetings? changed\.$/)).toBeVisible();

    // On by default once a calendar is connected: the login entry is written.
    const background = page.getByRole('region', { name: 'Keep scheduling when Outlook Connect is closed' });
    await expect(background.getByRole('switch')).toHaveAttribute('aria-checked', 'true');
    await expect.poll(() => existsSync(autostartFile(dir))).toBe(true);
    // It runs the helper program next to the app, not the app with --background.
    expect(readFileSync(autostartFile(dir), 'utf8')).toMatch(/^Exec=\S*\/outlook-connect-background"?$/m);
    await background.scrollIntoViewIfNeeded();
    await app.shot('60-keep-scheduling-when-closed');
    const [calendar] = await svc.control.calendars();
    const windowPid = app.proc.pid;

    // Closing the window starts the helper, detached: another process,
    // still running after the window's exit, holding the scheduler.
    await app.stop();
    const helper = await until('the helper', () => lockHolder(configDir, 'background.lock'));
    expect(helper.pid).not.toBe(windowPid);
    expect(readlinkSync(`/proc/${helper.pid}/exe`), 'the helper is the helper program').toMatch(/\/outlook-connect-background$/);
    await until('the helper holding the scheduler', () =>
      lockHolder(configDir, 'scheduler.lock')?.role === 'background' ? true : undefined,
    );

    // A meeting is booked while no window is open; the helper schedules its bot.
    const start = new Date(Date.now() + 3 * 3600_000);
    start.setSeconds(0, 0);
    const link = 'https://teams.microsoft.com/l/meetup-join/booked-while-closed';
    const id = await svc.control.addEvent({
      calendarId: calendar.ID,
      title: 'Booked while closed',
      start: start.toISOString(),
      end: new Date(start.getTime() + 30 * 60_000).toISOString(),
      meetingUrl: link,
    });
    await expect
      .poll(async () => (await svc.control.events(calendar.ID)).find((e) => e.ID === id)?.BotKey, {
        timeout: 5 * 60_000,
        intervals: [2000],
      })
      .toBe(`${rfc3339(start)}-${link}`);
    const bot = (await svc.control.bots()).find((b) => b.Events.includes(id));
    expect(bot?.BotName).toBe('Meeting Notetaker');
    const cache = JSON.parse(readFileSync(join(configDir, 'meetings.json'), 'utf8')).data;
    expect(cache.lastSyncBy).toBe('background');
    expect(lockHolder(configDir, 'background.lock')?.pid).toBe(helper.pid);

    // The window opens again: it takes the scheduler back from the helper
    // (which keeps waiting) and says what the helper did.
    app = await launchApp(page, { dir, env, expectControl: false, keyringService });
    await expect(page.getByRole('heading', { name: 'Your calendar is connected' })).toBeVisible({ timeout: 30_000 });
    await until('the window holding the scheduler', () =>
      lockHolder(configDir, 'scheduler.lock')?.role === 'window' ? true : undefined,
    );
    expect(lockHolder(configDir, 'background.lock')?.pid).toBe(helper.pid);
    const again = page.getByRole('region', { name: 'Keep scheduling when Outlook Connect is closed' });
    await expect(again).toContainText(/While closed, Outlook Connect checked your meetings at .+ and scheduled \d+ assistants?\./);
    await expect(again).toContainText('It is waiting in the background and takes over when you close this window.');
    const row = page.getByRole('region', { name: 'Upcoming meetings' }).locator(`li[data-id="${id}"]`);
    await expect(row).toContainText('Will be recorded');
    await again.scrollIntoViewIfNeeded();
    await app.shot('61-what-the-helper-did');

    // Closing it with the helper still running starts no second one.
    await app.stop();
    await until('the helper holding the scheduler again', () =>
      lockHolder(configDir, 'scheduler.lock')?.role === 'background' ? true : undefined,
    );
    expect(lockHolder(configDir, 'background.lock')?.pid).toBe(helper.pid);
  } finally {
    await app?.stop();
    await stopHelper(configDir);
    await svc.stop();
  }
  expect(lockHolder(configDir, 'background.lock'), 'no helper is left running').toBeUndefined();
});
