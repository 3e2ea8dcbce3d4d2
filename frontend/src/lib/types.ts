// Plain-JSON shapes of what the Go side sends and takes. They mirror the Go
// structs (see app/connect, app/config, app/problem); results arrive as plain
// objects, so we never use the generated classes' constructors.

export type Phase =
  | 'idle'
  | 'signing_in'
  | 'registering'
  | 'finish_pending'
  | 'connected'
  | 'disconnecting'
  | 'disconnect_failed';

export type CalendarStatus = 'connecting' | 'connected' | 'disconnected';

export interface State {
  phase: Phase;
  busy: boolean;
  account?: string;
  calendar?: CalendarState;
  signIn?: SignInState;
  problem?: Problem;
  /** finish_pending: when Outlook Connect tries Finish connecting again by itself (RFC 3339); absent: it will not */
  retryAt?: string;
}

export interface CalendarState {
  id: string;
  status: CalendarStatus;
  /** RFC 3339 */
  since?: string;
  lastChange?: { status: string; at: string; detail?: string };
  likelyCause?: string;
  /** only IT can fix the cause (the app's Microsoft secret): reconnecting would not help */
  causeForAdmin?: boolean;
  /** RFC 3339 */
  checkedAt?: string;
}

export interface SignInState {
  startUrl: string;
  browserOpened: boolean;
  /** RFC 3339 */
  expiresAt: string;
}

export interface ProblemDetail {
  label: string;
  value: string;
  link?: boolean;
}

export interface Problem {
  code: string;
  title: string;
  message: string;
  nextStep: string;
  details?: ProblemDetail[];
  retryable: boolean;
  forAdmin: boolean;
}

export type DemoReason = '' | 'forced' | 'unconfigured';

export interface AppInfo {
  version: string;
  demo: boolean;
  demoReason: DemoReason;
  configured: boolean;
  configDir: string;
  logsDir: string;
  platform: string;
  /** e.g. an invalid environment variable */
  setupProblem?: Problem;
}

export type Source = 'environment' | 'saved' | 'profile' | 'default';

export interface FieldView {
  value: string;
  source: Source;
  locked: boolean;
}

export interface SecretView {
  set: boolean;
  source: Source;
  locked: boolean;
}

export interface SetupView {
  demo: boolean;
  demoReason: string;
  missing: string[];
  clientId: FieldView;
  clientSecret: SecretView;
  tenant: FieldView;
  authority: FieldView;
  /** '' (source default) while the authority's own Microsoft Graph host applies */
  graphHost: FieldView;
  redirectHost: FieldView;
  responseMode: FieldView;
  recallRegion: FieldView;
  recallBaseUrl: FieldView;
  recallApiKey: SecretView;
  regions: string[];
  redirectUriHint: string;
  /** Meetings defaults (values in SetupInput's form) */
  defaultRecordingRule: FieldView;
  defaultAcceptedOnly: FieldView;
  botName: FieldView;
  internalDomains: FieldView;
  /** Background mode */
  keepScheduling: FieldView;
  expectedInstalls: FieldView;
  /** the rule names Go accepts, in the order to offer them */
  recordingRules: string[];
}

export interface SetupInput {
  clientId: string;
  /** '' keeps the stored secret */
  clientSecret: string;
  tenant: string;
  authority: string;
  /** '' for the authority's own Microsoft Graph host; dod-graph.microsoft.us for US Government L5 (DoD) */
  graphHost: string;
  redirectHost: string;
  responseMode: string;
  recallRegion: string;
  recallBaseUrl: string;
  /** '' keeps the stored key */
  recallApiKey: string;
  /** a rule name, or '' for no admin default (each person is asked) */
  defaultRecordingRule: string;
  /** 'true' | 'false' | '' (not set) */
  defaultAcceptedOnly: string;
  botName: string;
  /** domains separated by commas */
  internalDomains: string;
  /** 'true' | 'false' | '' (not set) */
  keepScheduling: string;
  /** a whole number as text */
  expectedInstalls: string;
}

export type SetupField = keyof SetupInput;

export interface FieldError {
  field: SetupField;
  message: string;
}

export interface ValidationResult {
  ok: boolean;
  errors: FieldError[];
}

export interface TestResult {
  ok: boolean;
  message: string;
  problem?: Problem;
}

