import { test as base, expect } from '@playwright/test';
import { test, connectThroughDemo, demoTokenUser, launchApp } from './harness';

test('Recall down after sign-in: nothing is lost, Finish connecting needs no new sign-in', async ({ app }) => {
  const { page } = app;
  // Every attempt (and every retry) fails until the faults are cleared.
  await app.control.recallFault({ method: 'GET', path: '/api/v2/calendars/', status: 503, times: 50 });
  await app.control.recallFault({ method: 'POST', path: '/api/v2/calendars/', status: 503, times: 50 });

  await page.getByRole('button', { name: 'Connect Outlook calendar' }).click();
  const signIn = await app.openSignIn();
  await signIn.getByRole('button', { name: 'Accept' }).click();

  await expect(page.getByRole('heading', { name: "You're signed in, but we couldn't finish connecting" })).toBeVisible({
    timeout: 60_000,
  });
  await expect(page.getByRole('alert')).toHaveAttribute('data-code', /^recall\./);
  await app.shot('30-finish-pending');
  // The sign-in is kept in the keychain, so the retry needs no browser.
  // Stored as one item ("ocvault1:value:" + token), not a chunk manifest;
  // only the prefix is compared, so a failure never prints the token.
  expect(app.keychainValue(demoTokenUser)?.slice(0, 15)).toBe('ocvault1:value:');
  expect(await app.control.calendars()).toEqual([]);

  await app.control.reset();
  await page.getByRole('button', { name: 'Finish connecting' }).click();
  await expect(page.getByRole('heading', { name: 'Your calendar is connected' })).toBeVisible({ timeout: 30_000 });
  expect(await app.control.calendars()).toHaveLength(1);
});

test('Recall down during Disconnect: Try again, or remove from this computer only', async ({ app }) => {
  const { page } = app;
  await connectThroughDemo(app);
  await app.control.recallFault({ method: 'DELETE', path: '/api/v2/calendars/*/', status: 503, times: 50 });

  await page.getByRole('button', { name: 'Disconnect…' }).click();
  await page.getByRole('alertdialog').getByRole('button', { name: 'Disconnect', exact: true }).click();
  await expect(page.getByRole('heading', { name: "We couldn't finish disconnecting" })).toBeVisible({ timeout: 60_000 });
  expect(await app.control.recallFaultsPending(), 'the DELETE faults fired').toBeLessThan(50);
  await expect(page.getByRole('button', { name: 'Try again' })).toBeVisible();
  await app.shot('31-disconnect-failed');

  await page.getByRole('button', { name: /Remove from this computer only/ }).click();
  await page.getByRole('alertdialog').getByRole('button', { name: 'Remove from this computer' }).click();
  await expect(page.getByRole('heading', { name: 'Connect your Outlook calendar' })).toBeVisible();
  // Local sign-in gone; the calendar is still registered with Recall, and
  // the card says so (with the calendar id for IT).
  expect(app.keychainValue(demoTokenUser) === undefined, 'refresh token gone from the keychain').toBe(true);
  expect(await app.control.calendars()).toHaveLength(1);
  await expect(page.getByRole('alert')).toHaveAttribute('data-code', 'connect.removed_locally');
  await app.shot('32-removed-locally');
});

base('when no browser opens, the link to copy comes first', async ({ page }) => {
  const app = await launchApp(page, { env: { BROWSER: 'false' } });
  try {
    await page.getByRole('button', { name: 'Connect Outlook calendar' }).click();
    await expect(page.getByRole('heading', { name: "Your browser didn't open" })).toBeVisible();
    await expect(page.getByRole('button', { name: 'Copy link' })).toBeVisible();
    await app.shot('33-browser-did-not-open');
    await page.getByRole('button', { name: 'Cancel' }).click();
    await expect(page.getByRole('heading', { name: 'Connect your Outlook calendar' })).toBeVisible();
  } finally {
    await app.stop();
  }
});
