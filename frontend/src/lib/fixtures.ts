// Sample data for tests and the ?mock= preview mode. Never used by the real app.
import type {
  AppInfo,
  BackgroundView,
  MeetingPlatform,
  MeetingsView,
  MeetingView,
  Override,
  Problem,
  RuleView,
  SetupView,
  State,
} from './types';

const minutes = (n: number, from = Date.now()) => new Date(from + n * 60_000).toISOString();

export const problems = {
  adminApproval: {
    code: 'msauth.admin_approval_required',
    title: 'Your organisation needs to approve Outlook Connect',
    message: 'Microsoft says an administrator must approve Outlook Connect before you can use it.',
    nextStep: 'Send the details below to your IT team and ask them to approve the app. Then try again.',
    details: [
      { label: 'Microsoft code', value: 'AADSTS65001' },
      { label: 'Correlation ID', value: '3f1c2a9e-7b7d-4d0e-9a51-2c1f0b8e6d44' },
      {
        label: 'Admin approval link',
        value: 'https://login.microsoftonline.com/organizations/adminconsent?client_id=00000000-0000-0000-0000-000000000000',
        link: true,
      },
    ],
    retryable: true,
    forAdmin: true,
  },
  recallUnreachable: {
    code: 'recall.unreachable',
    title: "We couldn't reach Recall",
    message: "Outlook Connect couldn't talk to Recall. Your internet connection may be down, or Recall may be busy.",
    nextStep: 'Check that you are online, then try again in a minute.',
    details: [{ label: 'Recall region', value: 'us-east-1' }],
    retryable: true,
    forAdmin: false,
  },
  signInCancelled: {
    code: 'msauth.timeout',
    title: 'Sign-in took too long',
    message: "We didn't hear back from Microsoft in time, so we stopped waiting.",
    nextStep: 'Click Connect Outlook calendar to try again.',
    retryable: true,
    forAdmin: false,
  },
  badEnvironment: {
    code: 'config.invalid_environment',
    title: 'A setting on this computer is not valid',
    message: 'The Recall region set in an environment variable is not one Outlook Connect knows.',
    nextStep: 'Ask your IT team to fix the setting, then restart Outlook Connect.',
    details: [{ label: 'Variable', value: 'OUTLOOK_CONNECT_RECALL_REGION' }],
    retryable: false,
    forAdmin: true,
  },
} satisfies Record<string, Problem>;

export function appInfo(over: Partial<AppInfo> = {}): AppInfo {
  return {
    version: '1.2.3',
    demo: true,
    demoReason: 'unconfigured',
    configured: false,
    configDir: '/home/sam/.config/outlook-connect',
    logsDir: '/home/sam/.config/outlook-connect/logs',
    platform: 'linux/amd64',
    ...over,
  };
}

export function state(phase: State['phase'], over: Partial<State> = {}, now = Date.now()): State {
  const base: State = { phase, busy: false };
  switch (phase) {
    case 'signing_in':
      base.signIn = {
        startUrl: 'http://localhost:53682/start',
        browserOpened: true,
        expiresAt: minutes(10, now),
      };
      break;
    case 'registering':
    case 'finish_pending':
    case 'disconnecting':
    case 'disconnect_failed':
      base.account = 'sam.lee@contoso.com';
      break;
    case 'connected':
      base.account = 'sam.lee@contoso.com';
      base.calendar = {
        id: 'cal_01JD8X',
        status: 'connected',
        since: minutes(-47, now),
        checkedAt: minutes(-1, now),
      };
      break;
  }
  if (phase === 'disconnect_failed') {
    // A disconnect that failed keeps its calendar (a failed Start over has none).
    base.calendar = { id: 'cal_01JD8X', status: 'connected', since: minutes(-47, now), checkedAt: minutes(-1, now) };
  }
  if (phase === 'finish_pending' || phase === 'disconnect_failed') base.problem = problems.recallUnreachable;
  // Recall unreachable passes by itself: Go tries Finish connecting again on its own.
  if (phase === 'finish_pending') base.retryAt = minutes(2, now);
  return { ...base, ...over };
}

