# Global ARGs: the defaults FROM reads.
ARG BASE=alpine:3.19
ARG PY_VERSION=3.12
ARG REGISTRY=ghcr.io/acme
ARG SHARED=node:20
ARG NOTAG=busybox
ARG TARGETARCH
ARG QUOTED="postgres:16"

FROM ${BASE} AS base
FROM python:${PY_VERSION}-slim AS py
FROM $REGISTRY/app:${TAG:-v1.2} AS app
FROM ${SHARED} AS web1
FROM $SHARED AS web2
FROM ${NOTAG} AS notag
FROM golang:1.22-${TARGETARCH} AS arch
FROM ${UNDECLARED:-redis:7} AS fallback
FROM ${REGISTRY:+docker.io/library/}nginx:1.25 AS alt
FROM $QUOTED AS quoted
FROM ${BASE2:?missing} AS unsupported

FROM base
ARG TOOLS=ghcr.io/acme/tools:v3
ARG REGISTRY
RUN --mount=type=bind,from=${TOOLS},target=/t /t/run
RUN --mount=type=bind,from=${REGISTRY}/helper:v1,target=/h /h/run
COPY --from=$TOOLS /a /a
