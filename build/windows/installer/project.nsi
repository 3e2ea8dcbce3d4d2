Unicode true

####
## Outlook Connect installer (NSIS 3.08+), based on the Wails v2.16.0 default project.nsi.
##
## Two flavours are built from this one script (scripts/package.sh does both):
##   per-machine (default)      Program Files, needs administrator rights, shortcuts for all users,
##                              registered under HKLM. For IT and shared PCs.
##   per-user                   -DWAILS_INSTALL_SCOPE=user -DREQUEST_EXECUTION_LEVEL=user
##   (wails -installscope user) %LOCALAPPDATA%\Programs, no administrator rights, shortcuts and
##                              uninstall entry for the current user only (HKCU). For people
##                              installing it for themselves.
##
## Both run silently with /S (per-machine: from an elevated prompt). /D=C:\path sets the folder;
## without it an upgrade keeps the folder of the installed copy (InstallDirRegKey). A newer
## installed version is never replaced by an older one unless /ALLOWDOWNGRADE is given.
## The uninstaller (uninstall.exe, also in "Installed apps") supports /S too; /PURGE additionally
## deletes the current user's settings and logs folder (%APPDATA%\outlook-connect). Secrets are
## never on disk: they live in Windows Credential Manager and are removed by "Disconnect".
##
## Exit codes (also in the winget manifest, tools/release/winget): 0 done; 1 cancelled;
## 2 aborted (e.g. unsupported Windows); 3 a newer version is installed (downgrade refused);
## 4 the WebView2 runtime is missing and could not be installed; 5 Outlook Connect is still
## running for another person signed in to this PC (their copy is never closed).
##
## wails_tools.nsh is rewritten by every `wails build -nsis` (gitignored). To run makensis by hand
## after one such build (this is what scripts/package.sh does, with the signed exe):
##   makensis -DARG_WAILS_AMD64_BINARY=/abs/path/outlook-connect.exe -DINFO_PRODUCTVERSION=1.2.3 project.nsi
## with the background helper program, outlook-connect-background.exe (scripts/build-helper.sh),
## in the same folder as outlook-connect.exe: it is installed next to it (OC_HELPER_BINARY
## overrides where it is taken from).
## Optional defines: OC_OUTFILE (installer path); OC_VERSION (full version, e.g. 1.2.0-rc.1: shown
## in "Installed apps"); OC_FILE_VERSION (four numbers, distinct for every release candidate, see
## scripts/version.sh --file); and, for the signed uninstaller (scripts/windows-installers.sh):
##   OC_UNINSTALLER_OUT=path         copy the uninstaller makensis generates to path (to sign it)
##   OC_UNINSTALLER_SIGNED=path      embed this signed copy instead, after checking that the
##   OC_UNINSTALLER_SHA256=hex       uninstaller generated now is the one that was signed
## makensis is deterministic (same inputs, same bytes), which is what makes the swap safe.
####
## Values fixed here rather than taken from wails.json: the Wails project name "Outlook Connect"
## contains a space, but the executable is outlook-connect.exe.
!define INFO_PROJECTNAME    "outlook-connect"
!define INFO_PRODUCTNAME    "Outlook Connect"
!define PRODUCT_EXECUTABLE  "outlook-connect.exe"
## The background helper program (issue 14): what the start-at-login entry runs. The app finds
## it next to ${PRODUCT_EXECUTABLE}; without it the app runs "${PRODUCT_EXECUTABLE} --background".
!define HELPER_EXECUTABLE   "outlook-connect-background.exe"
!define UNINST_KEY_NAME     "Outlook Connect"
## Settings and logs folder of the app (os.UserConfigDir()/outlook-connect), removed by /PURGE.
!define APP_CONFIG_DIRNAME  "outlook-connect"
## "Start at login" entry the app writes for its --background helper (issue 14).
!define RUN_KEY             "Software\Microsoft\Windows\CurrentVersion\Run"
!define RUN_VALUE_NAME      "Outlook Connect"
## Where Task Manager's Startup tab records that the person switched that entry off (a value of
## the same name); removed with it so nothing of the entry is left behind.
!define STARTUP_APPROVED_KEY "Software\Microsoft\Windows\CurrentVersion\Explorer\StartupApproved\Run"
## Where the install folder is remembered for upgrades (InstallDirRegKey reads it before
## .onInit, in the 32-bit registry view, so it is written in that view too).
!define OC_DIR_KEY          "Software\Outlook Connect"
!ifdef OC_VERSION
  !define INFO_PRODUCTVERSION "${OC_VERSION}"
