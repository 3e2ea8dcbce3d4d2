// Preview backend for ?mock=<scenario> (only when the Wails runtime is absent).
// It renders every screen without Go and walks a pretend journey when you
// click, so designers, screenshots and e2e drafts have something to drive.
// This file is a separate chunk: the real app never loads it.
import type { Backend, EventMap, EventName } from './backend';
import { graphHostFor } from './setup';
import {
  appInfo,
  backgroundView,
  configuredSetupView,
  demoWeek,
  meetingProblems,
  planMeetings,
  problems,
  setupView,
  state,
  type MeetingSeed,
} from './fixtures';
import type {
  AppInfo,
  BackgroundView,
  FieldView,
  MeetingsView,
  Override,
  RuleView,
  SetupInput,
  SetupView,
  State,
} from './types';

export const scenarios = [
  'idle',
  'idle-problem',
  'signing-in',
  'signing-in-nobrowser',
  'registering',
  'connected',
  'connecting',
  'disconnected',
  'connected-problem',
  'finish-pending',
  'disconnecting',
  'disconnect-failed',
  'start-over-failed',
  'configured',
  'setup-locked',
  'busy',
  // Meetings on the Connected screen (the plain "connected" has a realistic week too).
  'first-sync',
  'empty-week',
  'sync-failed',
  'rate-limited',
  'ask-rule',
] as const;

const meetingScenarios = new Set(['first-sync', 'empty-week', 'sync-failed', 'rate-limited', 'ask-rule']);

function initialState(scenario: string): State {
  switch (scenario) {
    case 'idle-problem':
      return state('idle', { problem: problems.adminApproval });
    case 'signing-in':
      return state('signing_in');
    case 'signing-in-nobrowser': {
      const s = state('signing_in');
      s.signIn!.browserOpened = false;
      return s;
    }
    case 'registering':
      return state('registering');
    case 'connected':
    case 'configured':
      return state('connected');
    case 'first-sync':
    case 'empty-week':
    case 'sync-failed':
    case 'rate-limited':
    case 'ask-rule':
      return state('connected');
    case 'connecting': {
      const s = state('connected');
      s.calendar = { ...s.calendar!, status: 'connecting', since: new Date(Date.now() - 20_000).toISOString() };
      return s;
    }
    case 'disconnected': {
      const s = state('connected');
      s.calendar = {
        ...s.calendar!,
        status: 'disconnected',
        since: new Date(Date.now() - 3 * 3600_000).toISOString(),
        likelyCause:
          'Your Microsoft sign-in stopped working — usually because your password changed or your organisation signed you out. Reconnect to fix it.',
      };
      return s;
    }
    case 'connected-problem':
      return state('connected', { problem: problems.recallUnreachable });
    case 'finish-pending':
      return state('finish_pending');
    case 'disconnecting':
      return state('disconnecting');
    case 'disconnect-failed':
      return state('disconnect_failed');
    case 'start-over-failed':
      return state('disconnect_failed', { calendar: undefined });
    case 'busy':
      return state('idle', { busy: true });
    default:
      return state('idle');
  }
}

/** The pretend meetings world: seeds, the rule and overrides, and the sync record. */
function initialMeetings(scenario: string, now: number) {
  const minutes = (n: number) => new Date(now + n * 60_000).toISOString();
  const sync: Omit<MeetingsView, 'rule' | 'meetings' | 'counts'> = {
    phase: 'ready',
    askRule: false,
    syncing: false,
    lastSyncAt: minutes(-2),
    nextSyncAt: minutes(4),
    lastSyncBy: 'window',
  };
  let seeds: MeetingSeed[] = demoWeek(now);
  let rule: RuleView = { rule: 'external', acceptedOnly: false, source: 'person' };
  let overrides: Record<string, Override> = { evt_interview: 'skip' };
  switch (scenario) {
    case 'first-sync':
      Object.assign(sync, { phase: 'first_sync', askRule: true, lastSyncAt: undefined, lastSyncBy: undefined });
      rule = { rule: 'none', acceptedOnly: false, source: 'default' };
      overrides = {};
      break;
    case 'empty-week':
      seeds = [];
      break;
    case 'sync-failed':
      Object.assign(sync, { lastSyncAt: minutes(-47), nextSyncAt: minutes(5), syncProblem: meetingProblems.syncFailed });
      break;
    case 'rate-limited':
      Object.assign(sync, { lastSyncAt: minutes(-9), nextSyncAt: minutes(6), rateLimitedUntil: minutes(6) });
      break;
    case 'ask-rule':
      sync.askRule = true;
      rule = { rule: 'none', acceptedOnly: false, source: 'default' };
      overrides = {};
      break;
  }
  return { sync, seeds, rule, overrides };
}

