@echo off
rem Kiểm tra đường truyền trước cuộc họp (nhấp đúp để chạy).
chcp 65001 >nul
set /p PY=<"%ProgramData%\diemcau-agent\python.txt"
pushd "%ProgramData%\diemcau-agent\app"
"%PY%" -m diemcau_agent --config "%ProgramData%\diemcau-agent\agent.ini" check
set RC=%ERRORLEVEL%
popd
echo.
echo Ma ket qua: %RC%  (0 tot, 1 can theo doi, 2 khong dat, 3 khong do duoc)
pause
