import { defineConfig } from '@playwright/test';

// End-to-end tests: the real app (the dev binary, demo mode, real Secret
// Service) is driven through its dev server in Debian's Chromium. Run by
// scripts/e2e.sh, which builds the binary and provides Xvfb and the keychain.
const artifacts = process.env.E2E_ARTIFACTS ?? '../test-artifacts';

export default defineConfig({
  testDir: '.',
  testMatch: '*.spec.ts',
  // One app at a time: the app holds a single-instance lock, and the
  // machine has two cores.
  workers: 1,
  // A stray test.only would silently skip the rest of the suite; focus a
  // run with arguments instead (make e2e, or scripts/e2e.sh DIR -g 'name').
  forbidOnly: true,
  fullyParallel: false,
  retries: 0,
  timeout: 90_000,
  expect: { timeout: 20_000 },
  outputDir: `${artifacts}/e2e-results`,
  reporter: [['list']],
  use: {
    browserName: 'chromium',
    viewport: { width: 900, height: 640 },
    launchOptions: {
      executablePath: process.env.E2E_CHROMIUM ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    },
    screenshot: 'only-on-failure',
    trace: 'off',
  },
});
