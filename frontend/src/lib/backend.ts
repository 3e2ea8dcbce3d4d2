// The ONE module that talks to Go. Everything else imports from here, and
// component tests replace it with vi.mock('../lib/backend').
//
// The generated bindings return the generated classes' types; results really
// are plain JSON objects, so they are typed here with our own interfaces
// (./types). The `checked` line below keeps the method names honest: if a
// bound method is renamed or removed in Go, svelte-check fails here.

import * as App from '../../wailsjs/go/app/App';
import {
  BrowserOpenURL as rtBrowserOpenURL,
  ClipboardSetText as rtClipboardSetText,
  EventsOn as rtEventsOn,
  WindowSetTitle as rtWindowSetTitle,
} from '../../wailsjs/runtime/runtime';
import type {
  AppInfo,
  BackgroundView,
  ExportOptions,
  ExportResult,
  ImportResult,
  MeetingsView,
  Override,
  RuleName,
  RuleResult,
  SaveResult,
  SetupInput,
  SetupView,
  SignInWaiting,
  State,
  TestResult,
  ValidationResult,
} from './types';

/** The bound Go methods, typed with our plain-JSON interfaces. */
export interface BoundMethods {
  GetState(): Promise<State>;
  Connect(): Promise<State>;
  CancelSignIn(): Promise<State>;
  OpenSignInAgain(): Promise<State>;
  FinishConnecting(): Promise<State>;
  Reconnect(): Promise<State>;
  Disconnect(): Promise<State>;
  RemoveFromThisComputer(): Promise<State>;
  RefreshStatus(): Promise<State>;
  WindowFocused(): Promise<State>;
  DismissProblem(): Promise<State>;
  GetAppInfo(): Promise<AppInfo>;
  RetryStartup(): Promise<AppInfo>;
  OpenLogsFolder(): Promise<void>;
  GetDiagnostics(): Promise<string>;
  CopyText(text: string): Promise<void>;
  GetSetup(): Promise<SetupView>;
  ValidateSetup(input: SetupInput): Promise<ValidationResult>;
  SaveSetup(input: SetupInput): Promise<SaveResult>;
  ResetSetup(): Promise<SetupView>;
  TestRecall(input: SetupInput): Promise<TestResult>;
  TestMicrosoft(input: SetupInput): Promise<TestResult>;
  ImportSetupFile(contents: string, passphrase: string): Promise<ImportResult>;
  ExportSetupFile(opts: ExportOptions): Promise<ExportResult>;
  GetMeetings(): Promise<MeetingsView>;
  SetRecordingRule(rule: RuleName, acceptedOnly: boolean): Promise<RuleResult>;
  SetMeetingOverride(eventID: string, choice: Override): Promise<MeetingsView>;
  DismissRulePrompt(): Promise<MeetingsView>;
  SyncMeetings(): Promise<MeetingsView>;
  GetBackground(): Promise<BackgroundView>;
  SetKeepScheduling(on: boolean): Promise<BackgroundView>;
}

export interface EventMap {
  'state:changed': State;
  'signin:waiting': SignInWaiting;
  'config:changed': AppInfo;
  'meetings:changed': MeetingsView;
  'background:changed': BackgroundView;
}
export type EventName = keyof EventMap;

/** Runtime helpers (Wails' window.runtime). */
export interface RuntimeHelpers {
  EventsOn<E extends EventName>(name: E, cb: (data: EventMap[E]) => void): () => void;
  BrowserOpenURL(url: string): void;
  ClipboardSetText(text: string): Promise<boolean>;
  WindowSetTitle(title: string): void;
}

export type Backend = BoundMethods & RuntimeHelpers;

// Compile-time check that every method we rely on is generated.
const checked: Record<keyof BoundMethods, (...args: never[]) => Promise<unknown>> = App;
const bound = checked as unknown as BoundMethods;

