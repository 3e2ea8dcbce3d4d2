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
}

export interface CalendarState {
  id: string;
  status: CalendarStatus;
  /** RFC 3339 */
  since?: string;
  lastChange?: { status: string; at: string; detail?: string };
  likelyCause?: string;
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
