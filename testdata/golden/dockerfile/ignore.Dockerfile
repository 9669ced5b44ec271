# pin:ignore
FROM localhost:5000/dev/base:latest AS base
# pin:ignore vendored by hand
COPY --from=nginx:1.25 /a /a

# pin:ignore
RUN --mount=type=bind,from=busybox:1.36,target=/b true
FROM alpine:3.20
