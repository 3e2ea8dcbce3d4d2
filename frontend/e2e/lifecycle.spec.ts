import { test as base } from '@playwright/test';
import { createHash, randomBytes } from 'node:crypto';
import {
  test,
  expect,
  connectThroughDemo,
  demoTokenUser,
  dismissRulePromptIfShown,
  importSetup,
  launchApp,
  setupFile,
  startDemoServices,
  type RunningApp,
} from './harness';

// Issue 12: the calendar's whole life without a duplicate, an orphan or a
// dead end, driven through the real app.

const finishHeading = "You're signed in, but we couldn't finish connecting";

/** Every answer to a create is lost after Recall made the calendar. */
async function loseCreateAnswers(app: RunningApp) {
  await app.control.recallFault({ method: 'POST', path: '/api/v2/calendars/', dropResponse: true, times: 50 });
}

async function signInToFinishPending(app: RunningApp) {
  const { page } = app;
  await page.getByRole('button', { name: 'Connect Outlook calendar' }).click();
  const signIn = await app.openSignIn();
  await signIn.getByRole('button', { name: 'Accept' }).click();
  await expect(page.getByRole('heading', { name: finishHeading })).toBeVisible({ timeout: 60_000 });
  await signIn.close();
}

test('Start over from Finish connecting removes what a lost create made and leaves nothing behind', async ({ app }) => {
  const { page } = app;
  await loseCreateAnswers(app);
  await signInToFinishPending(app);
  // Recall did make the calendar; only its answer was lost.
  expect(await app.control.calendars()).toHaveLength(1);
  expect(app.keychainValue(demoTokenUser)).toBeTruthy();
  await app.shot('40-finish-pending-after-lost-answer');

  await page.getByRole('button', { name: 'Start over…' }).click();
  const dialog = page.getByRole('alertdialog', { name: 'Start over?' });
  await expect(dialog).toContainText('remove anything it already registered with Recall');
  await app.shot('41-start-over-confirmation');
  await dialog.getByRole('button', { name: 'Start over', exact: true }).click();

  await expect(page.getByRole('heading', { name: 'Connect your Outlook calendar' })).toBeVisible({ timeout: 30_000 });
  await expect(page.getByRole('alert')).toHaveCount(0);
  expect(await app.control.calendars()).toEqual([]);
  expect(app.keychainCount()).toBe(0);
  expect(app.filesUnderConfig().filter((f) => f.startsWith('connection'))).toEqual([]);
  await app.shot('42-after-start-over');

  // No dead end: connecting again works, with exactly one calendar.
  await app.control.reset();
  await connectThroughDemo(app);
  expect(await app.control.calendars()).toHaveLength(1);
});

test('Finish connecting after a lost create answer makes exactly one calendar', async ({ app }) => {
  const { page } = app;
  await loseCreateAnswers(app);
  await signInToFinishPending(app);
  const [made] = await app.control.calendars();

  await app.control.reset();
  await page.getByRole('button', { name: 'Finish connecting' }).click();
  await expect(page.getByRole('heading', { name: 'Your calendar is connected' })).toBeVisible({ timeout: 30_000 });
  const calendars = await app.control.calendars();
  expect(calendars).toHaveLength(1);
  expect(calendars[0].ID).toBe(made.ID);
  // Connected: the sign-in is no longer kept on this computer.
  await expect.poll(() => app.keychainCount()).toBe(0);
});

function fingerprint(secret: string): string {
  return createHash('sha256').update(secret).digest('hex').slice(0, 16);
}

base('a rotated client secret reaches Recall from a new setup file, with no sign-in', async ({ page }) => {
  const svc = await startDemoServices();
  let app: RunningApp | undefined;
  try {
    app = await launchApp(page, { expectControl: false });
    await importSetup(app, setupFile(svc, svc.client_secret));
    await expect(page.getByText('Demo mode — nothing leaves this computer')).toHaveCount(0);

    await page.getByRole('button', { name: 'Connect Outlook calendar' }).click();
    const signIn = await app.openSignIn();
    await signIn.getByRole('button', { name: 'Accept' }).click();
    await expect(page.getByRole('heading', { name: 'Your calendar is connected' })).toBeVisible({ timeout: 30_000 });
    await signIn.close();
    await dismissRulePromptIfShown(page);
    const [cal] = await svc.control.calendars();
    expect(cal.SecretFingerprint).toBe(fingerprint(svc.client_secret));
    const signIns = app.signInCount();

    // IT creates a new secret in Entra; the old one expires, and Recall
    // loses the calendar (AADSTS7000222).
    const rotated = 'rotated~' + randomBytes(18).toString('base64url');
    await svc.control.addClientSecret(rotated);
    await svc.control.identityFault('secret_expired');
    await svc.control.setCalendarStatus(cal.ID, 'disconnected', {
      error: 'invalid_client',
      error_description: 'AADSTS7000222: The provided client secret keys for app are expired.',
    });
    await page.getByRole('button', { name: 'Check now' }).click();
    await expect(page.getByRole('heading', { name: 'Your calendar is disconnected' })).toBeVisible();
    await expect(page.getByText(/once your IT team gives you the new setup/)).toBeVisible();
    await app.shot('43-secret-expired');

    // IT's new setup file arrives: the app sends the new secret to Recall.
    await importSetup(app, setupFile(svc, rotated), '44-new-setup-imported');
    await expect(page.getByRole('heading', { name: 'Your calendar is connected' })).toBeVisible({ timeout: 30_000 });
    await app.shot('45-reconnected-after-rotation');

    const calendars = await svc.control.calendars();
    expect(calendars).toHaveLength(1);
    expect(calendars[0].ID).toBe(cal.ID);
    expect(calendars[0].SecretFingerprint).toBe(fingerprint(rotated));
    expect(app.signInCount(), 'no sign-in page was opened').toBe(signIns);
    expect(app.filesContaining(rotated)).toEqual([]);
  } finally {
    await app?.stop();
    await svc.stop();
  }
});
