// Vitest's stand-in for src/lib/backend.ts: `vi.mock('../lib/backend')` picks
// this file up automatically. Every bound method is a vi.fn() with a sensible
// default; `emit()` fires a Go event; `resetBackendMock()` restores defaults.
import { vi } from 'vitest';
import type { EventMap, EventName } from '../backend';
import { appInfo, backgroundView, meetingsView, setupView, state } from '../fixtures';

type Listener = (data: unknown) => void;
const listeners = new Map<string, Set<Listener>>();

export const GetState = vi.fn();
export const Connect = vi.fn();
export const CancelSignIn = vi.fn();
export const OpenSignInAgain = vi.fn();
export const FinishConnecting = vi.fn();
export const Reconnect = vi.fn();
export const Disconnect = vi.fn();
export const RemoveFromThisComputer = vi.fn();
export const RefreshStatus = vi.fn();
export const WindowFocused = vi.fn();
export const DismissProblem = vi.fn();
export const GetAppInfo = vi.fn();
export const RetryStartup = vi.fn();
export const OpenLogsFolder = vi.fn();
export const GetDiagnostics = vi.fn();
export const CopyText = vi.fn();
export const GetSetup = vi.fn();
export const ValidateSetup = vi.fn();
export const SaveSetup = vi.fn();
export const ResetSetup = vi.fn();
export const TestRecall = vi.fn();
export const TestMicrosoft = vi.fn();
export const ImportSetupFile = vi.fn();
export const ExportSetupFile = vi.fn();
export const GetMeetings = vi.fn();
export const SetRecordingRule = vi.fn();
export const SetMeetingOverride = vi.fn();
export const DismissRulePrompt = vi.fn();
export const SyncMeetings = vi.fn();
export const GetBackground = vi.fn();
export const SetKeepScheduling = vi.fn();
export const BrowserOpenURL = vi.fn();
export const ClipboardSetText = vi.fn();
export const WindowSetTitle = vi.fn();
export const useBackend = vi.fn();
export const hasWailsRuntime = vi.fn(() => true);

export const EventsOn = vi.fn(<E extends EventName>(name: E, cb: (data: EventMap[E]) => void) => {
  let set = listeners.get(name);
  if (!set) listeners.set(name, (set = new Set()));
  set.add(cb as Listener);
  return () => set.delete(cb as Listener);
});

/** Fire a Go → JS event to every subscriber. */
export function emit<E extends EventName>(name: E, data: EventMap[E]): void {
  for (const cb of listeners.get(name) ?? []) cb(data);
}

export function listenerCount(name: EventName): number {
  return listeners.get(name)?.size ?? 0;
}

/** Back to defaults: idle state, demo app info, empty setup, an empty week of meetings. */
export function resetBackendMock(): void {
  listeners.clear();
  const idle = () => Promise.resolve(state('idle'));
  for (const fn of [
    GetState,
    Connect,
    CancelSignIn,
    OpenSignInAgain,
    FinishConnecting,
    Reconnect,
    Disconnect,
    RemoveFromThisComputer,
    RefreshStatus,
    WindowFocused,
    DismissProblem,
  ]) {
    fn.mockReset();
    fn.mockImplementation(idle);
  }
  GetAppInfo.mockReset().mockResolvedValue(appInfo());
  RetryStartup.mockReset().mockResolvedValue(appInfo());
  OpenLogsFolder.mockReset().mockResolvedValue(undefined);
  GetDiagnostics.mockReset().mockResolvedValue('Outlook Connect 1.2.3\nmode: demo');
  CopyText.mockReset().mockResolvedValue(undefined);
  GetSetup.mockReset().mockResolvedValue(setupView());
  ValidateSetup.mockReset().mockResolvedValue({ ok: true, errors: [] });
  SaveSetup.mockReset().mockResolvedValue({ validation: { ok: true, errors: [] }, view: setupView() });
  ResetSetup.mockReset().mockResolvedValue(setupView());
  TestRecall.mockReset().mockResolvedValue({ ok: true, message: 'Recall accepted the key.' });
  TestMicrosoft.mockReset().mockResolvedValue({ ok: true, message: 'Microsoft knows this app.' });
  ImportSetupFile.mockReset().mockResolvedValue({ ok: true, needsPassphrase: false, errors: [], warnings: [], view: setupView() });
  ExportSetupFile.mockReset().mockResolvedValue({ path: '/home/sam/outlook-connect-setup.json', cancelled: false });
  const week = () => Promise.resolve(meetingsView());
  for (const fn of [GetMeetings, SetMeetingOverride, DismissRulePrompt, SyncMeetings]) {
    fn.mockReset();
    fn.mockImplementation(week);
  }
  SetRecordingRule.mockReset().mockImplementation(() => Promise.resolve({ view: meetingsView(), changed: 0 }));
  GetBackground.mockReset().mockImplementation(() => Promise.resolve(backgroundView()));
  SetKeepScheduling.mockReset().mockImplementation((on: boolean) => Promise.resolve(backgroundView({ keepScheduling: on, source: 'person' })));
  BrowserOpenURL.mockReset();
  ClipboardSetText.mockReset().mockResolvedValue(true);
  WindowSetTitle.mockReset();
  EventsOn.mockClear();
}

resetBackendMock();
