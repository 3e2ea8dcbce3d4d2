import { join } from 'node:path';
import { test, expect, connectThroughDemo, shotsDir, type FakeBot, type FakeEvent, type RunningApp } from './harness';

// Issue 13, end to end: what the person switches and chooses in the app is
// exactly what the (fake) Recall ends up with. The expected bots are worked
// out here from the fake's own events — who is invited, how the person
// answered — never from what the app shows.

const botName = 'Meeting Notetaker'; // the default: demo mode names no bot
const orgDomain = 'contoso.example'; // the demo account's domain
const horizon = 7 * 24 * 3600_000; // the app schedules the next 7 days
const movingTitle = 'Customer onboarding: Fabrikam'; // recallapi.ScriptedMovingTitle
const cancelledTitle = 'Roadmap sync with Northwind'; // recallapi.ScriptedCancelledTitle

type Rule = 'none' | 'external';

/** RFC 3339 in UTC to the second, as the deduplication key has it. */
const rfc3339 = (t: string) => new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');

const platformHosts = [/(^|\.)teams\.microsoft\.com$/, /(^|\.)zoom\.us$/, /^meet\.google\.com$/, /\.webex\.com$/];

/**
 * The link a bot joins: Recall's meeting_url, else a join link Recall could
 * not read because Safe Links wrapped it (recall-api.md §3.4).
 */
function linkOf(e: FakeEvent): string {
  if (e.MeetingURL) return e.MeetingURL;
  if (!e.JoinURL) return '';
  let link = e.JoinURL;
  if (new URL(link).hostname.endsWith('.safelinks.protection.outlook.com')) link = new URL(link).searchParams.get('url') ?? '';
  const u = URL.canParse(link) ? new URL(link) : null;
  return u && u.protocol === 'https:' && platformHosts.some((p) => p.test(u.hostname)) ? link : '';
}

const outside = (address: string) => {
  const domain = address.split('@')[1] ?? '';
  return domain !== orgDomain && !domain.endsWith('.' + orgDomain);
};

/** Whether the person's choices and rule want a bot on e (the rules). */
function wanted(e: FakeEvent, now: number, chosen: Set<string>, rule: Rule): boolean {
  if (e.Deleted || e.Cancelled || Date.parse(e.End) <= now || Date.parse(e.Start) >= now + horizon || !linkOf(e)) return false;
  if (chosen.has(e.ID)) return true;
  if (rule === 'none' || e.AllDay || e.Response === 'declined') return false;
  return [e.Organizer, ...(e.Attendees ?? [])].some(outside);
}

/**
 * Everything in the fake Recall that differs from what the rule wants: a
 * missing bot, an unwanted one, or one with the wrong key or name. Empty
 * when they match exactly.
 */
async function botsVsRule(app: RunningApp, calendarId: string, chosen: Set<string>, rule: Rule): Promise<string[]> {
  const [events, bots] = await Promise.all([app.control.events(calendarId), app.control.bots()]);
  const now = Date.now();
  const botOf = new Map<string, FakeBot>();
  for (const b of bots) for (const id of b.Events) botOf.set(id, b);
  const problems: string[] = [];
  for (const e of events) {
    const bot = botOf.get(e.ID);
    // Ended meetings are nobody's business; a meeting crossing the 7-day
    // horizon during the test may go either way.
    if (Date.parse(e.End) <= now + 60_000 || Math.abs(Date.parse(e.Start) - (now + horizon)) < 10 * 60_000) continue;
    const key = `${rfc3339(e.Start)}-${linkOf(e)}`;
    if (wanted(e, now, chosen, rule)) {
      if (!bot) problems.push(`no bot on "${e.Title}"`);
      else if (bot.Key !== key || e.BotKey !== key || bot.BotName !== botName)
        problems.push(`wrong bot on "${e.Title}": key ${bot.Key}, name ${bot.BotName}`);
    } else if (bot) {
      problems.push(`unwanted bot on "${e.Title}"`);
    }
  }
  return problems.sort();
}

/** How many meetings the rule wants a bot on now. */
async function wantedCount(app: RunningApp, calendarId: string, chosen: Set<string>, rule: Rule): Promise<number> {
  const now = Date.now();
  return (await app.control.events(calendarId)).filter((e) => wanted(e, now, chosen, rule)).length;
}

test.describe.configure({ timeout: 150_000 });

