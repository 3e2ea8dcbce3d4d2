export namespace app {
	
	export class AppInfo {
	    version: string;
	    demo: boolean;
	    demoReason: string;
	    configured: boolean;
	    configDir: string;
	    logsDir: string;
	    platform: string;
	    setupProblem?: problem.Problem;
	
	    static createFrom(source: any = {}) {
	        return new AppInfo(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.version = source["version"];
	        this.demo = source["demo"];
	        this.demoReason = source["demoReason"];
	        this.configured = source["configured"];
	        this.configDir = source["configDir"];
	        this.logsDir = source["logsDir"];
	        this.platform = source["platform"];
	        this.setupProblem = this.convertValues(source["setupProblem"], problem.Problem);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class BackgroundView {
	    keepScheduling: boolean;
	    source: string;
	    running: boolean;
	    lastRunAt?: string;
	    botsScheduled?: number;
	    problem?: problem.Problem;
	    note?: string;
	
	    static createFrom(source: any = {}) {
	        return new BackgroundView(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.keepScheduling = source["keepScheduling"];
	        this.source = source["source"];
	        this.running = source["running"];
	        this.lastRunAt = source["lastRunAt"];
	        this.botsScheduled = source["botsScheduled"];
	        this.problem = this.convertValues(source["problem"], problem.Problem);
	        this.note = source["note"];
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class ExportResult {
	    path: string;
	    cancelled: boolean;
	
	    static createFrom(source: any = {}) {
	        return new ExportResult(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.path = source["path"];
	        this.cancelled = source["cancelled"];
	    }
	}

}

export namespace config {
	
	export class ExportOptions {
	    includeSecrets: boolean;
	    passphrase: string;
	    allowPlaintextSecrets: boolean;
	
	    static createFrom(source: any = {}) {
	        return new ExportOptions(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.includeSecrets = source["includeSecrets"];
	        this.passphrase = source["passphrase"];
	        this.allowPlaintextSecrets = source["allowPlaintextSecrets"];
	    }
	}
	export class FieldError {
	    field: string;
	    message: string;
	
	    static createFrom(source: any = {}) {
	        return new FieldError(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.field = source["field"];
	        this.message = source["message"];
	    }
	}
	export class FieldView {
	    value: string;
	    source: string;
	    locked: boolean;
	
	    static createFrom(source: any = {}) {
	        return new FieldView(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.value = source["value"];
	        this.source = source["source"];
	        this.locked = source["locked"];
	    }
	}
	export class SecretView {
	    set: boolean;
	    source: string;
	    locked: boolean;
	
	    static createFrom(source: any = {}) {
	        return new SecretView(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.set = source["set"];
	        this.source = source["source"];
	        this.locked = source["locked"];
	    }
	}
	export class SetupView {
	    demo: boolean;
	    demoReason: string;
	    missing: string[];
	    clientId: FieldView;
	    clientSecret: SecretView;
	    tenant: FieldView;
	    authority: FieldView;
	    graphHost: FieldView;
	    redirectHost: FieldView;
	    responseMode: FieldView;
	    recallRegion: FieldView;
	    recallBaseUrl: FieldView;
	    recallApiKey: SecretView;
	    regions: string[];
	    redirectUriHint: string;
	    defaultRecordingRule: FieldView;
	    defaultAcceptedOnly: FieldView;
	    botName: FieldView;
	    internalDomains: FieldView;
	    keepScheduling: FieldView;
	    expectedInstalls: FieldView;
	    recordingRules: string[];
	
	    static createFrom(source: any = {}) {
	        return new SetupView(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.demo = source["demo"];
	        this.demoReason = source["demoReason"];
	        this.missing = source["missing"];
	        this.clientId = this.convertValues(source["clientId"], FieldView);
	        this.clientSecret = this.convertValues(source["clientSecret"], SecretView);
	        this.tenant = this.convertValues(source["tenant"], FieldView);
	        this.authority = this.convertValues(source["authority"], FieldView);
	        this.graphHost = this.convertValues(source["graphHost"], FieldView);
	        this.redirectHost = this.convertValues(source["redirectHost"], FieldView);
	        this.responseMode = this.convertValues(source["responseMode"], FieldView);
	        this.recallRegion = this.convertValues(source["recallRegion"], FieldView);
	        this.recallBaseUrl = this.convertValues(source["recallBaseUrl"], FieldView);
	        this.recallApiKey = this.convertValues(source["recallApiKey"], SecretView);
	        this.regions = source["regions"];
	        this.redirectUriHint = source["redirectUriHint"];
	        this.defaultRecordingRule = this.convertValues(source["defaultRecordingRule"], FieldView);
	        this.defaultAcceptedOnly = this.convertValues(source["defaultAcceptedOnly"], FieldView);
	        this.botName = this.convertValues(source["botName"], FieldView);
	        this.internalDomains = this.convertValues(source["internalDomains"], FieldView);
	        this.keepScheduling = this.convertValues(source["keepScheduling"], FieldView);
	        this.expectedInstalls = this.convertValues(source["expectedInstalls"], FieldView);
	        this.recordingRules = source["recordingRules"];
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class ImportResult {
	    ok: boolean;
	    needsPassphrase: boolean;
	    errors: FieldError[];
	    warnings: string[];
	    problem?: problem.Problem;
	    view?: SetupView;
	
	    static createFrom(source: any = {}) {
	        return new ImportResult(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.ok = source["ok"];
	        this.needsPassphrase = source["needsPassphrase"];
	        this.errors = this.convertValues(source["errors"], FieldError);
	        this.warnings = source["warnings"];
	        this.problem = this.convertValues(source["problem"], problem.Problem);
	        this.view = this.convertValues(source["view"], SetupView);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class ValidationResult {
	    ok: boolean;
	    errors: FieldError[];
	
	    static createFrom(source: any = {}) {
	        return new ValidationResult(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.ok = source["ok"];
	        this.errors = this.convertValues(source["errors"], FieldError);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class SaveResult {
	    validation: ValidationResult;
	    view?: SetupView;
	
	    static createFrom(source: any = {}) {
	        return new SaveResult(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.validation = this.convertValues(source["validation"], ValidationResult);
	        this.view = this.convertValues(source["view"], SetupView);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	
	export class SetupInput {
	    clientId: string;
	    clientSecret: string;
	    tenant: string;
	    authority: string;
	    graphHost: string;
	    redirectHost: string;
	    responseMode: string;
	    recallRegion: string;
	    recallBaseUrl: string;
	    recallApiKey: string;
	    defaultRecordingRule: string;
	    defaultAcceptedOnly: string;
	    botName: string;
	    internalDomains: string;
	    keepScheduling: string;
	    expectedInstalls: string;
	
	    static createFrom(source: any = {}) {
	        return new SetupInput(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.clientId = source["clientId"];
	        this.clientSecret = source["clientSecret"];
	        this.tenant = source["tenant"];
	        this.authority = source["authority"];
	        this.graphHost = source["graphHost"];
	        this.redirectHost = source["redirectHost"];
	        this.responseMode = source["responseMode"];
	        this.recallRegion = source["recallRegion"];
	        this.recallBaseUrl = source["recallBaseUrl"];
	        this.recallApiKey = source["recallApiKey"];
	        this.defaultRecordingRule = source["defaultRecordingRule"];
	        this.defaultAcceptedOnly = source["defaultAcceptedOnly"];
	        this.botName = source["botName"];
	        this.internalDomains = source["internalDomains"];
	        this.keepScheduling = source["keepScheduling"];
	        this.expectedInstalls = source["expectedInstalls"];
	    }
	}
	
	export class TestResult {
	    ok: boolean;
	    message: string;
	    problem?: problem.Problem;
	
	    static createFrom(source: any = {}) {
	        return new TestResult(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.ok = source["ok"];
	        this.message = source["message"];
	        this.problem = this.convertValues(source["problem"], problem.Problem);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}

}

export namespace connect {
	
	export class StatusChangeView {
	    status: string;
	    at: string;
	    detail?: string;
	
	    static createFrom(source: any = {}) {
	        return new StatusChangeView(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.status = source["status"];
	        this.at = source["at"];
	        this.detail = source["detail"];
	    }
	}
	export class CalendarState {
	    id: string;
	    status: string;
	    since?: string;
	    lastChange?: StatusChangeView;
	    likelyCause?: string;
	    causeForAdmin?: boolean;
	    checkedAt?: string;
	
	    static createFrom(source: any = {}) {
	        return new CalendarState(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.id = source["id"];
	        this.status = source["status"];
	        this.since = source["since"];
	        this.lastChange = this.convertValues(source["lastChange"], StatusChangeView);
	        this.likelyCause = source["likelyCause"];
	        this.causeForAdmin = source["causeForAdmin"];
	        this.checkedAt = source["checkedAt"];
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class SignInState {
	    startUrl: string;
	    browserOpened: boolean;
	    expiresAt: string;
	
	    static createFrom(source: any = {}) {
	        return new SignInState(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.startUrl = source["startUrl"];
	        this.browserOpened = source["browserOpened"];
	        this.expiresAt = source["expiresAt"];
	    }
	}
	export class State {
	    phase: string;
	    busy: boolean;
	    account?: string;
	    calendar?: CalendarState;
	    signIn?: SignInState;
	    problem?: problem.Problem;
	    retryAt?: string;
	
	    static createFrom(source: any = {}) {
	        return new State(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.phase = source["phase"];
	        this.busy = source["busy"];
	        this.account = source["account"];
	        this.calendar = this.convertValues(source["calendar"], CalendarState);
	        this.signIn = this.convertValues(source["signIn"], SignInState);
	        this.problem = this.convertValues(source["problem"], problem.Problem);
	        this.retryAt = source["retryAt"];
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}

}

export namespace meetings {
	
	export class Counts {
	    recorded: number;
	    total: number;
	
	    static createFrom(source: any = {}) {
	        return new Counts(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.recorded = source["recorded"];
	        this.total = source["total"];
	    }
	}
	export class MeetingView {
	    id: string;
	    start: string;
	    end: string;
	    allDay: boolean;
	    allDayDate?: string;
	    title: string;
	    platform: string;
	    platformLabel: string;
	    organizer?: string;
	    isOrganizer: boolean;
	    externalCount: number;
	    response: string;
	    cancelled: boolean;
	    record: boolean;
	    reason: string;
	    override: string;
	    canOverride: boolean;
	    bot: string;
	    tooSoon: boolean;
	    note?: string;
	    problem?: problem.Problem;
	
	    static createFrom(source: any = {}) {
	        return new MeetingView(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.id = source["id"];
	        this.start = source["start"];
	        this.end = source["end"];
	        this.allDay = source["allDay"];
	        this.allDayDate = source["allDayDate"];
	        this.title = source["title"];
	        this.platform = source["platform"];
	        this.platformLabel = source["platformLabel"];
	        this.organizer = source["organizer"];
	        this.isOrganizer = source["isOrganizer"];
	        this.externalCount = source["externalCount"];
	        this.response = source["response"];
	        this.cancelled = source["cancelled"];
	        this.record = source["record"];
	        this.reason = source["reason"];
	        this.override = source["override"];
	        this.canOverride = source["canOverride"];
	        this.bot = source["bot"];
	        this.tooSoon = source["tooSoon"];
	        this.note = source["note"];
	        this.problem = this.convertValues(source["problem"], problem.Problem);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class RuleView {
	    rule: string;
	    acceptedOnly: boolean;
	    source: string;
	
	    static createFrom(source: any = {}) {
	        return new RuleView(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.rule = source["rule"];
	        this.acceptedOnly = source["acceptedOnly"];
	        this.source = source["source"];
	    }
	}
	export class View {
	    phase: string;
	    rule: RuleView;
	    askRule: boolean;
	    meetings: MeetingView[];
	    syncing: boolean;
	    lastSyncAt?: string;
	    nextSyncAt?: string;
	    syncProblem?: problem.Problem;
	    rateLimitedUntil?: string;
	    lastSyncBy?: string;
	    counts: Counts;
	
	    static createFrom(source: any = {}) {
	        return new View(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.phase = source["phase"];
	        this.rule = this.convertValues(source["rule"], RuleView);
	        this.askRule = source["askRule"];
	        this.meetings = this.convertValues(source["meetings"], MeetingView);
	        this.syncing = source["syncing"];
	        this.lastSyncAt = source["lastSyncAt"];
	        this.nextSyncAt = source["nextSyncAt"];
	        this.syncProblem = this.convertValues(source["syncProblem"], problem.Problem);
	        this.rateLimitedUntil = source["rateLimitedUntil"];
	        this.lastSyncBy = source["lastSyncBy"];
	        this.counts = this.convertValues(source["counts"], Counts);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class RuleResult {
	    view: View;
	    changed: number;
	
	    static createFrom(source: any = {}) {
	        return new RuleResult(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.view = this.convertValues(source["view"], View);
	        this.changed = source["changed"];
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	

}

export namespace problem {
	
	export class Detail {
	    label: string;
	    value: string;
	    link?: boolean;
	
	    static createFrom(source: any = {}) {
	        return new Detail(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.label = source["label"];
	        this.value = source["value"];
	        this.link = source["link"];
	    }
	}
	export class Problem {
	    code: string;
	    title: string;
	    message: string;
	    nextStep: string;
	    details?: Detail[];
	    retryable: boolean;
	    forAdmin: boolean;
	
	    static createFrom(source: any = {}) {
	        return new Problem(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.code = source["code"];
	        this.title = source["title"];
	        this.message = source["message"];
	        this.nextStep = source["nextStep"];
	        this.details = this.convertValues(source["details"], Detail);
	        this.retryable = source["retryable"];
	        this.forAdmin = source["forAdmin"];
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}

}

