# syntax=docker/dockerfile:1
#
# One image for every sales-saga process. The entry point is chosen by `command:` in
# docker-compose.yml (bin/migrate.ts, bin/api.ts, bin/worker.ts, bin/consumers.ts); the default
# CMD below runs the HTTP API. The server has no build step (TypeScript runs through tsx, a runtime
# dependency); only the live page is built, in a stage of its own, so the final image carries no
# devDependencies (TypeScript, Vite, jest, eslint) and no test or tooling sources.

# bookworm (glibc), not alpine: @temporalio/core-bridge ships prebuilt glibc binaries.
ARG NODE_IMAGE=node:20-bookworm-slim

# --- the live page (web/dist), built with the devDependencies -------------------------------
FROM ${NODE_IMAGE} AS web
WORKDIR /src
ENV NPM_CONFIG_UPDATE_NOTIFIER=false
# Manifests first, so the dependency layer is rebuilt only when they change, not on every edit.
COPY package.json package-lock.json .npmrc* ./
RUN npm ci --no-audit --no-fund
COPY web ./web
RUN npm run build:web

# --- production dependencies only ---------------------------------------------------------------
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
ENV NPM_CONFIG_UPDATE_NOTIFIER=false
COPY package.json package-lock.json .npmrc* ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# --- the runtime image ----------------------------------------------------------------------------
FROM ${NODE_IMAGE}
WORKDIR /app
# Production unless told otherwise: config.ts then refuses development defaults (the dev JWT
# secret, demo data, servers left to the local stack) with one line saying which.
ENV NODE_ENV=production \
    APP_ENV=production \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    HOST=0.0.0.0 \
    PORT=3000
# Owned by root and read-only to the app's user: the processes need no write access to /app.
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY activities ./activities
COPY api ./api
COPY bin ./bin
COPY consumers ./consumers
COPY migrations ./migrations
COPY runtime ./runtime
COPY shared ./shared
COPY workflows ./workflows
COPY --from=web /src/web/dist ./web/dist

# The official image's unprivileged user (uid 1000).
USER node

EXPOSE 3000
# The API's liveness; docker-compose.yml gives the worker and the consumers checks of their own.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# node with tsx's loader, not npx: no npm process in between, so SIGTERM reaches the app directly.
CMD ["node", "--import", "tsx", "bin/api.ts"]