export function setupView(over: Partial<SetupView> = {}): SetupView {
  return {
    demo: true,
    demoReason: 'unconfigured',
    missing: ['clientId', 'clientSecret', 'recallApiKey'],
    clientId: { value: '', source: 'default', locked: false },
    clientSecret: { set: false, source: 'default', locked: false },
    tenant: { value: 'common', source: 'default', locked: false },
    authority: { value: 'https://login.microsoftonline.com', source: 'default', locked: false },
    graphHost: { value: '', source: 'default', locked: false },
    redirectHost: { value: 'localhost', source: 'default', locked: false },
    responseMode: { value: 'form_post', source: 'default', locked: false },
    recallRegion: { value: 'us-east-1', source: 'default', locked: false },
    recallBaseUrl: { value: '', source: 'default', locked: false },
    recallApiKey: { set: false, source: 'default', locked: false },
    regions: ['us-east-1', 'us-west-2', 'eu-central-1', 'ap-northeast-1'],
    redirectUriHint: 'http://localhost/callback',
    defaultRecordingRule: { value: '', source: 'default', locked: false },
    defaultAcceptedOnly: { value: 'false', source: 'default', locked: false },
    botName: { value: 'Meeting Notetaker', source: 'default', locked: false },
    internalDomains: { value: '', source: 'default', locked: false },
    keepScheduling: { value: 'true', source: 'default', locked: false },
    expectedInstalls: { value: '250', source: 'default', locked: false },
    recordingRules: ['all_with_link', 'external', 'organised', 'none'],
    ...over,
  };
}

export function configuredSetupView(over: Partial<SetupView> = {}): SetupView {
  return setupView({
    demo: false,
    demoReason: '',
    missing: [],
    clientId: { value: '6731de76-14a6-49ae-97bc-6eba6914391e', source: 'saved', locked: false },
    clientSecret: { set: true, source: 'saved', locked: false },
    tenant: { value: 'contoso.onmicrosoft.com', source: 'profile', locked: false },
    recallRegion: { value: 'eu-central-1', source: 'environment', locked: true },
    recallApiKey: { set: true, source: 'environment', locked: true },
    defaultRecordingRule: { value: 'external', source: 'saved', locked: false },
    botName: { value: 'Contoso Notetaker', source: 'saved', locked: false },
    internalDomains: { value: 'contoso.com, contoso.co.uk', source: 'saved', locked: false },
    ...over,
  });
}

// ---------------------------------------------------------------------------
// Meetings (issue 13) and background scheduling (issue 14).

export const meetingProblems = {
  syncFailed: {
    code: 'meetings.sync_failed',
    title: "We couldn't check your meetings",
    message: "Outlook Connect couldn't get your calendar's events from Recall. Your meetings below may be out of date.",
    nextStep: "Nothing to do for now — it will try again by itself. If this keeps happening, check that you're online.",
    details: [
      { label: 'Recall region', value: 'us-east-1' },
      { label: 'HTTP status', value: '503' },
    ],
    retryable: true,
    forAdmin: false,
  },
  scheduleFailed: {
    code: 'meetings.schedule_failed',
    title: "Recall couldn't schedule the assistant",
    message: 'Recall turned down the request for this meeting. Outlook Connect will try again.',
    nextStep: 'If it keeps failing, send the details to your IT team.',
    details: [
      { label: 'Calendar event', value: 'evt_7Q2M' },
      { label: 'HTTP status', value: '400' },
    ],
    retryable: true,
    forAdmin: true,
  },
  autostart: {
    code: 'autostart.write_failed',
    title: "Outlook Connect couldn't set itself to start at login",
    message:
      "Outlook Connect couldn't save the setting that starts it when you log in, so it won't keep scheduling after you close it.",
    nextStep: 'Try the switch again. If it keeps happening, copy the details below and send them to your IT support.',
    details: [
      { label: 'Location', value: '/home/sam/.config/autostart/outlook-connect-background.desktop' },
      { label: 'Error type', value: '*fs.PathError' },
    ],
    retryable: true,
    forAdmin: false,
  },
} satisfies Record<string, Problem>;

/** One meeting with sensible defaults (a Teams meeting, recorded by the rule). */
export function meeting(over: Partial<MeetingView> = {}): MeetingView {
  return {
    id: 'evt_1',
    start: '2026-11-28T16:00:00Z',
    end: '2026-11-28T16:30:00Z',
    allDay: false,
    title: 'Weekly sync',
    platform: 'teams',
    platformLabel: 'Microsoft Teams',
    organizer: 'sam.lee@contoso.com',
    isOrganizer: true,
    externalCount: 0,
    response: 'organizer',
    cancelled: false,
    record: true,
    reason: 'Your rule: every meeting with a link',
    override: '',
    canOverride: true,
    bot: 'scheduled',
    tooSoon: false,
    ...over,
  };
}

