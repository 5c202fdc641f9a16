/*
 * schema_pg.c - the PostgreSQL store's schema, as migrations (see
 * lib/schema.c for the SQLite store's, which this one follows table by
 * table; man/jobline.5 documents both and their differences).
 */
#include <stddef.h>

#include "schema.h"

static const char *const migrations[] = {
	/* 1: to come with the tables' PostgreSQL SQL */
	"SELECT 1",
};

int
schema_pg_version(void)
{
	return (int)(sizeof(migrations) / sizeof(migrations[0]));
}

const char *
schema_pg_sql(int v)
{
	return migrations[v - 1];
}
