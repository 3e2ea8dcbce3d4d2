import { test, expect, dismissRulePromptIfShown } from './harness';

// Finish connecting by itself: when registering with Recall fails for a
// passing reason, the app tries again on its own, on the button's path, and
// the person who never clicks still ends up connected, with one calendar.

const finishHeading = "You're signed in, but we couldn't finish connecting";

test('Recall unavailable with Retry-After during registration: the app finishes connecting with no click', async ({ app }) => {
  test.setTimeout(150_000);
  const { page } = app;
  // The create meets Recall's gateway saying "503, come back in 35 s":
  // longer than the client's own retries wait, so the registration fails
  // and Go arms an automatic Finish connecting, not before Retry-After.
  await app.control.recallFault({ method: 'POST', path: '/api/v2/calendars/', status: 503, times: 1, retryAfterSeconds: 35 });

  await page.getByRole('button', { name: 'Connect Outlook calendar' }).click();
  const signIn = await app.openSignIn();
  await signIn.getByRole('button', { name: 'Accept' }).click();
  await expect(page.getByRole('heading', { name: finishHeading })).toBeVisible({ timeout: 60_000 });
  await signIn.close();
  expect(await app.control.recallFaultsPending()).toBe(0);
  expect(await app.control.calendars()).toEqual([]);

  const line = page.getByText(/Outlook Connect will try again by itself at .+\(in less than a minute\)\./);
  await expect(line).toBeVisible();
  await expect(page.getByRole('button', { name: 'Finish connecting' })).toHaveAccessibleDescription(
    /will try again by itself/,
  );
  await app.shot('46-finish-pending-will-try-by-itself');
  // Keep every announcement: the calendar's own status follows at once.
  await page.evaluate(() => {
    const el = document.querySelector('[data-testid="announcer"]')!;
    const said: string[] = ((window as unknown as { said: string[] }).said = []);
    new MutationObserver(() => said.push(el.textContent?.trim() ?? '')).observe(el, {
      childList: true,
      characterData: true,
      subtree: true,
    });
  });

  // No click: the Connected screen comes by itself, and the live region
  // says what happened.
  await expect(page.getByRole('heading', { name: 'Your calendar is connected' })).toBeVisible({ timeout: 90_000 });
  await expect
    .poll(() => page.evaluate(() => (window as unknown as { said: string[] }).said))
    .toContainEqual(expect.stringContaining('Outlook Connect finished connecting your calendar.'));
  const calendars = await app.control.calendars();
  expect(calendars).toHaveLength(1);
  await dismissRulePromptIfShown(page);
  await app.shot('47-connected-by-itself');
  // Connected: the sign-in is no longer kept on this computer.
  await expect.poll(() => app.keychainCount()).toBe(0);
});