!endif
!ifndef OC_PROJECT_URL
  !define OC_PROJECT_URL "https://github.com/outlookconnect/outlook-connect"
!endif
####
## Include the wails tools (defines INFO_COMPANYNAME, INFO_PRODUCTVERSION, INFO_COPYRIGHT,
## UNINST_KEY, ARCH and the wails.* macros, unless already defined).
####
!include "wails_tools.nsh"

!ifndef OC_HELPER_BINARY
  !searchreplace OC_HELPER_BINARY "${ARG_WAILS_AMD64_BINARY}" "${PRODUCT_EXECUTABLE}" "${HELPER_EXECUTABLE}"
  !if "${OC_HELPER_BINARY}" == "${ARG_WAILS_AMD64_BINARY}"
    !error "ARG_WAILS_AMD64_BINARY does not end in ${PRODUCT_EXECUTABLE}: define OC_HELPER_BINARY (the path of ${HELPER_EXECUTABLE})"
  !endif
!endif

# Four numbers; a release candidate gets its own (1.2.0-rc.1 -> 1.2.0.3001, 1.2.0 -> 1.2.0.9000),
# so tools that compare file versions see every build as distinct and in order.
!ifndef OC_FILE_VERSION
  !define OC_FILE_VERSION "${INFO_PRODUCTVERSION}.0"
!endif
VIProductVersion "${OC_FILE_VERSION}"
VIFileVersion    "${OC_FILE_VERSION}"

VIAddVersionKey "CompanyName"     "${INFO_COMPANYNAME}"
VIAddVersionKey "FileDescription" "${INFO_PRODUCTNAME} Installer"
VIAddVersionKey "ProductVersion"  "${INFO_PRODUCTVERSION}"
VIAddVersionKey "FileVersion"     "${OC_FILE_VERSION}"
VIAddVersionKey "LegalCopyright"  "${INFO_COPYRIGHT}"
VIAddVersionKey "ProductName"     "${INFO_PRODUCTNAME}"

# Enable HiDPI support. https://nsis.sourceforge.io/Reference/ManifestDPIAware
ManifestDPIAware true

!include "MUI.nsh"
!include "LogicLib.nsh"
!include "WordFunc.nsh"

!define MUI_ICON "..\icon.ico"
!define MUI_UNICON "..\icon.ico"
!define MUI_ABORTWARNING # Warn the user if they exit from the installer.

!insertmacro MUI_PAGE_WELCOME
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!ifdef WAILS_INSTALL_SCOPE
  !if "${WAILS_INSTALL_SCOPE}" == "user"
    # Offer to start the app when done. Only for per-user installs: an elevated per-machine
    # installer would start the app with administrator rights.
    !define MUI_FINISHPAGE_RUN "$INSTDIR\${PRODUCT_EXECUTABLE}"
    !define MUI_FINISHPAGE_RUN_TEXT "Start ${INFO_PRODUCTNAME} now"
  !endif
!endif
!insertmacro MUI_PAGE_FINISH

!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES

!insertmacro MUI_LANGUAGE "English"

## The uninstaller is signed like the app exe, before it is embedded: one makensis run copies it
## out (OC_UNINSTALLER_OUT), the signing step signs that copy, and the real run swaps it in
## (OC_UNINSTALLER_SIGNED). The installer itself is signed afterwards.
!ifdef OC_UNINSTALLER_OUT
  !uninstfinalize 'cp "%1" "${OC_UNINSTALLER_OUT}"'
