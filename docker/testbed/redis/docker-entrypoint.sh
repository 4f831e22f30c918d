#!/bin/sh
case "${1:-}" in
  -*|*.conf) set -- redis-server "$@" ;;
esac
exec "$@"
