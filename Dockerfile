# Mailcove image. The build stage installs every dependency and builds the server bundle (dist/) and the web UI
# (web/dist); the runtime stage holds production dependencies and those two builds only, and runs as a non-root user.
FROM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY server ./server
COPY web ./web
RUN npm run build:server && npm run build:web

FROM node:20-slim
ENV NODE_ENV=production \
    MAILCOVE_SMTP=0.0.0.0:1025 \
    MAILCOVE_HTTP=0.0.0.0:8025 \
    MAILCOVE_POP3=0.0.0.0:1110 \
    MAILCOVE_DATA=/data
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# With web/dist/index.html present the server serves it and never rebuilds the UI.
COPY --from=build /app/web/dist ./web/dist
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME /data
EXPOSE 1025 8025 1110
# /readyz is open even with --ui-auth-file; the port follows MAILCOVE_HTTP.
HEALTHCHECK --interval=10s --timeout=3s --start-period=15s --retries=3 \
  CMD node -e "const p=(process.env.MAILCOVE_HTTP||':8025').split(':').pop();fetch('http://127.0.0.1:'+p+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# The same node flags as `npm start`. The subcommand is the argument, so the image runs the others too:
#   docker run --rm -v mailcove-data:/data mailcove export --data /data /data/export
ENTRYPOINT ["node", "--no-allocation-site-pretenuring", "--max-semi-space-size=4", "dist/mailcove.mjs"]
CMD ["serve"]
