import { test as base, expect } from '@playwright/test';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchApp, type RunningApp } from './harness';

/** The unix socket of the suite's own session bus (scripts/e2e.sh runs inside .ci/keyring-session.sh). */
function sessionBusSocket(): string {
  const address = process.env.DBUS_SESSION_BUS_ADDRESS ?? '';
  for (const entry of address.split(';')) {
    const colon = entry.indexOf(':');
    if (entry.slice(0, colon) !== 'unix') continue;
    const params = new Map(entry.slice(colon + 1).split(',').map((kv) => kv.split('=', 2) as [string, string]));
    if (params.get('path')) return decodeURIComponent(params.get('path')!);
    if (params.get('abstract')) return '\0' + decodeURIComponent(params.get('abstract')!);
  }
  throw new Error(`the suite needs a unix session bus, DBUS_SESSION_BUS_ADDRESS is "${address}"`);
}

/**
 * Makes a session bus appear at path: a socket that forwards to the suite's
 * bus (and so to its unlocked gnome-keyring), as when a person starts or
 * unlocks their keychain while the app is open.
 */
function busAppearsAt(path: string): Promise<Server> {
  const target = sessionBusSocket();
  const server = createServer((client) => {
    const upstream = createConnection(target);
    const close = () => {
      client.destroy();
      upstream.destroy();
    };
    for (const s of [client, upstream]) {
      s.on('error', close);
      s.on('close', close);
    }
    client.pipe(upstream).pipe(client);
  });
  return new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(path, () => ok(server));
  });
}

/**
 * How many times the app found its configuration unusable: one log line per
 * look (its "code" field is redacted, as every "code" is in the log).
 */
function unusableLookups(app: RunningApp): number {
  const log = join(app.configDir, 'logs', 'outlook-connect.log');
  if (!existsSync(log)) return 0;
  return readFileSync(log, 'utf8')
    .split('\n')
    .filter((l) => l.includes('"msg":"config.unusable"')).length;
}

base('without a keychain the app says so, writes nothing else, and Try again looks again', async ({ page }) => {
  // A session bus address where nothing listens yet: the Secret Service
  // cannot be reached, as on a desktop without a running keychain.
  const busDir = mkdtempSync(join(tmpdir(), 'oc-e2e-bus-'));
  const busPath = join(busDir, 'bus');
  const app = await launchApp(page, { env: { DBUS_SESSION_BUS_ADDRESS: `unix:path=${busPath}` }, expectControl: false });
  let bus: Server | undefined;
  try {
    const card = page.getByRole('alert');
    await expect(card).toBeVisible();
    await expect(card).toHaveAttribute('data-code', 'vault.unavailable');
    await expect(card).toContainText(/keyring|keychain/i);
    await expect(page.getByRole('heading', { name: "Outlook Connect can't connect your calendar yet" })).toBeVisible();
    // No Connect button that cannot work.
    await expect(page.getByRole('button', { name: 'Connect Outlook calendar' })).toHaveCount(0);
    await app.shot('23-keychain-unavailable');
    // Nothing but the log file was written: no settings, no tokens.
    expect(app.filesUnderConfig()).toEqual(['logs/outlook-connect.log']);

    // Try again with the keychain still away: the app really looks again
    // (a second failed lookup in its log) and keeps saying so.
    const lookups = unusableLookups(app);
    expect(lookups).toBeGreaterThanOrEqual(1);
    await page.getByRole('button', { name: 'Try again' }).click();
    await expect.poll(() => unusableLookups(app)).toBe(lookups + 1);
    await expect(card).toHaveAttribute('data-code', 'vault.unavailable');
    await expect(page.getByRole('button', { name: 'Connect Outlook calendar' })).toHaveCount(0);

    // The keychain becomes reachable: Try again gets past the card, to the
    // Connect screen (demo mode: nothing is configured).
    bus = await busAppearsAt(busPath);
    await page.getByRole('button', { name: 'Try again' }).click();
    await expect(page.getByRole('button', { name: 'Connect Outlook calendar' })).toBeVisible();
    await expect(page.getByRole('alert')).toHaveCount(0);
    await expect(page.getByText('Demo mode — nothing leaves this computer')).toBeVisible();
    expect(unusableLookups(app)).toBe(lookups + 1);
  } finally {
    await app.stop();
    await new Promise((r) => (bus ? bus.close(r) : r(undefined)));
    rmSync(busDir, { recursive: true, force: true });
  }
});