const wails: Backend = {
  GetState: () => bound.GetState(),
  Connect: () => bound.Connect(),
  CancelSignIn: () => bound.CancelSignIn(),
  OpenSignInAgain: () => bound.OpenSignInAgain(),
  FinishConnecting: () => bound.FinishConnecting(),
  Reconnect: () => bound.Reconnect(),
  Disconnect: () => bound.Disconnect(),
  RemoveFromThisComputer: () => bound.RemoveFromThisComputer(),
  RefreshStatus: () => bound.RefreshStatus(),
  WindowFocused: () => bound.WindowFocused(),
  DismissProblem: () => bound.DismissProblem(),
  GetAppInfo: () => bound.GetAppInfo(),
  RetryStartup: () => bound.RetryStartup(),
  OpenLogsFolder: () => bound.OpenLogsFolder(),
  GetDiagnostics: () => bound.GetDiagnostics(),
  CopyText: (text) => bound.CopyText(text),
  GetSetup: () => bound.GetSetup(),
  ValidateSetup: (input) => bound.ValidateSetup(input),
  SaveSetup: (input) => bound.SaveSetup(input),
  ResetSetup: () => bound.ResetSetup(),
  TestRecall: (input) => bound.TestRecall(input),
  TestMicrosoft: (input) => bound.TestMicrosoft(input),
  ImportSetupFile: (contents, passphrase) => bound.ImportSetupFile(contents, passphrase),
  ExportSetupFile: (opts) => bound.ExportSetupFile(opts),
  GetMeetings: () => bound.GetMeetings(),
  SetRecordingRule: (rule, acceptedOnly) => bound.SetRecordingRule(rule, acceptedOnly),
  SetMeetingOverride: (eventID, choice) => bound.SetMeetingOverride(eventID, choice),
  DismissRulePrompt: () => bound.DismissRulePrompt(),
  SyncMeetings: () => bound.SyncMeetings(),
  GetBackground: () => bound.GetBackground(),
  SetKeepScheduling: (on) => bound.SetKeepScheduling(on),
  EventsOn: (name, cb) => rtEventsOn(name, cb as (...data: unknown[]) => void),
  BrowserOpenURL: (url) => rtBrowserOpenURL(url),
  ClipboardSetText: (text) => rtClipboardSetText(text),
  WindowSetTitle: (title) => rtWindowSetTitle(title),
};

let impl: Backend = wails;

/** True inside the Wails webview (or `wails dev` in a browser). */
export function hasWailsRuntime(): boolean {
  const w = window as unknown as { runtime?: unknown; go?: unknown };
  return w.runtime !== undefined && w.go !== undefined;
}

/** Swap the implementation: only used by the ?mock= preview mode. */
export function useBackend(b: Backend): void {
  impl = b;
}

export const GetState = () => impl.GetState();
export const Connect = () => impl.Connect();
export const CancelSignIn = () => impl.CancelSignIn();
export const OpenSignInAgain = () => impl.OpenSignInAgain();
export const FinishConnecting = () => impl.FinishConnecting();
export const Reconnect = () => impl.Reconnect();
export const Disconnect = () => impl.Disconnect();
export const RemoveFromThisComputer = () => impl.RemoveFromThisComputer();
export const RefreshStatus = () => impl.RefreshStatus();
export const WindowFocused = () => impl.WindowFocused();
export const DismissProblem = () => impl.DismissProblem();
export const GetAppInfo = () => impl.GetAppInfo();
export const RetryStartup = () => impl.RetryStartup();
export const OpenLogsFolder = () => impl.OpenLogsFolder();
export const GetDiagnostics = () => impl.GetDiagnostics();
export const CopyText = (text: string) => impl.CopyText(text);
export const GetSetup = () => impl.GetSetup();
export const ValidateSetup = (input: SetupInput) => impl.ValidateSetup(input);
export const SaveSetup = (input: SetupInput) => impl.SaveSetup(input);
export const ResetSetup = () => impl.ResetSetup();
export const TestRecall = (input: SetupInput) => impl.TestRecall(input);
export const TestMicrosoft = (input: SetupInput) => impl.TestMicrosoft(input);
export const ImportSetupFile = (contents: string, passphrase: string) =>
  impl.ImportSetupFile(contents, passphrase);
export const ExportSetupFile = (opts: ExportOptions) => impl.ExportSetupFile(opts);
export const GetMeetings = () => impl.GetMeetings();
export const SetRecordingRule = (rule: RuleName, acceptedOnly: boolean) => impl.SetRecordingRule(rule, acceptedOnly);
export const SetMeetingOverride = (eventID: string, choice: Override) => impl.SetMeetingOverride(eventID, choice);
export const DismissRulePrompt = () => impl.DismissRulePrompt();
export const SyncMeetings = () => impl.SyncMeetings();
export const GetBackground = () => impl.GetBackground();
export const SetKeepScheduling = (on: boolean) => impl.SetKeepScheduling(on);

export function EventsOn<E extends EventName>(name: E, cb: (data: EventMap[E]) => void): () => void {
  return impl.EventsOn(name, cb);
}
export const BrowserOpenURL = (url: string) => impl.BrowserOpenURL(url);
export const ClipboardSetText = (text: string) => impl.ClipboardSetText(text);
export const WindowSetTitle = (title: string) => impl.WindowSetTitle(title);
