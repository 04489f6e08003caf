# Gỡ tác vụ nền Điểm Cầu agent (giữ lại cấu hình và bộ đệm trong ProgramData).
$ErrorActionPreference = "Stop"
Stop-ScheduledTask -TaskName "DiemCauAgent" -ErrorAction SilentlyContinue
Unregister-ScheduledTask -TaskName "DiemCauAgent" -Confirm:$false
Write-Host "Đã gỡ tác vụ DiemCauAgent."
