# syntax=docker/dockerfile:1
FROM debian:bookworm-slim
RUN <<EOF
FROM alpine:3.19
COPY --from=nginx:latest / /
echo "not instructions"
EOF
COPY <<-EOT /etc/motd
	FROM busybox:1.36
	EOT
RUN --mount=type=bind,from=golang:1.22,source=/usr/local/go,target=/go <<SCRIPT
FROM ignored:1
/go/bin/go version
SCRIPT
FROM debian:bookworm-slim AS final
