// The Setup screen for IT, end to end: import a passphrase-protected setup
// file through the file picker, then export one. The file's secrets must
// end up in the keychain and nowhere else, and the app must leave demo
// mode for the services the file names.
//
// The export's native save dialog cannot be driven by Playwright, so the
// app is started with OUTLOOK_CONNECT_E2E_SAVE_PATH: in dev builds (which
// scripts/e2e.sh makes) and only alongside OUTLOOK_CONNECT_DEMO_CONTROL_FILE,
// the save dialog answers that path (app/testoverrides.go). Production
// builds ignore it.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test as base, expect } from '@playwright/test';
import { demoTokenUser, launchApp, startDemoServices } from './harness';

const ageTool = process.env.E2E_AGE_PASSPHRASE ?? '';

/** age, with age's own code (app/demo/cmd/age-passphrase), not the app's. */
function age(op: 'encrypt' | 'decrypt', passphrase: string, input: Buffer | string): Buffer {
  if (!ageTool) throw new Error('E2E_AGE_PASSPHRASE is not set: run the suite with scripts/e2e.sh');
  const r = spawnSync(ageTool, [op], { input, env: { ...process.env, AGE_PASSPHRASE: passphrase } });
  if (r.status !== 0) throw new Error(`age-passphrase ${op}: ${r.stderr}`);
  return r.stdout;
}

/** The secret as is and in the encodings a leak usually takes. */
function encodings(secret: string): string[] {
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  return [
    secret,
    encodeURIComponent(secret),
    JSON.stringify(secret).slice(1, -1),
    // base64 at each of the three alignments, without the edge characters
    ...[0, 1, 2].map((n) => b64('xx'.slice(0, n) + secret).slice(4, -4)),
  ];
}