!endif
!ifdef OC_UNINSTALLER_SIGNED
  !uninstfinalize 'sh "${OC_SCRIPTS}/nsis-swap-uninstaller.sh" "%1" "${OC_UNINSTALLER_SIGNED}" "${OC_UNINSTALLER_SHA256}"'
!endif

Name "${INFO_PRODUCTNAME}"
BrandingText "${INFO_PRODUCTNAME} ${INFO_PRODUCTVERSION}"

!ifdef WAILS_INSTALL_SCOPE
  !if "${WAILS_INSTALL_SCOPE}" == "user"
    !define OC_SCOPE "user"
  !else
    !define OC_SCOPE "machine"
  !endif
!else
  !define OC_SCOPE "machine"
!endif

!ifndef OC_OUTFILE
  !if "${OC_SCOPE}" == "user"
    !define OC_OUTFILE "..\..\bin\${INFO_PROJECTNAME}-${ARCH}-user-installer.exe"
  !else
    !define OC_OUTFILE "..\..\bin\${INFO_PROJECTNAME}-${ARCH}-installer.exe"
  !endif
!endif
OutFile "${OC_OUTFILE}"

!if "${OC_SCOPE}" == "user"
  !define OC_ROOT HKCU
  InstallDir "$LOCALAPPDATA\Programs\${INFO_PRODUCTNAME}"
!else
  !define OC_ROOT HKLM
  InstallDir "$PROGRAMFILES64\${INFO_PRODUCTNAME}"
!endif
# An upgrade installs into the folder the installed copy is in (unless /D= says otherwise).
InstallDirRegKey ${OC_ROOT} "${OC_DIR_KEY}" "InstallLocation"
ShowInstDetails show
ShowUninstDetails show

# Stop the copies of Outlook Connect that run in this session (the window, the background helper
# program, and a helper an older release started as "outlook-connect.exe --background"), so
# their files can be replaced or removed: first politely (the window closes), then the rest. The
# helper program goes last, and outright: it has no window to close, and a window closing in the
# meantime may just have started it. Only this session: copies other people run on the same PC
# are never closed; if one holds the files, oc.checkNotInUse stops with exit code 5 instead.
!macro oc.stopApp
    System::Call 'kernel32::GetCurrentProcessId() i .r0'
    System::Call 'kernel32::ProcessIdToSessionId(i r0, *i .r1) i .r2'
    ${If} $2 <> 0
        nsExec::Exec '"$SYSDIR\taskkill.exe" /FI "SESSION eq $1" /IM "${PRODUCT_EXECUTABLE}"'
        Pop $0
        ${If} $0 = 0
            Sleep 2000
        ${EndIf}
        nsExec::Exec '"$SYSDIR\taskkill.exe" /F /FI "SESSION eq $1" /IM "${PRODUCT_EXECUTABLE}"'
        Pop $0
        ${If} $0 = 0
            Sleep 1000
        ${EndIf}
        nsExec::Exec '"$SYSDIR\taskkill.exe" /F /FI "SESSION eq $1" /IM "${HELPER_EXECUTABLE}"'
        Pop $0
        ${If} $0 = 0
            Sleep 1000
        ${EndIf}
    ${EndIf}
!macroend

# A running exe cannot be opened for writing: if one still runs (another person's window or
# background helper), say so and stop with exit code 5 before anything is changed.
!macro oc.checkFileNotInUse FILE
    ${If} ${FileExists} "${FILE}"
        ClearErrors
        FileOpen $0 "${FILE}" a
        ${If} ${Errors}
            MessageBox MB_ICONSTOP|MB_OK "${INFO_PRODUCTNAME} is still running for another person signed in to this PC, so it cannot be changed now.$\r$\n$\r$\nAsk them to quit it (or to sign out), then try again." /SD IDOK
            SetErrorLevel 5
            Abort
        ${EndIf}
        FileClose $0
    ${EndIf}
!macroend