test('a meeting switched to Record gets one bot; "outside my organisation" schedules exactly its meetings; Disconnect leaves none', async ({
  app,
}) => {
  const { page } = app;
  // Nothing in the diary moves half-way through this test.
  await app.control.staticEvents(true);
  await page.getByRole('button', { name: 'Connect Outlook calendar' }).click();
  const signIn = await app.openSignIn();
  await signIn.getByRole('button', { name: 'Accept' }).click();
  await expect(page.getByRole('heading', { name: 'Your calendar is connected' })).toBeVisible({ timeout: 30_000 });
  await signIn.close();
  const [calendar] = await app.control.calendars();

  // The week arrives with the first sync. Recording people is a matter of
  // consent: with no admin default the app asks once, and records nothing
  // until someone chooses.
  const prompt = page.getByRole('dialog', { name: 'Which meetings should be recorded?' });
  await expect(prompt).toBeVisible({ timeout: 30_000 });
  await app.shot('50-rule-prompt');
  expect(await app.control.bots()).toEqual([]);
  await prompt.getByRole('button', { name: 'Decide later' }).click();
  await expect(prompt).toBeHidden();

  const list = page.getByRole('region', { name: 'Upcoming meetings' });
  await expect(list.getByTestId('meetings-counts')).toHaveText(/^None of your \d+ meetings this week will be recorded\.$/);

  // Switch one meeting to Record: a Teams meeting of the person's own,
  // with colleagues only, so no rule below would record it.
  const events = await app.control.events(calendar.ID);
  const design = events.find((e) => e.Title === 'Design review' && !e.Deleted)!;
  expect(design.Organizer).toBe('alex@contoso.example');
  expect([design.Organizer, ...(design.Attendees ?? [])].some(outside)).toBe(false);
  const row = list.locator(`li[data-id="${design.ID}"]`);
  const sw = row.getByRole('switch', { name: /^Record Design review, / });
  await expect(sw).toHaveAttribute('aria-checked', 'false');
  await sw.click();
  await expect(sw).toHaveAttribute('aria-checked', 'true');
  await expect(row).toContainText('Will be recorded — You chose to record');

  // Exactly one bot in Recall: on that event, with the documented key
  // (start time in UTC, then the meeting link) and the bot's name.
  const key = `${rfc3339(design.Start)}-${design.MeetingURL}`;
  await expect
    .poll(async () => (await app.control.bots()).map((b) => ({ key: b.Key, name: b.BotName, events: b.Events })))
    .toEqual([{ key, name: botName, events: [design.ID] }]);
  const chosen = new Set([design.ID]);
  expect(await botsVsRule(app, calendar.ID, chosen, 'none')).toEqual([]);

  // The rule "people outside my organisation": Recall's bots follow it
  // exactly, and the meeting chosen above keeps its bot.
  const rules = page.getByRole('region', { name: 'Recording rule' });
  await rules.getByRole('radio', { name: /people outside my organisation/ }).click();
  await expect(rules.getByText(/^Updated — \d+ meetings? changed\.$/)).toBeVisible();
  expect(await wantedCount(app, calendar.ID, chosen, 'external')).toBeGreaterThan(2);
  await expect.poll(() => botsVsRule(app, calendar.ID, chosen, 'external'), { timeout: 30_000 }).toEqual([]);
  await expect(list.getByTestId('meetings-counts')).toHaveText(/^\d+ of \d+ meetings this week will be recorded\.$/);

  // For the README: the window on the list, and the rule, light and dark.
  await page.setViewportSize({ width: 900, height: 1400 });
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await list.evaluate((el) => {
      el.scrollIntoView({ block: 'start' });
      el.closest('main')?.scrollBy(0, -16);
    });
    await app.shot(`51-meetings-${scheme}`);
    await rules.screenshot({ path: join(shotsDir, `52-rules-${scheme}.png`), animations: 'disabled' });
  }
  await page.emulateMedia({ colorScheme: 'light' });

  // Disconnect: Recall deletes the calendar, and no bot is left.
  await page.getByRole('button', { name: 'Disconnect…' }).click();
  await page.getByRole('alertdialog').getByRole('button', { name: 'Disconnect', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Connect your Outlook calendar' })).toBeVisible();
  expect(await app.control.calendars()).toEqual([]);
  expect(await app.control.bots()).toEqual([]);
});

test('when a meeting moves and another is cancelled, Check for changes moves and removes their bots', async ({ app }) => {
  const { page } = app;
  await connectThroughDemo(app);
  const [calendar] = await app.control.calendars();
  const rules = page.getByRole('region', { name: 'Recording rule' });
  await rules.getByRole('radio', { name: /people outside my organisation/ }).click();
  await expect.poll(() => botsVsRule(app, calendar.ID, new Set(), 'external'), { timeout: 30_000 }).toEqual([]);

  const before = await app.control.events(calendar.ID);
  const moving = before.find((e) => e.Title === movingTitle)!;
  const cancelling = before.find((e) => e.Title === cancelledTitle)!;
  expect(moving.BotKey, 'the rule records the meeting that will move').not.toBe('');
  expect(cancelling.BotKey, 'the rule records the meeting that will be cancelled').not.toBe('');

  // The organisers change the diary; Recall moves no bot by itself.
  expect(await app.control.applyScriptedChanges()).toBe(2);
  expect(await botsVsRule(app, calendar.ID, new Set(), 'external')).toEqual([
    `unwanted bot on "Canceled: ${cancelledTitle}"`,
    expect.stringMatching(new RegExp(`^wrong bot on "${movingTitle}"`)),
  ]);

  // "Check for changes" (the app allows one sync per 30 s on request).
  const check = page.getByRole('region', { name: 'Upcoming meetings' }).getByRole('button', { name: 'Check for changes' });
  await expect
    .poll(
      async () => {
        if (await check.isEnabled()) await check.click();
        return botsVsRule(app, calendar.ID, new Set(), 'external');
      },
      { timeout: 90_000, intervals: [2_000] },
    )
    .toEqual([]);
  const after = await app.control.events(calendar.ID);
  const moved = after.find((e) => e.ID === moving.ID)!;
  expect(Date.parse(moved.Start) - Date.parse(moving.Start)).toBe(3600_000);
  expect(moved.BotKey).toBe(`${rfc3339(moved.Start)}-${moved.MeetingURL}`);
  expect(after.find((e) => e.ID === cancelling.ID)!.BotKey).toBe('');
  const cancelledRow = page.locator(`li[data-id="${cancelling.ID}"]`);
  await expect(cancelledRow).toContainText('Cancelled');
  await expect(cancelledRow.getByRole('switch')).toHaveCount(0);
  await cancelledRow.evaluate((el) => el.scrollIntoView({ block: 'center' }));
  await app.shot('53-meetings-after-changes');
});