export function createMockBackend(scenario: string, params = new URLSearchParams()): Backend {
  const listeners = new Map<string, Set<(d: unknown) => void>>();
  const emit = <E extends EventName>(name: E, data: EventMap[E]) => {
    for (const cb of listeners.get(name) ?? []) cb(data);
  };
  const configured = scenario === 'configured' || scenario === 'setup-locked' || params.get('demo') === 'off';
  let info: AppInfo = configured
    ? appInfo({ demo: false, demoReason: '', configured: true })
    : appInfo({ demoReason: params.get('demo') === 'forced' ? 'forced' : 'unconfigured' });
  if (params.get('setupProblem')) info = { ...info, setupProblem: problems.badEnvironment };
  let setup: SetupView = configured ? configuredSetupView() : setupView();
  if (scenario !== 'setup-locked' && configured) {
    setup = configuredSetupView({
      recallRegion: { value: 'eu-central-1', source: 'saved', locked: false },
      recallApiKey: { set: true, source: 'saved', locked: false },
      expectedInstalls: { value: '1200', source: 'environment', locked: true },
    });
  }

  // What Save makes of a field whose default is no one's choice: '' falls back to the default.
  const adminField = (value: string, def: string): FieldView =>
    value ? { value, source: 'saved', locked: false } : { value: def, source: 'default', locked: false };
  let current = initialState(scenario);
  const timers: ReturnType<typeof setTimeout>[] = [];

  const set = (s: State) => {
    current = s;
    emit('state:changed', s);
    return s;
  };
  const later = (ms: number, fn: () => void) => timers.push(setTimeout(fn, ms));
  const clear = () => timers.splice(0).forEach(clearTimeout);
  const wait = <T>(v: T, ms = 350) => new Promise<T>((r) => setTimeout(() => r(v), ms));

  const startSignIn = () => {
    clear();
    set(state('signing_in'));
    later(5000, () => {
      set(state('registering'));
      later(2000, () => {
        const s = state('connected');
        s.calendar = { ...s.calendar!, status: 'connecting', since: new Date().toISOString() };
        set(s);
        later(3000, () => set(state('connected', {}, Date.now())));
      });
    });
    return wait(current, 150);
  };

  // Go's automatic Finish connecting, pretended: at retryAt the screen holds
  // (busy, no retryAt) while it tries, then connects.
  if (current.phase === 'finish_pending' && current.retryAt) {
    later(Math.max(0, Date.parse(current.retryAt) - Date.now()), () => {
      if (current.phase !== 'finish_pending') return;
      set({ ...current, busy: true, retryAt: undefined });
      later(1500, () => set(state('connected')));
    });
  }

  // Meetings: planned with the fixtures' small planner, so switches flip and a
  // rule change reports how many meetings changed.
  const world = initialMeetings(scenario, Date.now());
  const meetingsView = (): MeetingsView => {
    const meetings = world.sync.phase === 'ready' ? planMeetings(world.seeds, world.rule, world.overrides, Date.now()) : [];
    return {
      ...world.sync,
      rule: world.rule,
      meetings,
      counts: { recorded: meetings.filter((m) => m.record).length, total: meetings.length },
    };
  };
  const pushMeetings = () => {
    const v = meetingsView();
    emit('meetings:changed', v);
    return v;
  };
  if (world.sync.phase === 'first_sync') {
    later(4000, () => {
      world.sync = { ...world.sync, phase: 'ready', lastSyncAt: new Date().toISOString() };
      pushMeetings();
    });
  }
  let background: BackgroundView = backgroundView({
    lastRunAt: new Date(Date.now() - 130 * 60_000).toISOString(),
    botsScheduled: meetingScenarios.has(scenario) ? 0 : 2,
  });

  const validate = (input: SetupInput) => {
    const errors: { field: keyof SetupInput; message: string }[] = [];
    if (input.clientId && !/^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$/i.test(input.clientId.trim())) {
      errors.push({ field: 'clientId', message: 'This should look like 00000000-0000-0000-0000-000000000000.' });
    }
    if (input.recallBaseUrl && !/^https:\/\//.test(input.recallBaseUrl)) {
      errors.push({ field: 'recallBaseUrl', message: 'Use an address that starts with https://' });
    }
    // As in Go (config/graphhost.go), in short: the authority's own Graph host, or DoD's with US Government's.
    const ownGraph = graphHostFor(input.authority);
    const graphHost = input.graphHost.trim().toLowerCase();
    if (graphHost && graphHost !== ownGraph && !(graphHost === 'dod-graph.microsoft.us' && ownGraph === 'graph.microsoft.us')) {
      errors.push({
        field: 'graphHost',
        message:
          graphHost === 'dod-graph.microsoft.us'
            ? `dod-graph.microsoft.us is the Graph host of US Government DoD (L5), which signs in at https://login.microsoftonline.us, but the authority is ${input.authority}. Set the authority to https://login.microsoftonline.us, or leave the Graph host empty to use ${ownGraph}.`
            : `Use the authority's own Graph host (${ownGraph}), or leave this empty.`,
      });
    }
    if (input.botName.length > 100) {
      errors.push({ field: 'botName', message: 'Use a name of at most 100 characters: meeting apps cut long names short.' });
    }
    if (input.expectedInstalls && !/^\d+$/.test(input.expectedInstalls)) {
      errors.push({ field: 'expectedInstalls', message: 'Enter a whole number, like 250, without spaces or separators.' });
    } else if (input.expectedInstalls && (Number(input.expectedInstalls) < 1 || Number(input.expectedInstalls) > 100000)) {
      errors.push({ field: 'expectedInstalls', message: 'Enter a number from 1 to 100,000.' });
    }
    if (!input.clientId && !setup.clientId.locked) errors.push({ field: 'clientId', message: 'Enter the application (client) ID.' });
    if (!input.clientSecret && !setup.clientSecret.set) errors.push({ field: 'clientSecret', message: 'Enter the client secret value.' });
    if (!input.recallApiKey && !setup.recallApiKey.set) errors.push({ field: 'recallApiKey', message: 'Enter the Recall API key.' });
    return { ok: errors.length === 0, errors };
  };

  return {
    GetState: () => wait(current, 120),
    Connect: startSignIn,
    Reconnect: startSignIn,
    CancelSignIn: () => (clear(), wait(set(state('idle')))),
    OpenSignInAgain: () => wait(current),
    FinishConnecting: () => {
      // As in Go: a click shows the registering screen.
      clear();
      set(state('registering'));
      later(1200, () => set(state('connected')));
      return wait(current);
    },
    Disconnect: () => {
      clear();
      set(state('disconnecting'));
      later(1800, () => set(state('idle')));
      return wait(current, 150);
    },
    // As in Go: only after a failed disconnect; elsewhere it does nothing.
    RemoveFromThisComputer: () =>
      current.phase === 'disconnect_failed' ? (clear(), wait(set(state('idle')))) : wait(current),
    RefreshStatus: () => {
      if (current.calendar) set({ ...current, calendar: { ...current.calendar, checkedAt: new Date().toISOString() } });
      return wait(current, 600);
    },
    WindowFocused: () => wait(current, 50),
    DismissProblem: () => wait(set({ ...current, problem: undefined })),
    GetAppInfo: () => wait(info, 80),
    RetryStartup: () => wait(info, 300),
    OpenLogsFolder: () => wait(undefined),
    GetDiagnostics: () => wait(`Outlook Connect ${info.version} (preview)\nmode: ${info.demo ? 'demo' : 'configured'}\n`),
    CopyText: (text) => navigator.clipboard.writeText(text),
    GetSetup: () => wait(setup, 200),
    ValidateSetup: (input) => wait(validate(input), 120),
    SaveSetup: (input) => {
      const validation = validate(input);
      if (!validation.ok) return wait({ validation }, 400);
      setup = configuredSetupView({
        clientId: { value: input.clientId, source: 'saved', locked: false },
        authority: { value: input.authority, source: 'saved', locked: false },
        graphHost: adminField(input.graphHost, ''),
        recallRegion: { value: input.recallRegion, source: 'saved', locked: false },
        recallApiKey: { set: true, source: 'saved', locked: false },
        defaultRecordingRule: adminField(input.defaultRecordingRule, ''),
        defaultAcceptedOnly: adminField(input.defaultAcceptedOnly, 'false'),
        botName: adminField(input.botName, 'Meeting Notetaker'),
        internalDomains: adminField(input.internalDomains, ''),
        keepScheduling: adminField(input.keepScheduling, 'true'),
        expectedInstalls: setup.expectedInstalls.locked ? setup.expectedInstalls : adminField(input.expectedInstalls, '250'),
      });
      info = { ...info, demo: false, demoReason: '', configured: true };
      emit('config:changed', info);
      return wait({ validation, view: setup }, 400);
    },
    ResetSetup: () => {
      setup = setupView();
      info = { ...info, demo: true, demoReason: 'unconfigured', configured: false };
      emit('config:changed', info);
      return wait(setup);
    },
    TestMicrosoft: (input) => {
      const graph = input.graphHost || graphHostFor(input.authority);
      const scope = graph === 'graph.microsoft.com' ? '' : ` Sign-in will ask for https://${graph}/Calendars.Read.`;
      return wait({ ok: true, message: `Microsoft recognised the app registration.${scope}` }, 900);
    },
    TestRecall: (input) =>
      wait(
        input.recallApiKey === 'bad'
          ? {
              ok: false,
              message: 'Recall did not accept the key.',
              problem: {
                code: 'recall.unauthorized',
                title: 'Recall did not accept the API key',
                message: 'The key may be wrong, revoked, or from another region.',
                nextStep: 'Copy the key again from Recall and check the region.',
                details: [{ label: 'HTTP status', value: '401' }],
                retryable: false,
                forAdmin: true,
              },
            }
          : { ok: true, message: 'Recall accepted the key.' },
        900,
      ),
    ImportSetupFile: (contents, passphrase) => {
      const locked = contents.includes('age-encryption') || contents.includes('"encrypted"');
      if (locked && passphrase !== 'demo') {
        return wait({
          ok: false,
          needsPassphrase: true,
          errors: [],
          warnings: [],
          problem: passphrase
            ? {
                code: 'setup.wrong_passphrase',
                title: 'Wrong passphrase',
                message: "That passphrase didn't unlock the file. Check it and try again.",
                nextStep: 'Ask the person who made the file for the passphrase.',
                retryable: true,
                forAdmin: false,
              }
            : undefined,
        });
      }
      setup = configuredSetupView();
      info = { ...info, demo: false, demoReason: '', configured: true };
      emit('config:changed', info);
      return wait({ ok: true, needsPassphrase: false, errors: [], warnings: [], view: setup });
    },
    ExportSetupFile: () => wait({ path: '/home/sam/Documents/outlook-connect-setup.json', cancelled: false }, 500),
    GetMeetings: () => wait(meetingsView(), 250),
    SetRecordingRule: (rule, acceptedOnly) => {
      const before = new Map(meetingsView().meetings.map((m) => [m.id, m.record]));
      world.rule = { rule, acceptedOnly, source: 'person' };
      world.sync = { ...world.sync, askRule: false };
      const view = pushMeetings();
      const changed = view.meetings.filter((m) => before.get(m.id) !== m.record).length;
      return wait({ view, changed }, 450);
    },
    SetMeetingOverride: (eventID, choice) => {
      if (choice) world.overrides = { ...world.overrides, [eventID]: choice };
      else world.overrides = Object.fromEntries(Object.entries(world.overrides).filter(([id]) => id !== eventID));
      return wait(pushMeetings(), 300);
    },
    DismissRulePrompt: () => {
      world.sync = { ...world.sync, askRule: false };
      return wait(pushMeetings(), 150);
    },
    SyncMeetings: () => {
      const limited = world.sync.rateLimitedUntil && Date.parse(world.sync.rateLimitedUntil) > Date.now();
      if (limited || world.sync.syncing) return wait(meetingsView(), 200);
      world.sync = { ...world.sync, syncing: true };
      later(1500, () => {
        const at = Date.now();
        world.sync = {
          ...world.sync,
          syncing: false,
          syncProblem: undefined,
          lastSyncAt: new Date(at).toISOString(),
          nextSyncAt: new Date(at + 5 * 60_000).toISOString(),
          lastSyncBy: 'window',
        };
        pushMeetings();
      });
      return wait(pushMeetings(), 150);
    },
    GetBackground: () => wait(background, 200),
    SetKeepScheduling: (on) => {
      background = { ...background, keepScheduling: on, source: 'person' };
      emit('background:changed', background);
      return wait(background, 300);
    },
    EventsOn: (name, cb) => {
      let s = listeners.get(name);
      if (!s) listeners.set(name, (s = new Set()));
      s.add(cb as (d: unknown) => void);
      return () => s.delete(cb as (d: unknown) => void);
    },
    BrowserOpenURL: (url) => {
      window.open(url, '_blank', 'noopener');
    },
    ClipboardSetText: (text) => navigator.clipboard.writeText(text).then(() => true),
    WindowSetTitle: () => {},
  };
}
