import { join } from 'node:path';
import { test, expect, connectThroughDemo, shotsDir } from './harness';

test('the person declines on the Microsoft page', async ({ app }) => {
  const { page } = app;
  await page.getByRole('button', { name: 'Connect Outlook calendar' }).click();
  const signIn = await app.openSignIn();
  await signIn.getByRole('button', { name: 'Cancel' }).click();
  // The browser tab says, in plain words, what happened and where to go.
  await expect(signIn.getByText(/Outlook Connect/).first()).toBeVisible();
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
  await connectThroughDemo(app);
  const calendars = await app.control.calendars();
  expect(calendars).toHaveLength(1);
});

test('Recall reports disconnected: Reconnect keeps the same calendar id', async ({ app }) => {
  const { page } = app;
  await connectThroughDemo(app);
  const [before] = await app.control.calendars();

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
});
