// Sample data for tests and the ?mock= preview mode. Never used by the real app.
import type { AppInfo, Problem, SetupView, State } from './types';

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
  if (phase === 'finish_pending' || phase === 'disconnect_failed') base.problem = problems.recallUnreachable;
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
