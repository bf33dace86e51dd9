# syntax=docker/dockerfile:1
# scanpay: static binary on distroless (nonroot, uid 65532).

FROM golang:1.26-bookworm AS build
WORKDIR /src
# Module downloads get their own layer: it is rebuilt only when go.mod/go.sum change.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o /out/scanpay . \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/scanpay /scanpay
# Embedded mode (no MYSQL_DSN) keeps its SQLite file here; owned by the nonroot user.
COPY --from=build --chown=65532:65532 /out/data /data
ENV HTTP_ADDR=0.0.0.0:8080 \
    DEMO_SEED=false \
    DATA_DIR=/data
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["/scanpay"]
CMD ["all"]