export interface SaveResult {
  validation: ValidationResult;
  view?: SetupView;
}

export interface ImportResult {
  ok: boolean;
  needsPassphrase: boolean;
  errors: FieldError[];
  warnings: string[];
  problem?: Problem;
  view?: SetupView;
}

export interface ExportOptions {
  includeSecrets: boolean;
  passphrase: string;
  allowPlaintextSecrets: boolean;
}

export interface ExportResult {
  path: string;
  cancelled: boolean;
}

export interface SignInWaiting {
  startUrl: string;
}

// ---------------------------------------------------------------------------
// Meetings and background scheduling (issues 13 and 14). These mirror
// app/meetings' View types and the App's BackgroundView; the field names are
// the JSON keys of the Go ⇄ UI contract, so keep them exactly.

export type RuleName = 'all_with_link' | 'external' | 'organised' | 'none';
/** '' follows the rule; 'record' / 'skip' is the person's choice for one meeting. */
export type Override = '' | 'record' | 'skip';
export type MeetingPlatform = 'teams' | 'zoom' | 'meet' | 'webex' | 'other' | 'none';
export type BotState = 'none' | 'scheduled' | 'pending' | 'failed' | 'in_meeting';
/** person: the person chose; admin: the admin default applies; default: nobody chose. */
export type ChoiceSource = 'person' | 'admin' | 'default';
export type MeetingResponse = 'accepted' | 'tentative' | 'declined' | 'none' | 'organizer';

export interface RuleView {
  rule: RuleName;
  acceptedOnly: boolean;
  source: ChoiceSource;
}

export interface MeetingView {
  /** Recall calendar-event id */
  id: string;
  /** RFC 3339 UTC */
  start: string;
  /** RFC 3339 UTC */
  end: string;
  allDay: boolean;
  /** 'YYYY-MM-DD' for all-day events: the calendar date, no zone shift */
  allDayDate?: string;
  /** '' → "(No title)" */
  title: string;
  platform: MeetingPlatform;
  platformLabel: string;
  /** email */
  organizer?: string;
  isOrganizer: boolean;
  /** attendees outside the organisation's domains */
  externalCount: number;
  response: MeetingResponse;
  cancelled: boolean;
  /** will be recorded (rule or override says so, it has a link and has not ended) */
  record: boolean;
  /** plain words: why it will or won't be recorded */
  reason: string;
  override: Override;
  /** false: no link, cancelled or ended */
  canOverride: boolean;
  /** what Recall has now for this meeting */
  bot: BotState;
  /** starts in < 10 minutes: a change may not reach the bot in time */
  tooSoon: boolean;
  note?: string;
  /** the last schedule/unschedule for this meeting failed */
  problem?: Problem;
}

export interface MeetingsView {
  /** off: no connected calendar; first_sync: nothing loaded yet; ready: meetings is valid */
  phase: 'off' | 'first_sync' | 'ready';
  rule: RuleView;
  /** show the one-time rule prompt */
  askRule: boolean;
  /** now-ish (in progress included) to now + 7 days, by start then id */
  meetings: MeetingView[];
  syncing: boolean;
  /** RFC 3339 UTC, last successful sync */
  lastSyncAt?: string;
  /** RFC 3339 UTC, next automatic sync */
  nextSyncAt?: string;
  /** the last sync failed; nextSyncAt says when it retries */
  syncProblem?: Problem;
  /** RFC 3339 UTC, while Recall asked us to slow down */
  rateLimitedUntil?: string;
  lastSyncBy?: 'window' | 'background';
  counts: { recorded: number; total: number };
}

export interface RuleResult {
  view: MeetingsView;
  /** meetings whose record flag flipped */
  changed: number;
}

export interface BackgroundView {
  /** the "Keep scheduling when Outlook Connect is closed" switch */
  keepScheduling: boolean;
  /** system: the computer's start-up settings turned it off, so the switch shows off */
  source: ChoiceSource | 'system';
  /** a background helper process is running now */
  running: boolean;
  /** RFC 3339, the last sync the background helper did */
  lastRunAt?: string;
  /** bots the background helper scheduled since the window last looked */
  botsScheduled?: number;
  /** e.g. the autostart entry could not be written */
  problem?: Problem;
  /** a plain sentence on why the switch is as it is (demo mode, turned off in start-up settings); not an error */
  note?: string;
}
