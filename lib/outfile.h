/*
 * outfile.h - files that others read (a report, a model), written to a
 * temporary file beside their path and renamed into place, so that a
 * reader sees the old file or the new one, never a part: flushed and
 * fsync(2)ed before the rename, the directory fsync(2)ed after it.
 *
 * Ownership: struct outfile is the caller's; outfile_open gives it a
 * stream and names that it owns until outfile_commit succeeds or
 * outfile_abort is called.  After a failure (-1), o->failed names what
 * failed until outfile_abort, which the caller then calls.
 */
#ifndef JOBLINE_OUTFILE_H
#define JOBLINE_OUTFILE_H

#include <stdio.h>
#include <sys/types.h>

/* A file being written. */
struct outfile {
	FILE *fp;		/* the stream to write */
	char *path;		/* its final path, or NULL for stdout */
	char *tmp;		/* the temporary file beside it */
	int made;		/* the temporary file exists */
	const char *failed;	/* after a failure: the name that failed */
};

/*
 * Open a temporary file beside path with mode (as given: no umask), or
 * stdout when path is NULL.  Returns 0, or -1 with errno and o->failed
 * set.
 */
int outfile_open(struct outfile *o, const char *path, mode_t mode);

/*
 * Flush, sync and rename into place (stdout: flush only).  Returns 0, or
 * -1 with errno and o->failed set.
 */
int outfile_commit(struct outfile *o);

/* Give up (or clean up after a failure): the temporary file closed and
 * removed, nothing renamed, the names freed. */
void outfile_abort(struct outfile *o);

#endif
