# Sourced by the service benchmarks. With BENCH_POSTGRES_ADMIN_URL (a superuser URL to the `postgres` database) and
# BENCH_PGBOUNCER_URL (the same cluster through PgBouncer, database `postgres`), `bench_database` creates a fresh
# database for each server start and exports DATABASE_URL pointing at it through PgBouncer; without them, SQLite
# in the run's data directory. `scripts/test-services.sh` prints suitable URLs (ARAGORA_TEST_POSTGRES_URL and
# ARAGORA_TEST_PGBOUNCER_URL).
bench_database() {
  unset DATABASE_URL
  [ -n "${BENCH_POSTGRES_ADMIN_URL:-}" ] || { BENCH_DB_LABEL="SQLite"; return; }
  local name="aragora_bench_$(date +%s%N | tail -c 10)"
  psql "${BENCH_POSTGRES_ADMIN_URL%%\?*}" -qc "CREATE DATABASE $name" >/dev/null
  export DATABASE_URL="${BENCH_PGBOUNCER_URL/\/postgres\?//$name?}"
  BENCH_DB_LABEL="PostgreSQL through PgBouncer"
}
