/* db_pg.c - the PostgreSQL store (to come: issue 17) */
#include <err.h>

#include "dbimpl.h"
#include "util.h"

struct db *
db_pg_open(char *name, int flags)
{
	(void)flags;
	errx(EXIT_FATAL, "%s: this jobline has no PostgreSQL store", name);
}

struct pg_conn *
db_pg(struct db *db)
{
	(void)db;
	return NULL;
}
