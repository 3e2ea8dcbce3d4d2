// The TypeScript types the UI renders from, checked against the JSON Go
// really sends. ui-contract.golden.json is generated from the Go types by
// `go test ./app -run TestUIContract -update` (app/ui_contract_test.go),
// which also fails when Go changes and the file was not regenerated.
import { describe, expect, it } from 'vitest';
import golden from './ui-contract.golden.json';
import type { AppInfo, CalendarStatus, DemoReason, Phase, State } from './types';

/** T with every property, at every depth, required. */
type Complete<T> = T extends (infer U)[]
  ? Complete<U>[]
  : T extends object
    ? { [K in keyof T]-?: Complete<T[K]> }
    : T;

// One value for every property of the TypeScript types: the compiler
// (npm run check) insists that each property is here and no other is.
const problem: Complete<NonNullable<State['problem']>> = {
  code: 'c',
  title: 't',
  message: 'm',
  nextStep: 'n',
  details: [{ label: 'l', value: 'v', link: true }],
  retryable: true,
  forAdmin: false,
};

const state: Complete<State> = {
  phase: 'connected',
  busy: false,
  account: 'a',
  calendar: {
    id: 'i',
    status: 'connected',
    since: 's',
    lastChange: { status: 's', at: 'a', detail: 'd' },
    likelyCause: 'l',
    causeForAdmin: true,
    checkedAt: 'c',
  },
  signIn: { startUrl: 'u', browserOpened: true, expiresAt: 'e' },
  problem,
  retryAt: 'r',
};

const appInfo: Complete<AppInfo> = {
  version: 'v',
  demo: true,
  demoReason: 'unconfigured',
  configured: false,
  configDir: 'c',
  logsDir: 'l',
  platform: 'p',
  setupProblem: problem,
};

// Every member of each union, exactly once: Record<Union, true> makes the
// compiler reject a missing or an extra member.
const phases: Record<Phase, true> = {
  idle: true,
  signing_in: true,
  registering: true,
  finish_pending: true,
  connected: true,
  disconnecting: true,
  disconnect_failed: true,
};
const calendarStatuses: Record<CalendarStatus, true> = { connecting: true, connected: true, disconnected: true };
const demoReasons: Record<DemoReason, true> = { '': true, forced: true, unconfigured: true };

/** The keys (sorted) and the kinds of the values, recursively. */
function shape(v: unknown): unknown {
  if (Array.isArray(v)) return v.length ? [shape(v[0])] : [];
  if (v !== null && typeof v === 'object') {
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, shape((v as Record<string, unknown>)[k])]),
    );
  }
  return typeof v;
}

describe('the TypeScript types match the JSON Go sends', () => {
  it('State (GetState, state:changed)', () => {
    expect(shape(state)).toEqual(shape(golden.state));
  });

  it('AppInfo (GetAppInfo, config:changed)', () => {
    expect(shape(appInfo)).toEqual(shape(golden.appInfo));
  });

  it('the unions list the values Go sends', () => {
    expect(Object.keys(phases).sort()).toEqual(golden.enums.phase);
    expect(Object.keys(calendarStatuses).sort()).toEqual(golden.enums.calendarStatus);
    expect(Object.keys(demoReasons).sort()).toEqual(golden.enums.demoReason);
  });

  it('the golden file is the generated one', () => {
    expect(golden.note).toMatch(/go test \.\/app -run TestUIContract -update/);
    // "s" is what the generator puts in every string: a hand edit that
    // "fixed" a value would show here.
    expect(golden.state.phase).toBe('s');
  });
});
