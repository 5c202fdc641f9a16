/*
 * cond.h - the condition language of prediction options.
 *
 * A condition compares the variables of a resolved price with numbers:
 *
 *	price_change_percent >= -0.5 AND NOT (price_change_percent > 0)
 *
 * Grammar (keywords in any case; no arithmetic, no functions):
 *
 *	expr    = and { OR and }
 *	and     = not { AND not }
 *	not     = NOT not | "(" expr ")" | operand CMP operand
 *	operand = NUMBER | VARIABLE
 *	CMP     = "<" | "<=" | ">" | ">=" | "==" | "!="
 *	NUMBER  = ["-"] digits ["." [digits]] [("e"|"E") ["+"|"-"] digits]
 *	          (or "." digits), finite
 *	VARIABLE= price_change_percent | price_change | price | start_price
 *
 * A condition is compiled once into a small postfix program and evaluated
 * with a fixed-size stack: no recursion at evaluation, parsing recursion
 * bounded by COND_MAX_DEPTH, text bounded by COND_MAX_LEN.  Nothing here
 * reaches a shell or SQL.
 *
 * Ownership: cond_parse returns a new program the caller frees with
 * cond_free (which accepts NULL).  Error messages go into the caller's
 * buffer.  cond_eval allocates nothing and may be called from several
 * threads at once on the same program.
 */
#ifndef JOBLINE_COND_H
#define JOBLINE_COND_H

#include <stddef.h>
#include <json-c/json.h>

#define COND_MAX_LEN   4096	/* bytes of condition text */
#define COND_MAX_DEPTH 32	/* nesting of NOT and parentheses */
#define COND_ERRSZ     160	/* room for any message of cond_parse */

/* The values a condition can name. */
struct cond_vars {
	double price;			/* end price */
	double start_price;		/* price when the prediction opened */
	double price_change;		/* price - start_price */
	double price_change_percent;	/* price_change / start_price * 100 */
};

struct cond;

/*
 * Compile src.  On error returns NULL and writes "column N: reason" into
 * err (errsz bytes, COND_ERRSZ is always enough); N counts bytes from 1.
 */
struct cond *cond_parse(const char *src, char *err, size_t errsz);

/* 1 when the condition holds for v, else 0. */
int cond_eval(const struct cond *c, const struct cond_vars *v);

void cond_free(struct cond *c);

/*
 * Check a prediction's options: a non-empty object of label: condition,
 * labels of 1 to 64 bytes, every condition a string that compiles (in
 * manual mode a condition may also be empty or null).  Returns 0, or -1
 * with the first problem in err ("option B: column 3: ...").
 */
int cond_options_check(json_object *opts, int manual, char *err,
    size_t errsz);

/* Room for any reason of cond_options_pick. */
#define COND_REASONSZ 512

/*
 * The one option of opts that holds at v: its label (owned by opts), or
 * NULL with the reason in reason (COND_REASONSZ bytes): the options are
 * not an object or are empty, a condition does not compile ("option B:
 * column 3: ..."), none holds, or several do (their labels listed, cut
 * short with "..." past the room).
 */
const char *cond_options_pick(json_object *opts, const struct cond_vars *v,
    char *reason);

/*
 * Fill v from a start and an end price: price_change and
 * price_change_percent are rounded to 10 significant digits, so that a
 * change of exactly 1 percent compares equal to 1.0 despite binary
 * fractions.  Returns -1 when start is not a positive finite number or
 * end is not finite, else 0.
 */
int cond_vars_set(struct cond_vars *v, double start, double end);

#endif
