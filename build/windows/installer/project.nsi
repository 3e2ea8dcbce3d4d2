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
## Both run silently with /S (per-machine: from an elevated prompt). /D=C:\path sets the folder.
## The uninstaller (uninstall.exe, also in "Installed apps") supports /S too; /PURGE additionally
## deletes the current user's settings and logs folder (%APPDATA%\outlook-connect). Secrets are
## never on disk: they live in Windows Credential Manager and are removed by "Disconnect".
##
## wails_tools.nsh is rewritten by every `wails build -nsis` (gitignored). To run makensis by hand
## after one such build (this is what scripts/package.sh does, with the signed exe):
##   makensis -DARG_WAILS_AMD64_BINARY=/abs/path/outlook-connect.exe -DINFO_PRODUCTVERSION=1.2.3 project.nsi
## Optional defines: OC_OUTFILE (installer path), OC_SIGN_COMMAND (command that signs "%1" in place;
## used to sign the embedded uninstaller).
####
## Values fixed here rather than taken from wails.json: the Wails project name "Outlook Connect"
## contains a space, but the executable is outlook-connect.exe.
!define INFO_PROJECTNAME    "outlook-connect"
!define INFO_PRODUCTNAME    "Outlook Connect"
!define PRODUCT_EXECUTABLE  "outlook-connect.exe"
!define UNINST_KEY_NAME     "Outlook Connect"
## Settings and logs folder of the app (os.UserConfigDir()/outlook-connect), removed by /PURGE.
!define APP_CONFIG_DIRNAME  "outlook-connect"
####
## Include the wails tools (defines INFO_COMPANYNAME, INFO_PRODUCTVERSION, INFO_COPYRIGHT,
## UNINST_KEY, ARCH and the wails.* macros, unless already defined).
####
!include "wails_tools.nsh"

# The version information for this two must consist of 4 parts
VIProductVersion "${INFO_PRODUCTVERSION}.0"
VIFileVersion    "${INFO_PRODUCTVERSION}.0"

VIAddVersionKey "CompanyName"     "${INFO_COMPANYNAME}"
VIAddVersionKey "FileDescription" "${INFO_PRODUCTNAME} Installer"
VIAddVersionKey "ProductVersion"  "${INFO_PRODUCTVERSION}"
VIAddVersionKey "FileVersion"     "${INFO_PRODUCTVERSION}"
VIAddVersionKey "LegalCopyright"  "${INFO_COPYRIGHT}"
VIAddVersionKey "ProductName"     "${INFO_PRODUCTNAME}"

# Enable HiDPI support. https://nsis.sourceforge.io/Reference/ManifestDPIAware
ManifestDPIAware true

!include "MUI.nsh"
!include "LogicLib.nsh"

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

## Sign the uninstaller before it is embedded (the installer itself is signed afterwards by
## scripts/package.sh, and the app exe is signed before makensis runs).
!ifdef OC_SIGN_COMMAND
  !uninstfinalize '${OC_SIGN_COMMAND} "%1"'
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
  InstallDir "$LOCALAPPDATA\Programs\${INFO_PRODUCTNAME}"
!else
  InstallDir "$PROGRAMFILES64\${INFO_PRODUCTNAME}"
!endif
ShowInstDetails show
ShowUninstDetails show

# Stop a running copy so its files can be replaced or removed (only the current user's copies
# when not elevated). Harmless when none runs.
!macro oc.stopApp
    nsExec::Exec '"$SYSDIR\taskkill.exe" /F /IM "${PRODUCT_EXECUTABLE}"'
    Pop $0
    Sleep 500
!macroend

Function .onInit
   !insertmacro wails.checkArchitecture
   SetRegView 64
FunctionEnd

Function un.onInit
   SetRegView 64
FunctionEnd

Section
    !insertmacro wails.setShellContext

    !insertmacro wails.webview2runtime

    !insertmacro oc.stopApp

    SetOutPath $INSTDIR

    !insertmacro wails.files

    CreateShortcut "$SMPROGRAMS\${INFO_PRODUCTNAME}.lnk" "$INSTDIR\${PRODUCT_EXECUTABLE}"
    CreateShortCut "$DESKTOP\${INFO_PRODUCTNAME}.lnk" "$INSTDIR\${PRODUCT_EXECUTABLE}"

    !insertmacro wails.associateFiles
    !insertmacro wails.associateCustomProtocols

    !insertmacro wails.writeUninstaller
    # SHCTX = HKLM for per-machine, HKCU for per-user (follows wails.setShellContext).
    WriteRegStr SHCTX "${UNINST_KEY}" "InstallLocation" "$INSTDIR"
    WriteRegDWORD SHCTX "${UNINST_KEY}" "NoModify" 1
    WriteRegDWORD SHCTX "${UNINST_KEY}" "NoRepair" 1
SectionEnd

Section "uninstall"
    !insertmacro wails.setShellContext

    !insertmacro oc.stopApp

    # Only what the installer put there: never RMDir /r $INSTDIR, which would wipe a folder the
    # user picked (e.g. "C:\Program Files") with everything in it.
    Delete "$INSTDIR\${PRODUCT_EXECUTABLE}"
    !insertmacro wails.unassociateFiles
    !insertmacro wails.unassociateCustomProtocols
    Delete "$SMPROGRAMS\${INFO_PRODUCTNAME}.lnk"
    Delete "$DESKTOP\${INFO_PRODUCTNAME}.lnk"

    !insertmacro wails.deleteUninstaller
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
