# Referral API image. Build: docker build -t referral-api .   (or: docker compose up --build)

# ---- build -------------------------------------------------------------------
# Base images pinned by exact version (the SDK and runtime CI builds and tests with); bump them deliberately.
FROM mcr.microsoft.com/dotnet/sdk:10.0.401 AS build
WORKDIR /src
ENV DOTNET_NOLOGO=1 \
    DOTNET_CLI_TELEMETRY_OPTOUT=1
# Node.js + npm: the build bundles the web app (/, from web/) and the GraphiQL page (/graphiql) from npm (Referral.Api.csproj,
# targets WebApp and GraphiQL). To build without them, drop this line and add -p:BuildWebApp=false -p:BuildGraphiQL=false
# below; / and /graphiql then explain what is missing.
RUN apt-get update && apt-get install -y --no-install-recommends nodejs npm && rm -rf /var/lib/apt/lists/*

# Restore first, from the project files only, so the layer is cached until they change.
COPY global.json Directory.*.props *.sln ./
COPY src/Referral.Api/Referral.Api.csproj src/Referral.Api/
RUN dotnet restore src/Referral.Api/Referral.Api.csproj
# npm packages for the web app and GraphiQL, cached like the NuGet restore (the build's own `npm ci` then finds them up to date).
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund && touch node_modules/.referral-npm-ci.stamp

COPY . .
RUN dotnet publish src/Referral.Api/Referral.Api.csproj -c Release -o /app --no-restore \
    /p:UseAppHost=false

# ---- runtime -----------------------------------------------------------------
FROM mcr.microsoft.com/dotnet/aspnet:10.0.12 AS runtime
WORKDIR /app
# The aspnet image already listens on port 8080 (ASPNETCORE_HTTP_PORTS=8080).
ENV DOTNET_CLI_TELEMETRY_OPTOUT=1

COPY --from=build /app ./
# Seed data is read from a `seed` folder next to the content root (/app).
COPY seed/ ./seed/

# Built-in non-root user of the .NET 8+ images.
USER $APP_UID
EXPOSE 8080
# Ready = the database answers (/health/ready). The image has no curl: bash's /dev/tcp speaks the HTTP request.
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=5 \
    CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/8080 && printf 'GET /health/ready HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]
# No argument: the server. Verbs run in the container too: docker compose exec api dotnet Referral.Api.dll help
ENTRYPOINT ["dotnet", "Referral.Api.dll"]
