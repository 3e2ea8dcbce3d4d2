import { join } from 'node:path';
import { test, expect, connectThroughDemo, shotsDir } from './harness';


test('the person declines on the Microsoft page', async ({ app }) => {
  const { page } = app;
  await page.getByRole('button', { name: 'Connect Outlook calendar' }).click();
  const signIn = await app.openSignIn();
  await expect(signIn.getByRole('button', { name: 'Cancel' })).toBeVisible();
  await signIn.getByRole('button', { name: 'Cancel' }).click();
  // The tab is back on the app's loopback callback (not still on the
  // Microsoft page, which names Outlook Connect too), saying in plain words
  // what happened.
  const callback = new URL('/callback', app.lastSignInURL).href;
  await expect(signIn).toHaveURL((url) => url.origin + url.pathname === callback);
  await expect(signIn.getByRole('heading', { name: 'Sign-in was cancelled' })).toBeVisible();
  await signIn.screenshot({ path: join(shotsDir, '24-browser-after-decline.png') });

  const card = page.getByRole('alert');
  await expect(card).toBeVisible();
  await expect(card).toHaveAttribute('data-code', 'msauth.declined');
  await expect(page.getByRole('heading', { name: 'Connect your Outlook calendar' })).toBeVisible();
  await app.shot('20-declined');
});

test('admin approval required shows the admin-consent link for IT', async ({ app }) => {
  const { page } = app;
  await app.control.identityFault('admin_approval');
  await page.getByRole('button', { name: 'Connect Outlook calendar' }).click();
  const signIn = await app.openSignIn();
  await signIn.getByRole('button', { name: 'Return to app' }).click();

  const card = page.getByRole('alert');
  await expect(card).toHaveAttribute('data-code', 'msauth.admin_approval_required');
  await card.getByText('Details for IT', { exact: true }).click();
  await expect(card.getByText(/adminconsent\?client_id=/)).toBeVisible();
  await expect(card.getByText('AADSTS90094', { exact: true })).toBeVisible();
  await app.shot('21-admin-approval-required');
});

test('Recall answers 503 once during registration: still exactly one calendar', async ({ app }) => {
  await app.control.recallFault({ method: 'POST', path: '/api/v2/calendars/', status: 503, times: 1 });
  expect(await app.control.recallFaultsPending()).toBe(1);
  await connectThroughDemo(app);
  // The 503 was really served (the app retried past it), not left unused.
  expect(await app.control.recallFaultsPending(), 'the injected 503 fired').toBe(0);
  const calendars = await app.control.calendars();
  expect(calendars).toHaveLength(1);
});

test('Recall reports disconnected: Reconnect keeps the same calendar id', async ({ app }) => {
  const { page } = app;
  await connectThroughDemo(app);
  const [before] = await app.control.calendars();
  expect(before.RefreshTokenFingerprint).toMatch(/^[0-9a-f]{16}$/);

  await app.control.setCalendarStatus(before.ID, 'disconnected', {
    error: 'invalid_grant',
    error_description: 'AADSTS70008: The provided authorization code or refresh token has expired.',
  });
  await page.getByRole('button', { name: 'Check now' }).click();
  await expect(page.getByRole('heading', { name: 'Your calendar is disconnected' })).toBeVisible();
  await expect(page.getByText(/no longer accepts the saved sign-in/i)).toBeVisible();
  await app.shot('22-disconnected');

  await page.getByRole('button', { name: 'Reconnect' }).first().click();
  const signIn = await app.openSignIn();
  await signIn.getByRole('button', { name: 'Accept' }).click();
  await expect(page.getByRole('heading', { name: 'Your calendar is connected' })).toBeVisible({ timeout: 30_000 });

  const after = await app.control.calendars();
  expect(after).toHaveLength(1);
  expect(after[0].ID).toBe(before.ID);
  // Recall has the calendar connected again, with the new sign-in's token.
  await expect.poll(async () => (await app.control.calendars())[0].Status).toBe('connected');
  // Recall holds the new sign-in's refresh token (compared by fingerprint,
  // so a failure never prints a token), and none is left at rest here.
  const [reconnected] = await app.control.calendars();
  expect(reconnected.RefreshTokenFingerprint, 'Recall got the new refresh token').not.toBe(before.RefreshTokenFingerprint);
  await expect.poll(() => app.keychainCount(), { message: 'refresh token left in the keychain' }).toBe(0);
});
