# syntax=docker/dockerfile:1
#
# One image for every sales-saga process. The entry point is chosen by `command:` in
# docker-compose.yml (bin/migrate.ts, bin/api.ts, bin/worker.ts, bin/consumers.ts); the default
# CMD below runs the HTTP API. The server has no build step (TypeScript runs through tsx); only the live page is built.

# bookworm (glibc), not alpine: @temporalio/core-bridge and @swc/core ship prebuilt glibc binaries.
FROM node:20-bookworm-slim

WORKDIR /app

# npx would otherwise ask the registry for a newer npm at every process start.
ENV NPM_CONFIG_UPDATE_NOTIFIER=false \
    HOST=0.0.0.0 \
    PORT=3000

# Manifests first, so the dependency layer is rebuilt only when they change, not on every edit.
# `.npmrc*` is a glob so the build still works if the file is ever removed.
COPY package.json package-lock.json .npmrc* ./
RUN npm ci --no-audit --no-fund && npm cache clean --force

COPY . .
# the live page served at / (static assets, built once into web/dist)
RUN npm run build:web

# The official image's unprivileged user; the app needs no write access to /app.
USER node

EXPOSE 3000
CMD ["npx", "tsx", "bin/api.ts"]
