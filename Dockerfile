# syntax=docker/dockerfile:1
# The kubevdi operator image: `kubevdi operator` (node dist/cli.js operator), the same compiled
# entry point the integration tests start. test/image.test.ts checks this file against them.
#
#   docker build -t kubevdi:dev --build-arg VERSION=$(git describe --always) --build-arg REVISION=$(git rev-parse HEAD) .

# Compile TypeScript with the dev dependencies (typescript, @types/node).
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# Production dependencies only, installed on their own so no dev tool reaches the final stage.
# None of them has an install script; --ignore-scripts keeps it that way.
FROM node:24-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

# Node 24 and nothing else: no shell, no npm, no package manager. The files are root's and
# read-only to the operator, which writes nothing at runtime (logs go to stdout), so the pod can
# run with readOnlyRootFilesystem.
FROM gcr.io/distroless/nodejs24-debian12:nonroot
ARG VERSION=dev
ARG REVISION=unknown
LABEL org.opencontainers.image.title="kubevdi" \
      org.opencontainers.image.description="Virtual desktops on KubeVirt: the kubevdi operator" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.base.name="gcr.io/distroless/nodejs24-debian12:nonroot"
ENV NODE_ENV=production
WORKDIR /app
# package.json says "type": "module": Node needs it to load dist/ as ES modules.
COPY --from=deps /app/package.json ./package.json
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# distroless's nonroot user, by number so runAsNonRoot can verify it without a passwd lookup.
USER 65532:65532
# /healthz, /readyz and /metrics (--health-addr).
EXPOSE 8081
# Node is /nodejs/bin/node in distroless images, not on PATH.
ENTRYPOINT ["/nodejs/bin/node", "dist/cli.js"]
CMD ["operator"]
