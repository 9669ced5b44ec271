FROM \
    --platform=linux/amd64 \
    python:3.12-slim \
    AS base

RUN apt-get update \
# a comment between continuation lines
    && apt-get install -y curl \

    && rm -rf /var/lib/apt/lists/*

COPY \
  # the image to copy from:
  --from=quay.io/prometheus/busybox:latest \
  /bin/busybox /bin/busybox

RUN --mount=type=bind,from=redis:7.2,source=/usr/local/bin,target=/r \
    ls /r
