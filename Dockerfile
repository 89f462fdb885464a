# Heard: a small multi-stage image that runs as a non-root user.
FROM rust:1-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends libpq-dev pkg-config && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
# Build settings (the bundled SQLite's compile flags) live in .cargo/config.toml.
COPY .cargo ./.cargo
COPY src ./src
COPY migrations ./migrations
COPY templates ./templates
COPY benches ./benches
# Dependencies change less often than the code: a cached layer for them would need a dummy
# src; kept simple here, as CI builds from a clean clone anyway.
RUN cargo build --release --locked --bin heard && strip target/release/heard

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends libpq5 ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home /var/lib/heard --create-home heard
COPY --from=build /src/target/release/heard /usr/local/bin/heard
USER heard
WORKDIR /var/lib/heard
ENV HEARD_BIND=0.0.0.0:8080 \
    HEARD_MAIL_DIR=/var/lib/heard/mail \
    DATABASE_URL=sqlite:///var/lib/heard/heard.db \
    HEARD_LOG_FORMAT=json
EXPOSE 8080
VOLUME ["/var/lib/heard"]
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s CMD curl -fsS http://127.0.0.1:8080/readyz || exit 1
STOPSIGNAL SIGTERM
ENTRYPOINT ["heard"]
CMD ["serve"]
