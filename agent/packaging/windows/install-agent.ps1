# Cài Điểm Cầu agent thành tác vụ chạy nền trên Windows 10/11.
# Chạy trong PowerShell "Run as Administrator", từ thư mục agent\packaging\windows:
#   powershell -ExecutionPolicy Bypass -File install-agent.ps1
#   (tuỳ chọn: -Python "C:\Program Files\Python312\python.exe")
#
# Nothing is downloaded: the package is plain Python, so it is copied next to
# its config and run with `python -m diemcau_agent` from that folder.
#
# Why a scheduled task and not a service: a real Windows service needs a
# service host (pywin32 or NSSM), which the standard library does not give.
# A task that starts at boot as SYSTEM, restarts on failure and has no time
# limit behaves like a service for our purpose, with nothing extra installed.
param(
    [string]$Python = (Get-Command python.exe -ErrorAction Stop).Source,
    [string]$DataDir = "$env:ProgramData\diemcau-agent"
)
$ErrorActionPreference = "Stop"
$here = Split-Path -Parent $MyInvocation.MyCommand.Path
$app = Join-Path $DataDir "app"
New-Item -ItemType Directory -Force -Path $app | Out-Null
Copy-Item -Recurse -Force (Join-Path $here "..\..\src\diemcau_agent") $app
# pythonw: no console window flashes up on the site's PC.
$pythonw = Join-Path (Split-Path -Parent $Python) "pythonw.exe"
Set-Content -Encoding ascii -Path (Join-Path $DataDir "python.txt") -Value $Python
$ini = Join-Path $DataDir "agent.ini"
if (-not (Test-Path $ini)) {
    Push-Location $app
    & $Python -m diemcau_agent config | Out-File -Encoding utf8 $ini
    Pop-Location
    Write-Host "Đã tạo $ini - hãy sửa server, token, reflector rồi chạy lại lệnh này."
    exit 0
}
$action = New-ScheduledTaskAction -Execute $pythonw -Argument "-m diemcau_agent --config `"$ini`" run" -WorkingDirectory $app
$trigger = New-ScheduledTaskTrigger -AtStartup
$settings = New-ScheduledTaskSettingsSet -RestartCount 999 -RestartInterval (New-TimeSpan -Minutes 1) `
    -ExecutionTimeLimit ([TimeSpan]::Zero) -AllowStartIfOnBatteries -DontStopIfGoingOnBatteries -StartWhenAvailable
$principal = New-ScheduledTaskPrincipal -UserId "SYSTEM" -RunLevel Highest
Register-ScheduledTask -TaskName "DiemCauAgent" -Action $action -Trigger $trigger -Settings $settings `
    -Principal $principal -Force | Out-Null
Start-ScheduledTask -TaskName "DiemCauAgent"
Write-Host "Đã cài và khởi động tác vụ DiemCauAgent. Nhật ký: $DataDir\agent.log"
