// The app's single store: the connection State from Go, the AppInfo, which
// view is shown, and the bits of UI state every screen shares. It subscribes
// to the Go events once (start()) and every action goes through act().
import { tick } from 'svelte';
import * as backend from './backend';
import { countsText, displayTitle } from './meetings';
import { problemFromError } from './problem';
import type { AppInfo, BackgroundView, MeetingsView, Override, Problem, RuleName, State } from './types';

export type View = 'main' | 'setup' | 'about';

const statusWords: Record<string, string> = {
  connecting: 'Connecting',
  connected: 'Connected',
  disconnected: 'Disconnected',
};

/** What the live region says when the state changes (empty: say nothing). */
export function describeChange(prev: State | null, next: State): string {
  if (!prev) return '';
  if (prev.phase !== next.phase) {
    switch (next.phase) {
      case 'idle':
        return 'Your calendar is not connected.';
      case 'signing_in':
        return 'Waiting for you to finish signing in in your browser.';
      case 'registering':
        return 'Signed in. Connecting your calendar to Recall.';
      case 'finish_pending':
        return "You're signed in, but connecting didn't finish.";
      case 'connected': {
        const status = `Calendar status: ${statusWords[next.calendar?.status ?? ''] ?? 'unknown'}.`;
        // Straight from Finish connecting is Go's automatic try (a click
        // goes through "registering"): say what happened without a click.
        return prev.phase === 'finish_pending' ? `Outlook Connect finished connecting your calendar. ${status}` : status;
      }
      case 'disconnecting':
        return 'Disconnecting.';
      case 'disconnect_failed':
        return "Disconnecting didn't finish.";
    }
  }
  const a = prev.calendar?.status;
  const b = next.calendar?.status;
  if (b && a !== b) return `Calendar status: ${statusWords[b] ?? b}.`;
  return '';
}

function restoreFocus(el: Element | null): void {
  const active = document.activeElement;
  if (active && active !== document.body) return;
  if (el instanceof HTMLElement && el.isConnected && !el.hasAttribute('disabled')) el.focus();
}

export class AppStore {
  state = $state<State | null>(null);
  info = $state<AppInfo | null>(null);
  view = $state<View>('main');
  /** A call we started has not answered yet. */
  pending = $state(false);
  /** A bound method rejected (Go normally reports problems inside State). */
  callError = $state<Problem | null>(null);
  /** GetState itself failed at start. */
  loadError = $state<Problem | null>(null);
  /** A short confirmation shown on the main view ("Saved. …"). */
  notice = $state<string | null>(null);
  /** Text of the polite live region. */
  announcement = $state('');
  /** From the "signin:waiting" event, in case State has no signIn yet. */
  waitingUrl = $state('');
  /** Ticks every 30 s so relative times stay fresh. */
  now = $state(Date.now());

  // Meetings and background scheduling (issues 13, 14): loaded while the
  // phase is "connected", then kept fresh by the meetings:changed and
  // background:changed events. Their calls run beside act(), so flipping a
  // meeting's switch never blocks Disconnect (and the other way round).
  meetings = $state<MeetingsView | null>(null);
  /** GetMeetings or SyncMeetings itself rejected (sync problems arrive inside the view). */
  meetingsError = $state<Problem | null>(null);
  /** Override choices sent to Go that have not answered yet, by event id. */
  pendingOverrides = $state<Record<string, Override>>({});
  /** An override call that rejected, by event id. */
  overrideErrors = $state<Record<string, Problem>>({});
  rulePending = $state(false);
  ruleError = $state<Problem | null>(null);
  syncPending = $state(false);
  /** The one-time rule prompt was closed in this session (even if Go did not hear it). */
  rulePromptClosed = $state(false);
  background = $state<BackgroundView | null>(null);
  backgroundPending = $state(false);
  backgroundError = $state<Problem | null>(null);

  busy = $derived(this.pending || !!this.state?.busy);