base('IT imports a protected setup file, the app leaves demo mode, and exports it again', async ({ page }) => {
  const work = mkdtempSync(join(tmpdir(), 'oc-e2e-setup-'));
  const exportPath = join(work, 'exported-setup.json.age');
  const fakes = await startDemoServices(['-connect-delay', '1s']);
  const app = await launchApp(page, { env: { OUTLOOK_CONNECT_E2E_SAVE_PATH: exportPath } });
  try {
    // The admin's file, in the documented format (app/config/SETUP_FILE.md).
    const passphrase = 'correct horse battery staple';
    const setupFile = join(work, 'contoso-setup.json.age');
    const settings = {
      format: 'outlook-connect-setup',
      version: 1,
      microsoft: { clientId: fakes.client_id, clientSecret: fakes.client_secret, authority: fakes.microsoft_url },
      recall: { baseUrl: fakes.recall_url, apiKey: fakes.recall_api_key },
    };
    writeFileSync(setupFile, age('encrypt', passphrase, JSON.stringify(settings, null, 2)));

    await expect(page.getByText('Demo mode — nothing leaves this computer')).toBeVisible();
    await page.getByRole('button', { name: 'Settings' }).click();
    await expect(page.getByRole('heading', { name: 'Setup', exact: true })).toBeVisible();

    // Import by the file picker.
    const chooser = page.waitForEvent('filechooser');
    await page.getByRole('button', { name: 'Import setup file…' }).click();
    await (await chooser).setFiles(setupFile);
    const dialog = page.getByRole('dialog', { name: "Enter the file's passphrase" });
    await expect(dialog).toBeVisible();

    // A wrong passphrase keeps the dialog, says so, and changes nothing.
    await dialog.getByLabel('Passphrase').fill('wrong horse');
    await dialog.getByRole('button', { name: 'Import' }).click();
    await expect(dialog.getByText("That passphrase doesn't open this setup file.")).toBeVisible();
    await expect(page.getByText('Demo mode — nothing leaves this computer')).toBeVisible();

    await dialog.getByLabel('Passphrase').fill(passphrase);
    await dialog.getByRole('button', { name: 'Import' }).click();
    await expect(dialog).toHaveCount(0);
    await expect(page.getByRole('main').getByText('Setup file imported. Outlook Connect now uses these settings.')).toBeVisible();
    await app.shot('12-setup-imported');

    // Out of demo mode: no banner, and the title the frontend sets says so.
    await expect(page.getByText('Demo mode — nothing leaves this computer')).toHaveCount(0);
    await expect(page).toHaveTitle('Outlook Connect');

    // The secrets are in the keychain (each one item, under the namespace
    // this test gave the app) …
    const secrets = { 'ms-client-secret': fakes.client_secret, 'recall-api-key': fakes.recall_api_key };
    for (const [user, secret] of Object.entries(secrets)) {
      const stored = app.keychainValue(user, app.configuredKeyringService);
      expect(stored === `ocvault1:value:${secret}`, `${user} in the keychain`).toBe(true);
    }
    // … and nowhere else: no file in the config folder, not the app's
    // output, not the page.
    const html = await page.content();
    for (const secret of Object.values(secrets)) {
      for (const form of encodings(secret)) {
        expect(app.filesContaining(form), 'files holding a secret').toEqual([]);
        expect(html.includes(form), 'a secret in the page').toBe(false);
      }
    }
    // The other settings are in settings.json.
    expect(readFileSync(join(app.configDir, 'settings.json'), 'utf8')).toContain(fakes.client_id);

    // Export with a passphrase: the save dialog answers exportPath.
    await page.getByRole('button', { name: 'Export setup file…' }).click();
    const exportDialog = page.getByRole('dialog', { name: 'Export setup file' });
    await expect(exportDialog.getByLabel('Include the client secret and Recall API key')).toBeChecked();
    const exportPassphrase = 'another horse, another battery';
    await exportDialog.getByLabel('Passphrase', { exact: true }).fill(exportPassphrase);
    await exportDialog.getByLabel('Type the passphrase again').fill(exportPassphrase);
    await exportDialog.getByRole('button', { name: 'Choose where to save…' }).click();
    await expect(page.getByRole('main').getByText(`Setup file saved to ${exportPath}`)).toBeVisible();

    const exported = readFileSync(exportPath);
    expect(statSync(exportPath).mode & 0o777, 'exported file mode').toBe(0o600);
    expect(exported.toString('utf8').startsWith('-----BEGIN AGE ENCRYPTED FILE-----')).toBe(true);
    for (const secret of Object.values(secrets)) {
      expect(exported.includes(secret), 'a secret in the encrypted file').toBe(false);
    }
    const decrypted = JSON.parse(age('decrypt', exportPassphrase, exported).toString('utf8'));
    expect(decrypted.format).toBe('outlook-connect-setup');
    expect(decrypted.version).toBe(1);
    expect(decrypted.microsoft.clientId).toBe(fakes.client_id);
    expect(decrypted.microsoft.authority).toBe(fakes.microsoft_url);
    expect(decrypted.recall.baseUrl).toBe(fakes.recall_url);
    // Compared as booleans, so a failure never prints a secret.
    expect(decrypted.microsoft.clientSecret === fakes.client_secret, 'client secret round-trips').toBe(true);
    expect(decrypted.recall.apiKey === fakes.recall_api_key, 'API key round-trips').toBe(true);

    // The app really uses the imported settings: sign-in goes to the
    // Microsoft the file named, and the calendar gets connected.
    await page.getByRole('button', { name: 'Back' }).click();
    await page.getByRole('button', { name: 'Connect Outlook calendar' }).click();
    const signIn = await app.openSignIn();
    await expect(signIn).toHaveURL((url) => url.origin === new URL(fakes.microsoft_url).origin);
    await signIn.getByRole('button', { name: 'Accept' }).click();
    await expect(page.getByRole('heading', { name: 'Your calendar is connected' })).toBeVisible({ timeout: 30_000 });
    // Recall now holds the refresh token: it leaves the configured keychain
    // namespace, and the demo namespace never had one.
    const calendars = await fakes.control.calendars();
    expect(calendars.map((c) => c.Status)).toEqual(['connected']);
    await expect
      .poll(() => app.keychainValue(demoTokenUser, app.configuredKeyringService) === undefined, {
        message: 'refresh token gone from the configured namespace once connected',
      })
      .toBe(true);
    expect(app.keychainValue(demoTokenUser) === undefined, 'nothing under the demo namespace').toBe(true);
  } finally {
    await app.stop();
    await fakes.stop();
    spawnSync('secret-tool', ['clear', 'service', app.configuredKeyringService]);
    rmSync(work, { recursive: true, force: true });
  }
});
