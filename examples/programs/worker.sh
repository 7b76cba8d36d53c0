#!/bin/sh
# A demo worker: greets, then reports a heartbeat every few seconds.
echo "worker $1: $GREETING (pid $$)"
n=0
while true; do
  n=$((n + 1))
  echo "worker $1: heartbeat $n"
  sleep 5
done