export function meetingsView(over: Partial<MeetingsView> = {}): MeetingsView {
  const meetings = over.meetings ?? [];
  return {
    phase: 'ready',
    rule: { rule: 'external', acceptedOnly: false, source: 'person' },
    askRule: false,
    meetings,
    syncing: false,
    lastSyncAt: '2026-11-28T14:58:00Z',
    nextSyncAt: '2026-11-28T15:04:00Z',
    counts: { recorded: meetings.filter((m) => m.record).length, total: meetings.length },
    ...over,
  };
}

export function backgroundView(over: Partial<BackgroundView> = {}): BackgroundView {
  return { keepScheduling: true, source: 'default', running: false, ...over };
}

/** What the calendar says about a meeting; planMeetings() adds what the rules make of it. */
export type MeetingSeed = Pick<
  MeetingView,
  'id' | 'start' | 'end' | 'allDay' | 'allDayDate' | 'title' | 'platform' | 'organizer' | 'isOrganizer' | 'externalCount' | 'response' | 'cancelled' | 'problem'
>;

const platformLabels: Record<MeetingPlatform, string> = {
  teams: 'Microsoft Teams',
  zoom: 'Zoom',
  meet: 'Google Meet',
  webex: 'Webex',
  other: 'Other link',
  none: 'No meeting link',
};

const responseReasons: Partial<Record<MeetingView['response'], string>> = {
  declined: 'You declined this meeting',
  tentative: 'You replied tentative',
  none: "You haven't accepted this meeting",
};

/**
 * A small stand-in for Go's planner, so the preview can be clicked through:
 * the rule, accepted-only and per-meeting overrides decide `record` and `reason`.
 */
export function planMeetings(
  seeds: MeetingSeed[],
  rule: RuleView,
  overrides: Record<string, Override>,
  now: number,
): MeetingView[] {
  return seeds.map((s) => {
    const hasLink = s.platform !== 'none';
    const start = Date.parse(s.start);
    const ended = Date.parse(s.end) <= now;
    const canOverride = hasLink && !s.cancelled && !ended;
    const override = canOverride ? (overrides[s.id] ?? '') : '';
    const accepted = s.response === 'accepted' || s.response === 'organizer';
    let wants: boolean;
    let reason: string;
    switch (rule.rule) {
      case 'all_with_link':
        wants = true;
        reason = 'Your rule: every meeting with a link';
        break;
      case 'external':
        wants = s.externalCount > 0;
        reason = wants ? 'Your rule: people outside your organisation' : 'Your rule: everyone here is from your organisation';
        break;
      case 'organised':
        wants = s.isOrganizer;
        reason = wants ? 'Your rule: meetings you organise' : "Your rule: you don't organise this one";
        break;
      default:
        wants = false;
        reason = 'Your rule: you choose meeting by meeting';
    }
    if (wants && rule.acceptedOnly && !accepted) {
      wants = false;
      reason = responseReasons[s.response] ?? reason;
    }
    let record = canOverride && (override ? override === 'record' : wants);
    if (s.cancelled) reason = 'Cancelled';
    else if (!hasLink) reason = 'No meeting link';
    else if (ended) reason = 'Ended';
    else if (override === 'record') reason = 'You chose to record';
    else if (override === 'skip') reason = 'You chose not to record';
    if (!canOverride) record = false;
    const tooSoon = canOverride && start > now && start - now < 10 * 60_000;
    const live = start <= now && !ended;
    return {
      ...s,
      allDay: s.allDay ?? false,
      platformLabel: platformLabels[s.platform],
      record,
      reason,
      override,
      canOverride,
      bot: s.problem ? 'failed' : record ? (live ? 'in_meeting' : 'scheduled') : 'none',
      tooSoon,
      note: tooSoon ? 'Starts in less than 10 minutes — Recall may not manage to send the assistant.' : undefined,
    };
  });
}

