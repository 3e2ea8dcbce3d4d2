import type { SetupField, SetupInput, SetupView } from './types';

export const fieldLabels: Record<SetupField, string> = {
  clientId: 'Application (client) ID',
  clientSecret: 'Client secret value',
  tenant: 'Tenant',
  authority: 'Authority host',
  graphHost: 'Microsoft Graph host',
  redirectHost: 'Redirect host',
  responseMode: 'Response mode',
  recallRegion: 'Recall region',
  recallBaseUrl: 'Recall base URL',
  recallApiKey: 'Recall API key',
  defaultRecordingRule: 'Default recording rule',
  defaultAcceptedOnly: 'Only meetings the person has accepted',
  botName: "Assistant's name",
  internalDomains: "Your organisation's email domains",
  keepScheduling: 'Keep scheduling when Outlook Connect is closed',
  expectedInstalls: 'Expected number of installs',
};

export function labelFor(field: string): string {
  return (fieldLabels as Record<string, string>)[field] ?? field;
}

/** Mirrors config.DefaultBotName and config.DefaultExpectedInstalls, for placeholders. */
export const DEFAULT_BOT_NAME = 'Meeting Notetaker';
export const DEFAULT_EXPECTED_INSTALLS = 250;

/**
 * The Microsoft Graph host of the authority's cloud: what an empty Graph
 * host means, shown as its placeholder. Mirrors msauth.GraphHostFor (Go
 * checks the value; this only shows it).
 */
export function graphHostFor(authority: string): string {
  let host = '';
  try {
    host = new URL(authority.trim()).hostname.toLowerCase();
  } catch {
    // not an address (yet): Go uses the global cloud's too
  }
  switch (host) {
    case 'login.microsoftonline.us':
      return 'graph.microsoft.us';
    case 'login.chinacloudapi.cn':
    case 'login.partner.microsoftonline.cn':
      return 'microsoftgraph.chinacloudapi.cn';
  }
  return 'graph.microsoft.com';
}

/** How the Setup screen names each recording rule (Go's rule names). */
export const ruleLabels: Record<string, string> = {
  all_with_link: 'Every meeting with a meeting link',
  external: 'Only meetings with people outside the organisation',
  organised: 'Only meetings the person organises',
  none: 'None — each person picks meeting by meeting',
};

export interface Option {
  value: string;
  label: string;
}

/** The rule choices: '' (no admin default) first, then Go's rules. */
export function ruleOptions(rules: string[]): Option[] {
  return [
    { value: '', label: 'No default — ask each person' },
    ...rules.map((r) => ({ value: r, label: ruleLabels[r] ?? r })),
  ];
}

/** On/off choices for a setting whose default is `def`; '' keeps it unset. */
export function switchOptions(def: boolean): Option[] {
  return [
    { value: '', label: `Not set (${def ? 'on' : 'off'})` },
    { value: 'true', label: 'On' },
    { value: 'false', label: 'Off' },
  ];
}

/** Options plus the current value when it isn't one of them (an invalid saved value stays visible). */
export function withCurrent(options: Option[], value: string): Option[] {
  return options.some((o) => o.value === value) ? options : [{ value, label: value }, ...options];
}

/**
 * The meetings and background settings are defaults for the people using
 * the app, and "an admin chose" means something (the background switch,
 * the rule prompt). So their form fields start empty while the default
 * applies, and saving doesn't turn the default into an admin's choice.
 */
type AdminField =
  | 'defaultRecordingRule'
  | 'defaultAcceptedOnly'
  | 'botName'
  | 'internalDomains'
  | 'keepScheduling'
  | 'expectedInstalls';

function unsetWhenDefault(v: SetupView, f: AdminField): string {
  return v[f].source === 'default' ? '' : v[f].value;
}

/** The form's starting values: secrets start empty ('' = keep the stored one). */
export function inputFromView(v: SetupView): SetupInput {
  return {
    clientId: v.clientId.value,
    clientSecret: '',
    tenant: v.tenant.value,
    authority: v.authority.value,
    graphHost: v.graphHost.value,
    redirectHost: v.redirectHost.value,
    responseMode: v.responseMode.value,
    recallRegion: v.recallRegion.value,
    recallBaseUrl: v.recallBaseUrl.value,
    recallApiKey: '',
    defaultRecordingRule: unsetWhenDefault(v, 'defaultRecordingRule'),
    defaultAcceptedOnly: unsetWhenDefault(v, 'defaultAcceptedOnly'),
    botName: unsetWhenDefault(v, 'botName'),
    internalDomains: unsetWhenDefault(v, 'internalDomains'),
    keepScheduling: unsetWhenDefault(v, 'keepScheduling'),
    expectedInstalls: unsetWhenDefault(v, 'expectedInstalls'),
  };
}

export function sameInput(a: SetupInput, b: SetupInput): boolean {
  return (Object.keys(a) as SetupField[]).every((k) => a[k] === b[k]);
}

/** Which fields are locked by the environment. */
export function lockedFields(v: SetupView): SetupField[] {
  return (Object.keys(fieldLabels) as SetupField[]).filter((f) => v[f].locked);
}
