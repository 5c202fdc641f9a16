#!/bin/sh
# tests/gen-predictions.sh DB PREDICTIONS VOTES_PER_PREDICTION: write
# straight into the store DB with sqlite3 that many predictions, all due by
# 2026-11-22T10:00:00Z (ids p00001 ...; symbols S0-S5, start price 2000),
# their votes (users u000000-u099999, options A-D in turn), and a quote per
# symbol and minute from 09:00 (S0 1985, S1 1992 ... S5 2020).  Used by the
# scale test (t0804) and bench/verify-predictions.sh.
set -eu
db=$1 np=$2 nv=$3
verify-predictions --db "$db" --check
sqlite3 "$db" <<-SQL
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $np)
INSERT INTO predictions (id, symbol, opens_at, verify_at, start_price,
    options, created_at, updated_at)
SELECT printf('p%05d', i), 'S' || (i % 6), '2026-11-22T08:00:00Z',
    printf('2026-11-22T09:%02d:00Z', i % 60), 2000,
    '{"A":"price_change_percent >= 1.0","B":"price_change_percent > 0 AND price_change_percent < 1.0","C":"price_change_percent >= -0.5 AND price_change_percent <= 0","D":"price_change_percent < -0.5"}',
    '2026-11-22T07:00:00Z', '2026-11-22T07:00:00Z' FROM n;
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < $np * $nv - 1)
INSERT INTO votes (prediction_id, user_id, option)
SELECT printf('p%05d', i / $nv + 1), printf('u%06d', (i * 7919) % 100000),
    char(65 + (i % 4)) FROM n;
WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i < 5),
    m(j) AS (SELECT 0 UNION ALL SELECT j + 1 FROM m WHERE j < 59)
INSERT INTO prices SELECT 'S' || i, printf('2026-11-22T09:%02d:00Z', j),
    1985 + i * 7 FROM s, m;
COMMIT;
PRAGMA wal_checkpoint(TRUNCATE);
SQL
