import { test as base, expect } from '@playwright/test';
import { launchApp } from './harness';

base('without a keychain the app says so and writes nothing elsewhere', async ({ page }) => {
  // No session bus: the Secret Service cannot be reached.
  const app = await launchApp(page, { env: { DBUS_SESSION_BUS_ADDRESS: 'disabled:' }, expectControl: false });
  try {
    const card = page.getByRole('alert');
    await expect(card).toBeVisible();
    await expect(card).toHaveAttribute('data-code', 'vault.unavailable');
    await expect(card).toContainText(/keyring|keychain/i);
    await expect(page.getByRole('heading', { name: "Outlook Connect can't connect your calendar yet" })).toBeVisible();
    // No Connect button that cannot work; Try again re-checks the keychain.
    await expect(page.getByRole('button', { name: 'Connect Outlook calendar' })).toHaveCount(0);
    await app.shot('23-keychain-unavailable');
    await page.getByRole('button', { name: 'Try again' }).click();
    await expect(card).toHaveAttribute('data-code', 'vault.unavailable');
    // Nothing but the log file was written: no settings, no tokens.
    expect(app.filesUnderConfig()).toEqual(['logs/outlook-connect.log']);
  } finally {
    await app.stop();
  }
});
