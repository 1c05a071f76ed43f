# syntax=docker/dockerfile:1
FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM node:24-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY zones ./zones
COPY geoip ./geoip
RUN mkdir -p /var/lib/gslb && chown node:node /var/lib/gslb
VOLUME /var/lib/gslb
USER node
EXPOSE 53/udp 53/tcp 8053/tcp
# Binding port 53 as a non-root user: run with `--sysctl net.ipv4.ip_unprivileged_port_start=53`
# (or map a high port: -p 53:5353/udp -p 53:5353/tcp and --dns 0.0.0.0:5353).
ENTRYPOINT ["node", "dist/cli.js"]
CMD ["serve", "--zones", "zones", "--dns", "0.0.0.0:53", "--dns", "[::]:53", "--admin", "0.0.0.0:8053", "--state-dir", "/var/lib/gslb"]
