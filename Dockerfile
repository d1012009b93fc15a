# The coursegen worker image (docker-compose.temporal.yml builds it). Runs TypeScript through tsx, exactly as
# `npm run worker` does on a laptop, so there is no separate build step to drift from the source.
FROM node:20.19.5-bookworm-slim

WORKDIR /app

# Dependencies first: this layer is reused until package*.json change. Dev dependencies (jest, typescript,
# playwright-core) are not needed at run time; tsx is a regular dependency.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# Only what the worker loads (workflows are bundled from source at start) plus the client, so operators can run
# `docker compose exec worker npm run status -- --course <uuid>` against the same configuration.
COPY tsconfig.json ./
COPY workflows ./workflows
COPY activities ./activities
COPY workers ./workers
COPY migrations ./migrations
COPY config ./config
COPY client ./client

ENV NODE_ENV=production
# The worker's spool (WORKER_SPOOL_DIR): a named volume mounted here starts with this ownership.
RUN mkdir -p /var/lib/coursegen/spool && chown -R node:node /var/lib/coursegen
USER node
CMD ["npm", "run", "worker"]
