# Bulkhead's lab-server as a container: `docker compose up` (compose.yaml) builds and runs it.
#
# Offline-friendly: the base is debian:trixie-slim (pulled where a registry answers; `npm run images`
# bootstraps it from the Debian mirror where none does), and Node and npm come from the npm registry as
# tarballs, so the build needs the Debian mirror and the npm registry only. No build tools reach the
# final image, and lab-server runs there as an unprivileged user (uid 10001), not as root.
ARG BASE=debian:trixie-slim

# Node 24 LTS (the project's .nvmrc), fetched from the npm registry's node-linux-<arch> package.
FROM ${BASE} AS node
ARG NODE_VERSION=24.21.0
ARG NPM_VERSION=11.19.1
ARG NPM_REGISTRY=https://registry.npmjs.org
ARG DEBIAN_FRONTEND=noninteractive
# A TLS-intercepting proxy's authority, where the network has one (certs/README.md); build stages only.
COPY certs/ /usr/local/share/ca-certificates/bulkhead/
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl \
 && rm -rf /var/lib/apt/lists/* \
 && update-ca-certificates >/dev/null \
 && case "$(dpkg --print-architecture)" in amd64) arch=x64 ;; arm64) arch=arm64 ;; *) echo "no Node build for $(dpkg --print-architecture)" >&2; exit 1 ;; esac \
 && mkdir -p /opt/node/bin /opt/npm \
 && curl -fsSL "${NPM_REGISTRY}/node-linux-${arch}/-/node-linux-${arch}-${NODE_VERSION}.tgz" | tar -xz -C /opt/node --strip-components=1 package/bin/node \
 && curl -fsSL "${NPM_REGISTRY}/npm/-/npm-${NPM_VERSION}.tgz" | tar -xz -C /opt/npm --strip-components=1 \
 && printf '#!/bin/sh\nexec /opt/node/bin/node /opt/npm/bin/npm-cli.js "$@"\n' > /opt/node/bin/npm \
 && chmod 0755 /opt/node/bin/npm \
 && /opt/node/bin/node --version
ENV PATH=/opt/node/bin:$PATH \
    NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt

# Dependencies first (cached while package-lock.json is unchanged), then the site, then only what runs.
FROM node AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY . .
RUN npm run build && npm prune --omit=dev --no-audit --no-fund --loglevel=error

FROM ${BASE}
LABEL org.opencontainers.image.title="bulkhead" \
      org.opencontainers.image.description="Bulkhead lab-server: the Docker security course with a locked-down terminal beside every lesson"
COPY --from=node /opt/node/bin/node /usr/local/bin/node
# The data folder belongs to lab-server's user; a named volume mounted there starts with this owner.
RUN groupadd --gid 10001 bulkhead \
 && useradd --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin bulkhead \
 && install -d -o 10001 -g 10001 -m 0700 /data
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/dist dist
COPY lab-server lab-server
COPY src/lib src/lib
COPY content content
COPY lab-images lab-images
COPY scripts scripts
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    DATA_DIR=/data \
    SITE_DIR=/app/dist
USER 10001:10001
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8080/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "--max-semi-space-size=2", "lab-server/main.ts"]