  #started = false;
  #cleanups: (() => void)[] = [];
  #noticeTimer: ReturnType<typeof setTimeout> | undefined;

  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    this.#cleanups.push(
      backend.EventsOn('state:changed', (s) => this.setState(s)),
      backend.EventsOn('signin:waiting', (w) => (this.waitingUrl = w?.startUrl ?? '')),
      backend.EventsOn('config:changed', (i) => this.setInfo(i)),
      backend.EventsOn('meetings:changed', (v) => this.setMeetings(v)),
      backend.EventsOn('background:changed', (b) => this.setBackground(b)),
    );
    const onFocus = () => this.windowFocused();
    window.addEventListener('focus', onFocus);
    const timer = setInterval(() => (this.now = Date.now()), 30_000);
    this.#cleanups.push(
      () => window.removeEventListener('focus', onFocus),
      () => clearInterval(timer),
    );
    await Promise.all([this.load(), this.loadInfo()]);
  }

  stop(): void {
    for (const c of this.#cleanups.splice(0)) c();
    this.#started = false;
  }

  /** Back to a blank store (tests). */
  reset(): void {
    this.stop();
    this.state = null;
    this.info = null;
    this.view = 'main';
    this.pending = false;
    this.callError = null;
    this.loadError = null;
    this.notice = null;
    this.announcement = '';
    this.waitingUrl = '';
    this.now = Date.now();
    clearTimeout(this.#noticeTimer);
    this.clearMeetings();
  }

  /** Forget everything about meetings (not connected any more, or reset). */
  clearMeetings(): void {
    this.meetings = null;
    this.meetingsError = null;
    this.pendingOverrides = {};
    this.overrideErrors = {};
    this.rulePending = false;
    this.ruleError = null;
    this.syncPending = false;
    this.rulePromptClosed = false;
    this.background = null;
    this.backgroundPending = false;
    this.backgroundError = null;
  }

  async load(): Promise<void> {
    try {
      this.setState(await backend.GetState());
      this.loadError = null;
    } catch (err) {
      this.loadError = problemFromError(err);
    }
  }

  async loadInfo(): Promise<void> {
    try {
      this.setInfo(await backend.GetAppInfo());
    } catch {
      // The shell still works without it; About will say "unknown".
    }
  }

  setState(next: State): void {
    if (!next || typeof next.phase !== 'string') return;
    const msg = describeChange(this.state, next);
    const wasConnected = this.state?.phase === 'connected';
    this.state = next;
    if (msg) this.announce(msg);
    const connected = next.phase === 'connected';
    if (connected && !wasConnected) {
      void this.loadMeetings();
      void this.loadBackground();
    } else if (!connected && wasConnected) {
      this.clearMeetings();
    }
  }

  setMeetings(view: MeetingsView): void {
    if (!view || typeof view.phase !== 'string' || !Array.isArray(view.meetings)) return;
    this.meetings = view;
  }

  setBackground(view: BackgroundView): void {
    if (!view || typeof view.keepScheduling !== 'boolean') return;
    this.background = view;
  }

  async loadMeetings(): Promise<void> {
    try {
      this.setMeetings(await backend.GetMeetings());
      this.meetingsError = null;
    } catch (err) {
      this.meetingsError = problemFromError(err);
    }
  }

  async loadBackground(): Promise<void> {
    try {
      this.setBackground(await backend.GetBackground());
      this.backgroundError = null;
    } catch (err) {
      this.backgroundError = problemFromError(err);
    }
  }

  /** "Check for changes": sync the meetings now (Go rate-limits it). */
  async syncMeetings(): Promise<void> {
    if (this.syncPending) return;
    this.syncPending = true;
    this.meetingsError = null;
    try {
      this.setMeetings(await backend.SyncMeetings());
    } catch (err) {
      this.meetingsError = problemFromError(err);
    } finally {
      this.syncPending = false;
    }
  }

  /** Record / don't record one meeting, or '' to follow the rule again. */
  async setOverride(eventID: string, choice: Override): Promise<boolean> {
    if (eventID in this.pendingOverrides) return false;
    this.pendingOverrides[eventID] = choice;
    delete this.overrideErrors[eventID];
    try {
      const view = await backend.SetMeetingOverride(eventID, choice);
      this.setMeetings(view);
      const m = view?.meetings?.find((x) => x.id === eventID);
      if (m) this.announce(`${displayTitle(m)}: ${m.record ? 'will be recorded' : 'will not be recorded'}.`);
      return true;
    } catch (err) {
      this.overrideErrors[eventID] = problemFromError(err);
      this.announce("That change didn't work.");
      return false;
    } finally {
      delete this.pendingOverrides[eventID];
    }
  }

  /** Change the recording rule; resolves to how many meetings changed, or null if it failed. */
  async setRule(rule: RuleName, acceptedOnly: boolean): Promise<number | null> {
    if (this.rulePending) return null;
    this.rulePending = true;
    this.ruleError = null;
    try {
      const result = await backend.SetRecordingRule(rule, acceptedOnly);
      this.setMeetings(result.view);
      return typeof result.changed === 'number' ? result.changed : 0;
    } catch (err) {
      this.ruleError = problemFromError(err);
      return null;
    } finally {
      this.rulePending = false;
    }
  }

  /** The one-time prompt's answer: set the rule and say what it means. */
  async chooseFirstRule(rule: RuleName, acceptedOnly: boolean): Promise<boolean> {
    const changed = await this.setRule(rule, acceptedOnly);
    if (changed === null) return false;
    this.rulePromptClosed = true;
    const counts = this.meetings?.counts;
    this.showNotice(counts && counts.total > 0 ? `Recording rule saved. ${countsText(counts)}` : 'Recording rule saved.');
    return true;
  }

  /** "Decide later": close the prompt now; Go remembers not to ask again. */
  async dismissRulePrompt(): Promise<void> {
    this.rulePromptClosed = true;
    try {
      this.setMeetings(await backend.DismissRulePrompt());
    } catch (err) {
      this.callError = problemFromError(err);
    }
  }

  async setKeepScheduling(on: boolean): Promise<void> {
    if (this.backgroundPending) return;
    this.backgroundPending = true;
    this.backgroundError = null;
    try {
      this.setBackground(await backend.SetKeepScheduling(on));
    } catch (err) {
      this.backgroundError = problemFromError(err);
    } finally {
      this.backgroundPending = false;
    }
  }

  setInfo(info: AppInfo): void {
    if (!info) return;
    this.info = info;
    const title = info.demo ? 'Outlook Connect — Demo mode' : 'Outlook Connect';
    document.title = title;
    try {
      backend.WindowSetTitle(title);
    } catch {
      // not in the webview (preview mode)
    }
  }

  /** Run a state-changing action; disables actions meanwhile. */
  async act(fn: () => Promise<State>): Promise<boolean> {
    if (this.busy) return false;
    const focused = document.activeElement;
    this.pending = true;
    this.callError = null;
    try {
      this.setState(await fn());
      return true;
    } catch (err) {
      this.callError = problemFromError(err);
      return false;
    } finally {
      this.pending = false;
      await tick();
      restoreFocus(focused);
    }
  }

  /**
   * Run an action right after a dialog closed: let focus go back to the
   * button that opened the dialog first, so it can be restored afterwards.
   */
  async afterDialog(fn: () => Promise<State>): Promise<boolean> {
    await tick();
    await new Promise((r) => setTimeout(r, 0));
    return this.act(fn);
  }

  /** Try start-up again (after the keychain was unlocked, say). */
  async retryStartup(): Promise<void> {
    if (this.busy) return;
    this.pending = true;
    this.callError = null;
    try {
      this.setInfo(await backend.RetryStartup());
      await this.load();
    } catch (err) {
      this.callError = problemFromError(err);
    } finally {
      this.pending = false;
    }
  }

  windowFocused(): void {
    backend
      .WindowFocused()
      .then((s) => this.setState(s))
      .catch(() => {
        // a background refresh; errors show up on the next action
      });
  }

  dismissCallError(): void {
    this.callError = null;
  }

  go(view: View): void {
    this.view = view;
  }

  back(): void {
    this.view = 'main';
  }

  announce(msg: string): void {
    if (this.announcement === msg) {
      this.announcement = '';
      setTimeout(() => (this.announcement = msg), 60);
    } else {
      this.announcement = msg;
    }
  }

  showNotice(msg: string): void {
    this.notice = msg;
    this.announce(msg);
    clearTimeout(this.#noticeTimer);
    this.#noticeTimer = setTimeout(() => (this.notice = null), 12_000);
  }

  clearNotice(): void {
    clearTimeout(this.#noticeTimer);
    this.notice = null;
  }
}

export const store = new AppStore();