/** A realistic week for the preview and tests, relative to now in local time. */
export function demoWeek(now = Date.now()): MeetingSeed[] {
  const base = new Date(now);
  const at = (day: number, h: number, m = 0) =>
    new Date(base.getFullYear(), base.getMonth(), base.getDate() + day, h, m).toISOString();
  const from = (mins: number) => new Date(now + mins * 60_000).toISOString();
  const date = (day: number) => {
    const d = new Date(base.getFullYear(), base.getMonth(), base.getDate() + day);
    return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
  };
  const me = 'sam.lee@contoso.com';
  const lead = 'priya.patel@contoso.com';
  const seed = (s: Partial<MeetingSeed> & Pick<MeetingSeed, 'id' | 'start' | 'end' | 'title'>): MeetingSeed => ({
    allDay: false,
    platform: 'teams',
    organizer: me,
    isOrganizer: true,
    externalCount: 0,
    response: 'organizer',
    cancelled: false,
    ...s,
  });
  const standUp = (day: number): MeetingSeed =>
    seed({ id: `evt_standup_${day}`, start: at(day, 9, 30), end: at(day, 9, 45), title: 'Team stand-up', organizer: lead, isOrganizer: false, response: 'accepted' });
  const week = [
    seed({ id: 'evt_design', start: from(-95), end: from(-50), title: 'Design review', organizer: lead, isOrganizer: false, response: 'accepted' }),
    seed({ id: 'evt_planning', start: from(-20), end: from(25), title: 'Roadmap planning', externalCount: 0 }),
    seed({ id: 'evt_fabrikam', start: from(5), end: from(35), title: 'Renewal call — Fabrikam', platform: 'zoom', externalCount: 2 }),
    seed({ id: 'evt_1on1', start: from(120), end: from(150), title: '1:1 with Priya', organizer: lead, isOrganizer: false, response: 'accepted' }),
    seed({ id: 'evt_offsite', start: `${date(1)}T00:00:00Z`, end: `${date(2)}T00:00:00Z`, allDay: true, allDayDate: date(1), title: 'Team offsite', platform: 'none', organizer: lead, isOrganizer: false, response: 'accepted' }),
    standUp(1),
    seed({ id: 'evt_northwind', start: at(1, 11), end: at(1, 12), title: 'Product demo with Northwind Traders', platform: 'meet', organizer: 'lena@northwind.example', isOrganizer: false, externalCount: 3, response: 'accepted' }),
    seed({ id: 'evt_budget', start: at(1, 14), end: at(1, 15), title: 'Budget review', organizer: 'finance@contoso.com', isOrganizer: false, response: 'accepted', cancelled: true }),
    seed({ id: 'evt_lunch', start: at(1, 12, 30), end: at(1, 13, 30), title: 'Lunch with Alex', platform: 'none' }),
    standUp(2),
    seed({ id: 'evt_interview', start: at(2, 13), end: at(2, 14), title: 'Interview: backend engineer', organizer: 'talent@contoso.com', isOrganizer: false, externalCount: 1, response: 'tentative' }),
    seed({ id: 'evt_litware', start: at(2, 15, 30), end: at(2, 16, 15), title: 'Vendor pitch — Litware', platform: 'webex', organizer: 'sales@litware.example', isOrganizer: false, externalCount: 2, response: 'none', problem: meetingProblems.scheduleFailed }),
    standUp(3),
    seed({ id: 'evt_untitled', start: at(3, 16), end: at(3, 16, 30), title: '', platform: 'zoom', externalCount: 1 }),
    standUp(4),
    seed({ id: 'evt_retro', start: at(4, 15), end: at(4, 16), title: 'Sprint retrospective', platform: 'other' }),
  ];
  // Go sends them by start, then id.
  return week.sort((a, b) => Date.parse(a.start) - Date.parse(b.start) || a.id.localeCompare(b.id));
}

/** demoWeek() planned with the "outside my organisation" rule and one override. */
export function demoMeetingsView(now = Date.now(), over: Partial<MeetingsView> = {}): MeetingsView {
  const rule: RuleView = { rule: 'external', acceptedOnly: false, source: 'person' };
  const meetings = planMeetings(demoWeek(now), rule, { evt_interview: 'skip' }, now);
  return meetingsView({
    rule,
    meetings,
    lastSyncAt: new Date(now - 2 * 60_000).toISOString(),
    nextSyncAt: new Date(now + 4 * 60_000).toISOString(),
    ...over,
  });
}
