/* outfile.c - temporary file and rename (see outfile.h) */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "outfile.h"
#include "util.h"

int
outfile_open(struct outfile *o, const char *path, mode_t mode)
{
	int fd;

	memset(o, 0, sizeof(*o));
	if (path == NULL) {
		o->fp = stdout;
		return 0;
	}
	o->path = xstrdup(path);
	if (asprintf(&o->tmp, "%s.XXXXXX", path) < 0)
		die_nomem();
	o->failed = o->tmp;
	if ((fd = mkstemp(o->tmp)) < 0)
		return -1;
	o->made = 1;
	if (fchmod(fd, mode) != 0 || (o->fp = fdopen(fd, "w")) == NULL) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	o->failed = NULL;
	return 0;
}

/* fsync the directory of path, so that a rename in it reaches the disk. */
static void
sync_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir = slash == NULL ? xstrdup(".") : slash == path ?
	    xstrdup("/") : xstrndup(path, (size_t)(slash - path));
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	free(dir);
}

int
outfile_commit(struct outfile *o)
{
	FILE *fp = o->fp;
	int e;

	if (o->path == NULL)
		return fflush(o->fp) == 0 ? 0 : -1;
	o->fp = NULL;
	o->failed = o->tmp;
	if (fflush(fp) != 0 || ferror(fp) || fsync(fileno(fp)) != 0) {
		e = errno;
		fclose(fp);
		errno = e;
		return -1;
	}
	if (fclose(fp) != 0)
		return -1;
	o->failed = o->path;
	if (rename(o->tmp, o->path) != 0)
		return -1;
	o->made = 0;
	sync_dir(o->path);
	free(o->tmp);
	free(o->path);
	memset(o, 0, sizeof(*o));
	return 0;
}

void
outfile_abort(struct outfile *o)
{
	int e = errno;

	if (o->path != NULL) {
		if (o->fp != NULL)
			fclose(o->fp);
		if (o->made)
			unlink(o->tmp);
	}
	free(o->tmp);
	free(o->path);
	memset(o, 0, sizeof(*o));
	errno = e;
}
