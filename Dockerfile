# syntax=docker/dockerfile:1
# The `portcullis` executable: one image for the controller (`portcullis controller`) and the proxy
# pods it provisions (`portcullis proxy --gateway NS/NAME`).
#   docker build -t portcullis:dev .
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
# Build settings and central package versions, then the sources (never built here: no container engine on the
# machine this was written on; see deploy/README.md).
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY src/ src/
# For linux-x64, so the assemblies are ReadyToRun (precompiled; see PublishReadyToRun in Portcullis.Cli.csproj): a
# proxy starts and reaches full speed sooner (bench/README.md, session 4).
RUN dotnet restore src/Portcullis.Cli/Portcullis.Cli.csproj -r linux-x64
RUN dotnet publish src/Portcullis.Cli/Portcullis.Cli.csproj -c Release -r linux-x64 --self-contained false --no-restore -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
WORKDIR /app
COPY --from=build /app ./
# Nothing is written at runtime, so the root filesystem can be read-only: no diagnostics IPC socket
# in /tmp, and globalization data comes from the image's ICU.
# DOTNET_GCgen0size: a 32 MiB gen0 budget. By default the GC sizes gen0 from the L3 cache, and on a server with a
# 260 MiB L3 that let 100+ MB of garbage pile up between collections: 316-329 MiB resident at 10,000 hosts under load
# instead of 268 (bench/README.md, session 11). The GC reads this setting only from the environment (no
# runtimeconfig.json property), so it is set here; bench/bench.py reads it from this line.
ENV DOTNET_EnableDiagnostics=0 \
    DOTNET_gcServer=0 \
    DOTNET_GCgen0size=0x2000000
# The aspnet images define the non-root user `app` (uid 1654).
USER 1654:1654
ENTRYPOINT ["/app/portcullis"]
CMD ["--help"]
