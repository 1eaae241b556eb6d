# Mailcove image: dependencies are installed in a build stage; the runtime stage runs as a non-root user.
FROM node:20-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM node:20-slim
ENV NODE_ENV=production \
    MAILCOVE_SMTP=0.0.0.0:1025 \
    MAILCOVE_HTTP=0.0.0.0:8025 \
    MAILCOVE_POP3=0.0.0.0:1110 \
    MAILCOVE_DATA=/data
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json tsconfig.json ./
COPY server ./server
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME /data
EXPOSE 1025 8025 1110
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s \
  CMD node -e "fetch('http://127.0.0.1:8025/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "--import", "tsx", "server/main.ts"]
