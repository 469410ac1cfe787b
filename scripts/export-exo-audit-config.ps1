<#
.SYNOPSIS
    Export the Exchange Online audit configuration and mailbox permissions for
    `exoaudit posture` and `exoaudit report permissions --snapshot`.

.DESCRIPTION
    Read-only: runs only Get-* cmdlets. Writes UTF-8 JSON files (ConvertTo-Json) into
    -OutDir (default: .\exo-audit-config-<yyyyMMdd-HHmmss>):

      admin-audit-log-config.json   Get-AdminAuditLogConfig
      organization-config.json      Get-OrganizationConfig (audit properties)
      mailboxes.json                Get-Mailbox -ResultSize Unlimited (audit properties,
                                    delegation and forwarding)
      audit-bypass.json             Get-MailboxAuditBypassAssociation -ResultSize Unlimited
      mailbox-permissions.json      Get-MailboxPermission (explicit, not inherited)
      recipient-permissions.json    Get-RecipientPermission (SendAs)
      export-info.json              when and by whom the export was made

    Multi-valued properties are written as arrays of strings, time spans as
    "d.hh:mm:ss" and dates as ISO 8601, so PowerShell 5.1 and 7 give the same files.
    With -Csv, Export-Csv files are written as well (lists joined with ',').

    Then:
      exoaudit posture <dir>\admin-audit-log-config.json <dir>\organization-config.json `
                       <dir>\mailboxes.json <dir>\audit-bypass.json --remediation fix.ps1
      exoaudit report permissions --snapshot <dir>\mailbox-permissions.json `
          --snapshot <dir>\recipient-permissions.json --snapshot <dir>\mailboxes.json `
          --snapshot-at <ExportedAt from export-info.json>

.PARAMETER OutDir
    Output folder (created when missing).
.PARAMETER SkipPermissions
    Do not export mailbox and recipient permissions (they take long in big tenants).
.PARAMETER Csv
    Also write Export-Csv files.

.NOTES
    Needs the ExchangeOnlineManagement module and a session opened with
    Connect-ExchangeOnline by an account with View-Only Audit Logs / View-Only
    Configuration (or higher). Get-AdminAuditLogConfig must come from Exchange Online
    PowerShell: in Security & Compliance PowerShell UnifiedAuditLogIngestionEnabled is
    always False.
#>
[CmdletBinding()]
param(
    [string]$OutDir = (Join-Path (Get-Location) ("exo-audit-config-" + (Get-Date -Format 'yyyyMMdd-HHmmss'))),
    [switch]$SkipPermissions,
    [switch]$Csv
)

Set-StrictMode -Version 2
$ErrorActionPreference = 'Stop'

if (-not (Get-Command Get-AdminAuditLogConfig -ErrorAction SilentlyContinue)) {
    throw 'Not connected to Exchange Online: run Connect-ExchangeOnline first.'
}
New-Item -ItemType Directory -Force -Path $OutDir | Out-Null

function ConvertTo-Plain($v) {
    if ($null -eq $v) { return $null }
    if ($v -is [bool] -or $v -is [int] -or $v -is [long] -or $v -is [string]) { return $v }
    if ($v -is [TimeSpan]) { return $v.ToString('d\.hh\:mm\:ss') }
    if ($v -is [DateTime]) { return $v.ToUniversalTime().ToString('o') }
    if ($v -is [System.Collections.IEnumerable]) { return @($v | ForEach-Object { "$_" }) }
    $s = "$v"
    # Exchange's EnhancedTimeSpan / Unlimited<T> print as d.hh:mm:ss or 'Unlimited'
    return $s
}

function Select-Plain($objects, [string[]]$props) {
    foreach ($o in $objects) {
        $h = [ordered]@{}
        foreach ($p in $props) {
            $h[$p] = if ($o.PSObject.Properties[$p]) { ConvertTo-Plain $o.$p } else { $null }
        }
        [pscustomobject]$h
    }
}

function Write-Export([string]$name, $rows) {
    $rows = @($rows)
    $json = Join-Path $OutDir "$name.json"
    # -Depth 4 keeps the arrays; -InputObject keeps a single object an array
    ConvertTo-Json -InputObject $rows -Depth 4 | Out-File -FilePath $json -Encoding utf8
    if ($Csv -and $rows.Count) {
        $rows | Select-Object * | ForEach-Object {
            $r = $_
            foreach ($p in $r.PSObject.Properties) {
                if ($p.Value -is [System.Array]) { $p.Value = ($p.Value -join ',') }
            }
            $r
        } | Export-Csv -Path (Join-Path $OutDir "$name.csv") -NoTypeInformation -Encoding UTF8
    }
    Write-Host ("{0,-28} {1,7} record(s)" -f $name, $rows.Count)
}

$adminProps = 'Name', 'AdminAuditLogEnabled', 'AdminAuditLogCmdlets', 'AdminAuditLogParameters',
    'AdminAuditLogExcludedCmdlets', 'AdminAuditLogAgeLimit', 'LogLevel', 'TestCmdletLoggingEnabled',
    'UnifiedAuditLogIngestionEnabled', 'UnifiedAuditLogFirstOptInDate', 'Identity'
Write-Export 'admin-audit-log-config' (Select-Plain (Get-AdminAuditLogConfig) $adminProps)

Write-Export 'organization-config' (Select-Plain (Get-OrganizationConfig) 'Name', 'Identity', 'AuditDisabled')

$mbxProps = 'Identity', 'Name', 'UserPrincipalName', 'PrimarySmtpAddress', 'RecipientTypeDetails',
    'AuditEnabled', 'AuditLogAgeLimit', 'AuditAdmin', 'AuditDelegate', 'AuditOwner', 'DefaultAuditSet',
    'WhenCreated', 'WhenMailboxCreated', 'GrantSendOnBehalfTo', 'ForwardingSmtpAddress',
    'ForwardingAddress', 'DeliverToMailboxAndForward'
$mailboxes = @(Get-Mailbox -ResultSize Unlimited)
Write-Export 'mailboxes' (Select-Plain $mailboxes $mbxProps)

Write-Export 'audit-bypass' (Select-Plain (Get-MailboxAuditBypassAssociation -ResultSize Unlimited) 'Name', 'Identity', 'AuditBypassEnabled')

if (-not $SkipPermissions) {
    $perms = foreach ($m in $mailboxes) {
        Get-MailboxPermission -Identity $m.PrimarySmtpAddress.ToString() |
            Where-Object { -not $_.IsInherited -and "$($_.User)" -notlike 'NT AUTHORITY\*' } |
            ForEach-Object {
                [pscustomobject][ordered]@{
                    Identity     = $m.PrimarySmtpAddress.ToString()
                    User         = "$($_.User)"
                    AccessRights = @($_.AccessRights | ForEach-Object { "$_" })
                    IsInherited  = [bool]$_.IsInherited
                    Deny         = [bool]$_.Deny
                }
            }
    }
    Write-Export 'mailbox-permissions' $perms

    $recip = foreach ($m in $mailboxes) {
        Get-RecipientPermission -Identity $m.PrimarySmtpAddress.ToString() -ErrorAction SilentlyContinue |
            Where-Object { "$($_.Trustee)" -notlike 'NT AUTHORITY\*' } |
            ForEach-Object {
                [pscustomobject][ordered]@{
                    Identity     = $m.PrimarySmtpAddress.ToString()
                    Trustee      = "$($_.Trustee)"
                    AccessRights = @($_.AccessRights | ForEach-Object { "$_" })
                }
            }
    }
    Write-Export 'recipient-permissions' $recip
}

[pscustomobject][ordered]@{
    ExportedAt = (Get-Date).ToUniversalTime().ToString('o')
    ExportedBy = "$((Get-ConnectionInformation | Select-Object -First 1).UserPrincipalName)"
    Tool       = 'exoaudit scripts/export-exo-audit-config.ps1'
} | ConvertTo-Json | Out-File -FilePath (Join-Path $OutDir 'export-info.json') -Encoding utf8

Write-Host "Written to $OutDir"