!macro oc.checkNotInUse
    !insertmacro oc.checkFileNotInUse "$INSTDIR\${PRODUCT_EXECUTABLE}"
    !insertmacro oc.checkFileNotInUse "$INSTDIR\${HELPER_EXECUTABLE}"
!macroend

# Microsoft Edge WebView2 Runtime (built into Windows 11). The bootstrapper downloads it; when
# that fails (offline, proxy, policy) the install stops with a message and exit code 4 rather
# than leaving an app that cannot open its window.
!define WEBVIEW2_GUID "{F3017226-FE2A-4295-8BDF-00C3A9A7E4C5}"
!macro oc.webview2Present result
    StrCpy ${result} ""
    ReadRegStr $R9 HKLM "SOFTWARE\WOW6432Node\Microsoft\EdgeUpdate\Clients\${WEBVIEW2_GUID}" "pv"
    ${If} $R9 == ""
        ReadRegStr $R9 HKLM "SOFTWARE\Microsoft\EdgeUpdate\Clients\${WEBVIEW2_GUID}" "pv"
    ${EndIf}
    ${If} $R9 == ""
        ReadRegStr $R9 HKCU "Software\Microsoft\EdgeUpdate\Clients\${WEBVIEW2_GUID}" "pv"
    ${EndIf}
    ${If} $R9 != ""
    ${AndIf} $R9 != "0.0.0.0"
        StrCpy ${result} $R9
    ${EndIf}
!macroend

!macro oc.webview2runtime
    SetRegView 64
    !insertmacro oc.webview2Present $R8
    ${If} $R8 == ""
        DetailPrint "Installing: Microsoft Edge WebView2 Runtime"
        InitPluginsDir
        CreateDirectory "$PLUGINSDIR\webview2bootstrapper"
        SetOutPath "$PLUGINSDIR\webview2bootstrapper"
        File "tmp\MicrosoftEdgeWebview2Setup.exe"
        ClearErrors
        ExecWait '"$PLUGINSDIR\webview2bootstrapper\MicrosoftEdgeWebview2Setup.exe" /silent /install' $R7
        ${If} ${Errors}
            StrCpy $R7 "not started"
        ${EndIf}
        !insertmacro oc.webview2Present $R8
        ${If} $R8 == ""
            DetailPrint "WebView2 Runtime setup failed (exit code $R7)"
            MessageBox MB_ICONSTOP|MB_OK "${INFO_PRODUCTNAME} needs the Microsoft Edge WebView2 Runtime, and it could not be installed (setup exit code $R7).$\r$\n$\r$\nConnect this PC to the internet and run this installer again, or ask your IT team to install the WebView2 Runtime (Evergreen Standalone Installer) first.$\r$\n$\r$\nNothing was changed." /SD IDOK
            SetErrorLevel 4
            Abort
        ${EndIf}
        DetailPrint "WebView2 Runtime $R8 installed"
    ${EndIf}
!macroend

Function .onInit
   !insertmacro wails.checkArchitecture
   SetRegView 64
   # Refuse to replace a newer installed version unless /ALLOWDOWNGRADE is given.
   ReadRegStr $R0 ${OC_ROOT} "${UNINST_KEY}" "OutlookConnectFileVersion"
   ReadRegStr $R2 ${OC_ROOT} "${UNINST_KEY}" "DisplayVersion"
   ${If} $R0 != ""
       ${VersionCompare} "$R0" "${OC_FILE_VERSION}" $R1
       ${GetParameters} $R3
       ClearErrors
       ${GetOptions} $R3 "/ALLOWDOWNGRADE" $R4
       ${If} $R1 == 1
       ${AndIf} ${Errors}
           MessageBox MB_ICONSTOP|MB_OK "A newer version of ${INFO_PRODUCTNAME} ($R2) is already installed. This installer has version ${INFO_PRODUCTVERSION}.$\r$\n$\r$\nTo go back to this version anyway, run the installer with /ALLOWDOWNGRADE." /SD IDOK
           SetErrorLevel 3
           Abort
       ${EndIf}
   ${EndIf}
FunctionEnd

Function un.onInit
   SetRegView 64
