#!/bin/sh
# Builds the C driver when its binary is missing or older than its source, then runs it in place of this shell.
set -e
here=$(cd "$(dirname "$0")" && pwd)
binary="$here/.build/driver"
if [ ! -x "$binary" ] || [ "$here/driver.c" -nt "$binary" ]; then
    mkdir -p "$here/.build"
    temporary="$binary.$$"
    cc -O2 -Wall -Wextra -o "$temporary" "$here/driver.c" -lpthread
    mv -f "$temporary" "$binary"
fi
exec "$binary" "$@"
