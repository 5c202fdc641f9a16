/*
 * schema.h - the store's schema, as numbered migrations (lib/schema.c).
 *
 * A store at version v-1 is taken to v by running schema_sql(v); db_open
 * runs the steps a store lacks.  Nothing here allocates or touches a
 * store.
 */
#ifndef JOBLINE_SCHEMA_H
#define JOBLINE_SCHEMA_H

/* The schema version this build migrates to. */
int schema_version(void);

/* The SQL of migration step v, 1 <= v <= schema_version(). */
const char *schema_sql(int v);

/*
 * Non-zero when name is a table (or virtual table, or one of a virtual
 * table's shadow tables) the schema creates, or one of SQLite's own: a
 * name generic records may not use.  Read from
 * the migrations themselves, so it never drifts from them.
 */
int schema_reserved(const char *name);

/*
 * The PostgreSQL store's schema (lib/schema_pg.c): the same tables and
 * columns in PostgreSQL's terms, numbered on their own.
 */
int schema_pg_version(void);
const char *schema_pg_sql(int v);

#endif
