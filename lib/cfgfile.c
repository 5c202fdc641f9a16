/* cfgfile.c - classify's line-oriented files: see cfgfile.h */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfgfile.h"
#include "utf8.h"

int
cfgfile_open(struct cfgfile *f, const char *path)
{
	memset(f, 0, sizeof(*f));
	return (f->fp = fopen(path, "r")) == NULL ? -1 : 0;
}

char *
cfgfile_next(struct cfgfile *f)
{
	ssize_t n;

	while ((n = getline(&f->line, &f->cap, f->fp)) >= 0) {
		char *s;

		f->lineno++;
		f->bad_utf8 = utf8_check(f->line, (size_t)n) != (size_t)n;
		s = cfg_trim(f->line);
		if (f->bad_utf8 || (*s != '\0' && *s != '#'))
			return s;
	}
	return NULL;
}

void
cfgfile_close(struct cfgfile *f)
{
	free(f->line);
	if (f->fp)
		fclose(f->fp);
	memset(f, 0, sizeof(*f));
}

char *
cfg_trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' ||
	    e[-1] == '\n'))
		*--e = '\0';
	return s;
}
