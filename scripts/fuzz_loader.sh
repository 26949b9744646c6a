#!/usr/bin/env bash
# The .wrpn loader+runtime fuzz target, as before: scripts/fuzz_loader.sh [seconds] (default 60)
# is scripts/fuzz.sh model_loader [seconds], which builds and runs every fuzz target.
exec "$(dirname "$0")/fuzz.sh" model_loader "${1:-60}"
