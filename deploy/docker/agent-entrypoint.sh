#!/bin/sh
# Starts swtpm (manufactured once, state kept in its volume), then the push agent in the foreground.
set -eu
STATE=/var/lib/swtpm-state
if [ ! -f "$STATE/tpm2-00.permall" ]; then
  swtpm_setup --tpm2 --tpmstate "$STATE" --createek --decryption --create-ek-cert \
    --pcr-banks sha1,sha256 --overwrite >/dev/null
fi
swtpm socket --tpm2 --tpmstate dir="$STATE" \
  --server type=tcp,port=2321,bindaddr=127.0.0.1 --ctrl type=tcp,port=2322,bindaddr=127.0.0.1 \
  --flags not-need-init,startup-clear &
SWTPM_PID=$!
trap 'kill "$SWTPM_PID" 2>/dev/null || true' EXIT INT TERM
/usr/lib/keylime-dotnet/agent/keylime_push_model_agent "$@"
