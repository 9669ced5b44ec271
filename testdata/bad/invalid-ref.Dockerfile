FROM golang:1.23 AS build
RUN go build -o /app .

FROM Alpine:3.20
COPY --from=build /app /app
