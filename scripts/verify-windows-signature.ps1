# Verifies Authenticode signatures on Windows with the Windows trust store (the release
# workflow's Azure Trusted Signing jobs; on Linux, verify-windows-signature.sh does the same with
# osslsigncode): the signature is valid for the file and chains to a trusted root, it carries a
# timestamp, and the signer is who it should be ($env:EXPECTED_SUBJECT, if set).
#
#   ./scripts/verify-windows-signature.ps1 FILE...
#   ./scripts/verify-windows-signature.ps1 -Unpack INSTALLER...   also the exes and uninstaller inside
param(
    [switch]$Unpack,
    [Parameter(Mandatory = $true, ValueFromRemainingArguments = $true)][string[]]$Files
)
$ErrorActionPreference = 'Stop'
$failed = $false

function Test-Signature([string]$Path) {
    $sig = Get-AuthenticodeSignature -FilePath $Path
    $problems = @()
    if ($sig.Status -ne 'Valid') { $problems += "status $($sig.Status): $($sig.StatusMessage)" }
    if ($null -eq $sig.TimeStamperCertificate) { $problems += 'no timestamp' }
    if ($env:EXPECTED_SUBJECT -and ($null -eq $sig.SignerCertificate -or -not $sig.SignerCertificate.Subject.Contains($env:EXPECTED_SUBJECT))) {
        $problems += "signed by '$($sig.SignerCertificate.Subject)', expected '$($env:EXPECTED_SUBJECT)'"
    }
    if ($problems.Count -eq 0) {
        Write-Host "ok   $(Split-Path $Path -Leaf): $($sig.SignerCertificate.Subject), timestamped by $($sig.TimeStamperCertificate.Subject)"
        return $true
    }
    foreach ($p in $problems) { Write-Host "::error::$(Split-Path $Path -Leaf): $p" }
    return $false
}

foreach ($f in $Files) {
    if (-not (Test-Signature $f)) { $failed = $true }
    if ($Unpack) {
        # 7-Zip unpacks NSIS installers; the runner image ships it.
        $dir = Join-Path ([System.IO.Path]::GetTempPath()) ([System.Guid]::NewGuid())
        & 7z x -y "-o$dir" $f outlook-connect.exe outlook-connect-background.exe uninstall.exe | Out-Null
        if ($LASTEXITCODE -ne 0) { Write-Host "::error::7-Zip could not unpack $f"; $failed = $true; continue }
        foreach ($inner in 'outlook-connect.exe', 'outlook-connect-background.exe', 'uninstall.exe') {
            $p = Join-Path $dir $inner
            if (-not (Test-Path $p)) { Write-Host "::error::$(Split-Path $f -Leaf) holds no $inner"; $failed = $true; continue }
            if (-not (Test-Signature $p)) { $failed = $true }
        }
        Remove-Item -Recurse -Force $dir
    }
}
if ($failed) { exit 1 }
