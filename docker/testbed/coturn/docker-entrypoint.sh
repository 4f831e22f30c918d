#!/bin/sh
# Same contract as the official image's entrypoint: options alone mean "turnserver with these options".
case "${1:-}" in
  -*) set -- turnserver "$@" ;;
esac
exec "$@"
