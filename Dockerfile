# seniorbot as a container: a static, pure-Go binary (CGO_ENABLED=0; the
# SQLite driver is modernc.org/sqlite) on distroless/static, which carries
# the CA certificates TLS needs. Time zone data is built into the binary.
#
#   docker build --build-arg VERSION=$(git describe --always) -t seniorbot .
#   docker run -d --name seniorbot \
#     -v seniorbot-data:/var/lib/seniorbot \
#     -v /etc/seniorbot/seniorbot.toml:/etc/seniorbot/seniorbot.toml:ro \
#     -e SENIORBOT_IMAP_PASSWORD -e SENIORBOT_SMTP_PASSWORD \
#     seniorbot
#   docker exec seniorbot seniorbot check      # or backup, purge, list, …
#
# The config's [storage] path must lie in the volume, e.g.
# /var/lib/seniorbot/seniorbot.db.

FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -buildvcs=false \
      -ldflags "-s -w -X main.version=${VERSION}" \
      -o /out/seniorbot ./cmd/seniorbot \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/seniorbot /usr/local/bin/seniorbot
# The state folder, owned by distroless's nonroot user (65532) so a fresh
# named volume is writable. If you switch to FROM scratch, also copy
# /etc/ssl/certs/ca-certificates.crt from the build stage.
COPY --from=build --chown=65532:65532 /out/data /var/lib/seniorbot
USER nonroot:nonroot
WORKDIR /var/lib/seniorbot
VOLUME ["/var/lib/seniorbot"]
ENV SENIORBOT_CONFIG=/etc/seniorbot/seniorbot.toml
# Logs go to stderr; pass --log-format json for a log collector.
ENTRYPOINT ["/usr/local/bin/seniorbot"]
CMD ["run"]
