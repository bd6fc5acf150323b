# syntax=docker/dockerfile:1
# rtc-token-server: build with the toolchain, run without it.
#   docker build -t rtc-token-server .
#   docker run -p 8080:8080 --env-file .env -v rtc-data:/app/data rtc-token-server
# Credentials come from the environment at run time; no secret is baked into any layer.

# --- Stage 1: install, compile TypeScript, drop dev dependencies and native build leftovers --------
FROM node:24-bookworm-slim AS builder
# better-sqlite3 is a native module: without a matching prebuilt binary it compiles with node-gyp.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# The manifests alone first, so the dependency layer is reused until they change.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig*.json ./
COPY scripts/build.mjs scripts/prune-native.mjs ./scripts/
COPY src ./src
# Build, drop dev dependencies, then what only compiling better-sqlite3 needed (sources, objects).
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund \
 && node scripts/prune-native.mjs
COPY openapi.yaml ./

# --- Stage 2: the runtime image ------------------------------------------------------------------
# Node 24, the current LTS (Node 20 reached end of life in April 2026); the code runs on >= 20.19.
FROM node:24-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
# Code stays owned by root (read-only to the service); only the data directory is writable by it.
COPY --from=builder /app/node_modules ./node_modules
COPY --from=builder /app/dist ./dist
COPY --from=builder /app/package.json /app/openapi.yaml ./
RUN mkdir -p /app/data && chown node:node /app/data
# The SQLite meeting store lives here; mount a volume to keep it across containers.
VOLUME ["/app/data"]
USER node
EXPOSE 8080
# Slim images have no curl: ask node itself. Uses PORT when the container overrides it.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/healthz', { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# V8 reads these only at start-up, so they are node flags here and in `npm start` (a test keeps the
# two equal); what each saves is measured in docs/performance.md:
# --max-semi-space-size=4: caps the young generation, which otherwise grows to 2 × 16 MB under load.
# --no-allocation-site-pretenuring: keeps Agora's short-lived token buffers in the young generation.
CMD ["node", "--max-semi-space-size=4", "--no-allocation-site-pretenuring", "dist/server.js"]
