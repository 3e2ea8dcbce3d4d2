import type { SetupField, SetupInput, SetupView } from './types';

export const fieldLabels: Record<SetupField, string> = {
  clientId: 'Application (client) ID',
  clientSecret: 'Client secret value',
  tenant: 'Tenant',
  authority: 'Authority host',
  redirectHost: 'Redirect host',
  responseMode: 'Response mode',
  recallRegion: 'Recall region',
  recallBaseUrl: 'Recall base URL',
  recallApiKey: 'Recall API key',
};

export function labelFor(field: string): string {
  return (fieldLabels as Record<string, string>)[field] ?? field;
}

/** The form's starting values: secrets start empty ('' = keep the stored one). */
export function inputFromView(v: SetupView): SetupInput {
  return {
    clientId: v.clientId.value,
    clientSecret: '',
    tenant: v.tenant.value,
    authority: v.authority.value,
    redirectHost: v.redirectHost.value,
    responseMode: v.responseMode.value,
    recallRegion: v.recallRegion.value,
    recallBaseUrl: v.recallBaseUrl.value,
    recallApiKey: '',
  };
}

export function sameInput(a: SetupInput, b: SetupInput): boolean {
  return (Object.keys(a) as SetupField[]).every((k) => a[k] === b[k]);
}

/** Which fields are locked by the environment. */
export function lockedFields(v: SetupView): SetupField[] {
  const all: SetupField[] = [
    'clientId',
    'clientSecret',
    'tenant',
    'authority',
    'redirectHost',
    'responseMode',
    'recallRegion',
    'recallBaseUrl',
    'recallApiKey',
  ];
  return all.filter((f) => v[f].locked);
}
