/*
 * ftsexpr.h - a user's query as FTS5 query expressions.  The query's
 * words are runs of characters that are neither whitespace nor ASCII
 * punctuation; each is written as an FTS5 string ("word"), so that FTS5
 * syntax in the query ("AND", "NEAR(", '*', '-', quotes) is only ever
 * words and an expression is never an FTS5 syntax error.
 *
 * Ownership: each function returns a string the caller frees, or NULL.
 */
#ifndef JOBLINE_FTSEXPR_H
#define JOBLINE_FTSEXPR_H

/* Any of the query's words: "a" OR "b" OR ...; NULL when it has none. */
char *ftsexpr_words(const char *q);

/* Any of its neighbouring words near each other (at most two words
 * apart, in either order): NEAR("a" "b", 2) OR NEAR("b" "c", 2) OR ...;
 * the neighbours once the common English words are left out, unless
 * that leaves fewer than two.  NULL when the query has fewer than two
 * words. */
char *ftsexpr_pairs(const char *q);

#endif