FunctionEnd

Section
    !insertmacro wails.setShellContext

    !insertmacro oc.webview2runtime

    !insertmacro oc.stopApp
    !insertmacro oc.checkNotInUse

    SetOutPath $INSTDIR

    !insertmacro wails.files
    File "/oname=${HELPER_EXECUTABLE}" "${OC_HELPER_BINARY}"

    CreateShortcut "$SMPROGRAMS\${INFO_PRODUCTNAME}.lnk" "$INSTDIR\${PRODUCT_EXECUTABLE}"
    CreateShortCut "$DESKTOP\${INFO_PRODUCTNAME}.lnk" "$INSTDIR\${PRODUCT_EXECUTABLE}"

    !insertmacro wails.associateFiles
    !insertmacro wails.associateCustomProtocols

    !insertmacro wails.writeUninstaller
    # SHCTX = HKLM for per-machine, HKCU for per-user (follows wails.setShellContext).
    WriteRegStr SHCTX "${UNINST_KEY}" "InstallLocation" "$INSTDIR"
    WriteRegDWORD SHCTX "${UNINST_KEY}" "NoModify" 1
    WriteRegDWORD SHCTX "${UNINST_KEY}" "NoRepair" 1
    # Numeric version for the downgrade check and for detection rules (Intune, SCCM).
    WriteRegStr SHCTX "${UNINST_KEY}" "OutlookConnectFileVersion" "${OC_FILE_VERSION}"
    WriteRegStr SHCTX "${UNINST_KEY}" "URLInfoAbout" "${OC_PROJECT_URL}"
    SetRegView 32
    WriteRegStr ${OC_ROOT} "${OC_DIR_KEY}" "InstallLocation" "$INSTDIR"
    SetRegView 64
SectionEnd

Section "uninstall"
    !insertmacro wails.setShellContext

    !insertmacro oc.stopApp
    !insertmacro oc.checkNotInUse

    # The "start at login" entry of the person uninstalling (issue 14). Other people's entries on
    # a shared PC point at a file that is gone and Windows skips them; the app removes its own
    # when it is switched off.
    DeleteRegValue HKCU "${RUN_KEY}" "${RUN_VALUE_NAME}"
    DeleteRegValue HKCU "${STARTUP_APPROVED_KEY}" "${RUN_VALUE_NAME}"

    # Only what the installer put there: never RMDir /r $INSTDIR, which would wipe a folder the
    # user picked (e.g. "C:\Program Files") with everything in it.
    Delete "$INSTDIR\${PRODUCT_EXECUTABLE}"
    Delete "$INSTDIR\${HELPER_EXECUTABLE}"
    !insertmacro wails.unassociateFiles
    !insertmacro wails.unassociateCustomProtocols
    Delete "$SMPROGRAMS\${INFO_PRODUCTNAME}.lnk"
    Delete "$DESKTOP\${INFO_PRODUCTNAME}.lnk"

    !insertmacro wails.deleteUninstaller
    SetRegView 32
    DeleteRegValue ${OC_ROOT} "${OC_DIR_KEY}" "InstallLocation"
    DeleteRegKey /ifempty ${OC_ROOT} "${OC_DIR_KEY}"
    SetRegView 64
    RMDir "$INSTDIR" # removed only if now empty

    # Per-user data of the account running the uninstaller.
    SetShellVarContext current
    # WebView2 cache (Wails' default data path is %APPDATA%\<exe name>); holds no secrets.
    RMDir /r "$APPDATA\${PRODUCT_EXECUTABLE}"
    # Settings and logs (no secrets; those are in Credential Manager) only on request.
    ${un.GetParameters} $R0
    ClearErrors
    ${un.GetOptions} $R0 "/PURGE" $R1
    ${IfNot} ${Errors}
        DetailPrint "Removing settings and logs: $APPDATA\${APP_CONFIG_DIRNAME}"
        RMDir /r "$APPDATA\${APP_CONFIG_DIRNAME}"
    ${EndIf}
SectionEnd
