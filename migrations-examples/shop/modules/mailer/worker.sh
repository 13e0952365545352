#!/bin/sh
# The shop's mailer worker: any program can be a module (docs/out-of-process.md).
# modkit gives it MODKIT_MODULE_NAME, MODKIT_INSTANCE_ID and MODKIT_MODULE_CONFIG
# ({"config":{...},"database":{"module":{"dsn":"..."}}}); plain lines are its log,
# JSON lines its events, and {"event":"ready"} tells modkit it is up.
set -eu

stopping=false
trap 'stopping=true' TERM INT

echo "mailer worker starting (instance $MODKIT_INSTANCE_ID)"
echo '{"event":"ready"}'
echo '{"event":"outbox","pending":0}'

# A real worker would poll the outbox here. `wait` returns as soon as a signal comes.
while [ "$stopping" = false ]; do sleep 1 & wait $! || true; done
echo "mailer worker: outbox flushed, bye"
