#!/usr/bin/env bash
# Compares kqlite with DuckDB, DataFusion (Python, hand-written SQL) and chDB (ClickHouse's Kusto
# dialect) on the hunting pack, at 1M and 10M DataSecurityEvents rows (plus the other tables).
#
#   benches/compare/run.sh [ROWS...]        # default: 1000000 10000000
#
# Environment: RUNS (runs per hunt and engine, default 3), DATA (where generated exports go,
# default benches/compare/data), CARGO_TARGET_DIR (where the release build goes).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
runs="${RUNS:-3}"
data="${DATA:-$here/data}"
target="${CARGO_TARGET_DIR:-$root/target}"
sizes=("$@")
[ ${#sizes[@]} -eq 0 ] && sizes=(1000000 10000000)

# Setup: a local virtual environment with the engines compared against.
if [ ! -x "$here/.venv/bin/python" ]; then
    python3 -m venv "$here/.venv"
    "$here/.venv/bin/pip" install --quiet duckdb==2.0.0 datafusion==55.0.0 chdb==4.4.0 pyarrow pytz
fi
"$here/.venv/bin/python" -c "import duckdb, datafusion, chdb; print('duckdb', duckdb.__version__, '| datafusion', datafusion.__version__, '| chdb', chdb.__version__)"

(cd "$root" && CARGO_TARGET_DIR="$target" cargo build --release -p kqlite-cli)
kqlite="$target/release/kqlite"

for rows in "${sizes[@]}"; do
    # Scale 1 is 1,688 background DataSecurityEvents.
    scale=$(( (rows + 1687) / 1688 ))
    out="$data/rows-$rows"
    if [ ! -f "$out/truth.json" ] || ! grep -q "\"scale\": $scale," "$out/truth.json"; then
        /usr/bin/time -f "generate: %e s, %M KiB peak" "$kqlite" generate --out "$out" --seed 42 --scale "$scale"
    fi
    echo "== $rows rows (scale $scale), $runs runs per hunt"
    "$here/.venv/bin/python" "$here/compare.py" --data "$out" --kqlite "$kqlite" --runs "$runs" \
        --json "$here/results-$rows.json"
done
