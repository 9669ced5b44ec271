# escape=`
# syntax = docker/dockerfile:1@sha256:2222222222222222222222222222222222222222222222222222222222222222

FROM --platform=windows/amd64 `
    mcr.microsoft.com/windows/servercore:ltsc2022 AS win
RUN powershell -Command `
    Write-Host C:\path\to\FROM nginx
COPY --from=mcr.microsoft.com/powershell:lts-nanoserver-ltsc2022 `
    C:\ C:\pwsh
