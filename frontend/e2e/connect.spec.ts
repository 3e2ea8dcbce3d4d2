import { test, expect, demoTokenUser, dismissRulePromptIfShown, shotsDir } from './harness';
import { join } from 'node:path';

const demoEmail = 'alex.morgan@contoso.example';

test('connects through the browser, keeps the token out of files and drops it once connected, then disconnects', async ({ app }) => {
  const { page } = app;
  await expect(page.getByRole('heading', { name: 'Connect your Outlook calendar' })).toBeVisible();
  await expect(page.getByText('Demo mode — nothing leaves this computer')).toBeVisible();
  await app.shot('01-connect');

  await page.getByRole('button', { name: 'Connect Outlook calendar' }).click();
  await expect(page.getByRole('heading', { name: 'Finish signing in in your browser' })).toBeVisible();
  await app.shot('02-waiting-for-sign-in');

  // The page $BROWSER was asked to open: the app's local /start URL, which
  // redirects to the (demo) Microsoft sign-in page.
  const signIn = await app.openSignIn();
  await expect(signIn.getByRole('button', { name: 'Accept' })).toBeVisible();
  await signIn.screenshot({ path: join(shotsDir, '03-demo-microsoft-sign-in.png') });
  await signIn.getByRole('button', { name: 'Accept' }).click();
  await expect(signIn.getByText(/signed in/i).first()).toBeVisible();
  await signIn.screenshot({ path: join(shotsDir, '04-browser-after-sign-in.png') });

  await expect(page.getByRole('heading', { name: 'Your calendar is connected' })).toBeVisible({ timeout: 30_000 });
  await expect(page.getByText(demoEmail)).toBeVisible();
  await dismissRulePromptIfShown(page);
  await app.shot('05-connected');

  // Once Recall reports the calendar connected the refresh token leaves the
  // keychain too (Recall holds it), and it is nowhere in the config
  // folder, the logs or the app's output.
  const [token] = await app.control.refreshTokens();
  expect(token.length).toBeGreaterThan(100);
  await expect.poll(() => app.keychainCount(), { message: 'refresh token left in the keychain' }).toBe(0);
  expect(app.keychainValue(demoTokenUser) === undefined, 'refresh token gone from the keychain').toBe(true);
  expect(app.filesContaining(token)).toEqual([]);

  const calendars = await app.control.calendars();
  expect(calendars).toHaveLength(1);
  expect(calendars[0].Status).toBe('connected');

  await page.getByRole('button', { name: 'Disconnect…' }).click();
  const dialog = page.getByRole('alertdialog');
  await expect(dialog).toBeVisible();
  await app.shot('06-disconnect-confirmation');
  await dialog.getByRole('button', { name: 'Disconnect', exact: true }).click();

  await expect(page.getByRole('heading', { name: 'Connect your Outlook calendar' })).toBeVisible();
  expect(await app.control.calendars()).toEqual([]);
  expect(app.keychainValue(demoTokenUser) === undefined, 'refresh token gone from the keychain').toBe(true);
  expect(app.keychainCount()).toBe(0);
  expect(app.filesContaining(token)).toEqual([]);
});

test('Cancel in the app stops waiting and returns to the Connect screen', async ({ app }) => {
  const { page } = app;
  await page.getByRole('button', { name: 'Connect Outlook calendar' }).click();
  await expect(page.getByRole('heading', { name: 'Finish signing in in your browser' })).toBeVisible();
  const url = await app.nextSignInURL();
  await page.getByRole('button', { name: 'Cancel' }).click();
  await expect(page.getByRole('heading', { name: 'Connect your Outlook calendar' })).toBeVisible();
  await expect(page.getByRole('alert')).toHaveCount(0);
  // The sign-in port is closed: the link no longer leads anywhere.
  await expect(fetch(url)).rejects.toThrow();
});

test('setup and about screens', async ({ app }) => {
  const { page } = app;
  await page.getByRole('button', { name: 'Settings' }).click();
  await expect(page.getByRole('heading', { name: 'Setup', exact: true })).toBeVisible();
  await app.shot('10-setup');
  await page.getByRole('button', { name: 'Back' }).click();
  await page.getByRole('button', { name: 'About' }).click();
  await expect(page.getByRole('heading', { name: 'About Outlook Connect' })).toBeVisible();
  await app.shot('11-about');
});
