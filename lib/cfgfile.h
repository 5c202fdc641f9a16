/*
 * cfgfile.h - classify's line-oriented files (rules, name lists, tracked
 * companies, models): read line by line, blank lines and "#" comments
 * skipped, each line trimmed of blanks at both ends.
 *
 * Ownership: cfgfile_open opens the file, cfgfile_close closes it and
 * frees the line buffer; the line cfgfile_next returns is the reader's,
 * valid until the next call, and may be changed in place.
 */
#ifndef JOBLINE_CFGFILE_H
#define JOBLINE_CFGFILE_H

#include <stdio.h>

/* What loading one of classify's files gave: the callers' exit status
 * follows from it (a file that cannot be read, or one that is bad). */
enum {
	CFG_OK = 0,		/* read */
	CFG_BAD = -1,		/* read, and refused: its error says where */
	CFG_UNREADABLE = -2	/* could not be opened or read */
};

struct cfgfile {
	FILE *fp;		/* the file; owned */
	char *line;		/* the current line; owned */
	size_t cap;		/* allocated for line */
	unsigned long lineno;	/* number of the current line, from 1 */
	int bad_utf8;		/* the current line is not valid UTF-8 */
};

/* Open path: 0, or -1 with errno. */
int cfgfile_open(struct cfgfile *f, const char *path);

/* The next line that is neither blank nor a comment, trimmed, or NULL
 * at the end of the file (or on a read error: ferror(f->fp)).  A line
 * that is not valid UTF-8 is returned with f->bad_utf8 set. */
char *cfgfile_next(struct cfgfile *f);

void cfgfile_close(struct cfgfile *f);

/* s without the blanks (spaces, tabs, CR, LF) at its ends, in place. */
char *cfg_trim(char *s);

#endif
