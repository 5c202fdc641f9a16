/* joblock.c - the lock file of a run-job job, and job names */
#define _GNU_SOURCE
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "db.h"
#include "dbstmt.h"
#include "joblock.h"
#include "sig.h"
#include "utf8.h"
#include "util.h"

const char *
job_name_invalid(const char *name)
{
	size_t n = strlen(name);

	if (n == 0)
		return "empty job name";
	if (n > JOB_NAME_MAX)
		return "job name longer than 128 bytes";
	if (name[0] == '-')
		return "job name starts with '-'";
	if (utf8_check(name, n) != n)
		return "job name is not UTF-8";
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
			return "job name has a control character";
	return NULL;
}

/* This machine's directory for the locks of a store that is not a file. */
static char *
local_lock_dir(void)
{
	const char *state = getenv("XDG_STATE_HOME");
	const char *home = getenv("HOME");
	char *dir;

	if (state != NULL && *state == '/') {
		if (asprintf(&dir, "%s/jobline/locks", state) < 0)
			die_nomem();
	} else if (home != NULL && *home != '\0') {
		if (asprintf(&dir, "%s/.local/state/jobline/locks", home) < 0)
			die_nomem();
	} else {
		dir = xstrdup("/tmp/jobline-locks");
	}
	return dir;
}

char *
job_lock_dir(const char *store_path)
{
	const char *slash = strrchr(store_path, '/');
	char *dir;

	if (strncmp(store_path, "postgresql://", 13) == 0 ||
	    strncmp(store_path, "postgres://", 11) == 0)
		dir = local_lock_dir();
	else if (slash == NULL)
		dir = xstrdup("locks");
	else if (asprintf(&dir, "%.*s/locks", (int)(slash - store_path),
	    store_path) < 0)
		die_nomem();
	return dir;
}

char *
job_lock_path(const char *store_path, const char *name)
{
	char *dir = job_lock_dir(store_path);
	char *safe = xstrdup(name), *path;
	uint32_t h = 2166136261u;	/* FNV-1a */
	int changed = name[0] == '.';

	for (char *p = safe; *p; p++) {
		unsigned char c = (unsigned char)*p;

		h = (h ^ c) * 16777619u;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		    c == '-')) {
			*p = '_';
			changed = 1;
		}
	}
	if (changed) {
		if (asprintf(&path, "%s/%s-%08x.lock", dir, safe,
		    (unsigned)h) < 0)
			die_nomem();
	} else if (asprintf(&path, "%s/%s.lock", dir, safe) < 0)
		die_nomem();
	free(safe);
	free(dir);
	return path;
}

int
job_lock_held(const char *store_path, const char *name)
{
	char *path = job_lock_path(store_path, name);
	int fd, held;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	free(path);
	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	if (flock(fd, LOCK_SH | LOCK_NB) == 0)
		held = 0;
	else
		held = errno == EWOULDBLOCK ? 1 : -1;
	close(fd);
	return held;
}

int
job_lock_take(const char *store_path, const char *name, int wait, int *fd,
    long *holder)
{
	char *dir = job_lock_dir(store_path);
	char *path = job_lock_path(store_path, name);
	char buf[32];
	ssize_t n;
	int got = 1;

	*holder = 0;
	/* the directory and, for a local one, its parents */
	for (char *p = dir + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0700) != 0 && errno != EEXIST)
			err(EXIT_FATAL, "%s", dir);
		*p = '/';
	}
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		err(EXIT_FATAL, "%s", dir);
	*fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600);
	if (*fd < 0)
		err(EXIT_FATAL, "%s", path);
	while (flock(*fd, LOCK_EX | (wait ? 0 : LOCK_NB)) != 0) {
		if (errno == EINTR && !sig_caught)
			continue;
		if (errno == EINTR) {
			got = -1;	/* waited; nothing ran */
			goto out;
		}
		if (errno != EWOULDBLOCK)
			err(EXIT_FATAL, "%s", path);
		if ((n = pread(*fd, buf, sizeof(buf) - 1, 0)) > 0) {
			buf[n] = '\0';
			*holder = strtol(buf, NULL, 10);
		}
		got = 0;
		goto out;
	}
	n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (ftruncate(*fd, 0) != 0 || pwrite(*fd, buf, (size_t)n, 0) != n)
		warn("%s", path);
out:
	if (got != 1) {
		close(*fd);
		*fd = -1;
	}
	free(dir);
	free(path);
	return got;
}

/* the advisory lock's keys: jobline's run-job class, a 31-bit name hash */
#define JOB_LOCK_CLASS 0x6a6f62	/* "job" */

static int64_t
job_lock_key(const char *name)
{
	uint32_t h = 2166136261u;	/* FNV-1a */

	for (const char *p = name; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	return (int64_t)(h & 0x7fffffffu);
}

static int
pg_try_lock(struct db *db, const char *name)
{
	struct db_stmt *st = db_prepare(db, "SELECT CASE WHEN "
	    "pg_try_advisory_lock(?1::int4, ?2::int4) THEN 1 ELSE 0 END");
	int got;

	db_bind_int(st, 1, JOB_LOCK_CLASS);
	db_bind_int(st, 2, job_lock_key(name));
	if (db_step(st) != DB_ROW)
		errx(EXIT_FATAL, "%s: cannot take the lock of %s", db_name(db),
		    name);
	got = (int)db_column_int(st, 0);
	db_finalize(st);
	return got;
}

int
job_lock_take_db(struct db *db, const char *name, int wait, int *fd,
    long *holder)
{
	if (db_kind(db) != DB_POSTGRES)
		return job_lock_take(db_name(db), name, wait, fd, holder);
	*fd = -1;
	*holder = 0;
	while (!pg_try_lock(db, name)) {
		if (!wait)
			return 0;
		if (sig_caught)
			return -1;	/* waited; nothing ran */
		usleep(100000);
	}
	return 1;
}

int
job_lock_held_db(struct db *db, const char *name)
{
	struct db_stmt *st;
	int held;

	if (db_kind(db) != DB_POSTGRES)
		return job_lock_held(db_name(db), name);
	st = db_prepare(db, "SELECT count(*) FROM pg_locks "
	    "WHERE locktype = 'advisory' AND granted AND objsubid = 2 "
	    "AND database = (SELECT oid FROM pg_database "
	    "WHERE datname = current_database()) "
	    "AND classid = (?1::int4)::oid AND objid = (?2::int4)::oid");
	db_bind_int(st, 1, JOB_LOCK_CLASS);
	db_bind_int(st, 2, job_lock_key(name));
	held = db_step(st) == DB_ROW ? db_column_int(st, 0) > 0 : -1;
	db_finalize(st);
	return held;
}
