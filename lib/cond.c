/* cond.c - the condition language of prediction options; see cond.h */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cond.h"
#include "util.h"

/* Values on the evaluation stack; the parser refuses deeper programs. */
#define COND_STACK 72
/* Longest number literal read. */
#define NUM_MAX 64

enum tok_kind { T_END, T_NUM, T_VAR, T_CMP, T_AND, T_OR, T_NOT, T_LP, T_RP };
enum cmp_op { C_LT, C_LE, C_GT, C_GE, C_EQ, C_NE };
enum insn_op { I_CMP, I_AND, I_OR, I_NOT };
enum var_id { V_NONE = -1, V_PRICE, V_START, V_CHANGE, V_PERCENT };

static const char *const var_names[] = { "price", "start_price",
    "price_change", "price_change_percent" };

/* One operand of a comparison: a variable or a number. */
struct operand {
	int var;		/* enum var_id, V_NONE for a number */
	double num;		/* the number when var is V_NONE */
};

/* One instruction of the postfix program. */
struct insn {
	int op;			/* enum insn_op */
	int cmp;		/* I_CMP: enum cmp_op */
	struct operand a, b;	/* I_CMP: left and right */
};

struct cond {
	struct insn *code;	/* the program, postfix */
	size_t n;		/* instructions in code */
};

/* The parser's state. */
struct parser {
	const char *src;	/* condition text */
	size_t pos;		/* offset of the next unread byte */
	int kind;		/* current token: enum tok_kind */
	size_t tpos;		/* its offset */
	size_t tlen;		/* its length */
	int cmp;		/* T_CMP: enum cmp_op */
	struct operand val;	/* T_NUM, T_VAR: its value */
	int depth;		/* nesting of NOT and parentheses */
	int stack, max_stack;	/* simulated evaluation stack */
	struct cond *c;		/* program being built */
	size_t cap;		/* room in c->code */
	char *err;		/* caller's message buffer */
	size_t errsz;		/* its size */
	int failed;		/* a message is in err */
};

static void
fail(struct parser *p, size_t pos, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (p->failed)
		return;
	p->failed = 1;
	if (p->errsz == 0)
		return;
	n = snprintf(p->err, p->errsz, "column %zu: ", pos + 1);
	if (n < 0 || (size_t)n >= p->errsz)
		return;
	va_start(ap, fmt);
	vsnprintf(p->err + n, p->errsz - (size_t)n, fmt, ap);
	va_end(ap);
}

/* The current token, quoted for a message, into buf. */
static const char *
tok_text(struct parser *p, char *buf, size_t n)
{
	size_t len = p->tlen;

	if (p->kind == T_END)
		return "end of condition";
	if (len > 24)
		len = 24;
	snprintf(buf, n, "'%.*s%s'", (int)len, p->src + p->tpos,
	    len < p->tlen ? "..." : "");
	return buf;
}

static int
is_ident(int ch)
{
	return isalnum((unsigned char)ch) || ch == '_';
}

/* Read a number at p->pos (a digit, '.' or '-' is there). */
static void
lex_number(struct parser *p)
{
	const char *s = p->src;
	size_t i = p->pos, digits = 0;
	char buf[NUM_MAX + 1];
	double v;

	if (s[i] == '-')
		i++;
	while (isdigit((unsigned char)s[i]))
		i++, digits++;
	if (s[i] == '.') {
		i++;
		while (isdigit((unsigned char)s[i]))
			i++, digits++;
	}
	if (digits == 0) {
		fail(p, p->pos, "malformed number");
		return;
	}
	if (s[i] == 'e' || s[i] == 'E') {
		size_t e = ++i;

		if (s[i] == '+' || s[i] == '-')
			i++, e++;
		while (isdigit((unsigned char)s[i]))
			i++;
		if (i == e) {
			fail(p, p->pos, "malformed number");
			return;
		}
	}
	if (is_ident(s[i]) || s[i] == '.') {
		fail(p, p->pos, "malformed number");
		return;
	}
	if (i - p->pos > NUM_MAX) {
		fail(p, p->pos, "number too long");
		return;
	}
	memcpy(buf, s + p->pos, i - p->pos);
	buf[i - p->pos] = '\0';
	v = strtod(buf, NULL);
	if (!isfinite(v)) {
		fail(p, p->pos, "number out of range");
		return;
	}
	p->kind = T_NUM;
	p->val.var = V_NONE;
	p->val.num = v;
	p->tlen = i - p->pos;
	p->pos = i;
}

static void
lex_word(struct parser *p)
{
	const char *w = p->src + p->pos;
	size_t n = 0;

	while (is_ident(w[n]))
		n++;
	p->tlen = n;
	p->pos += n;
	if (n == 3 && strncasecmp(w, "and", 3) == 0) {
		p->kind = T_AND;
		return;
	}
	if (n == 2 && strncasecmp(w, "or", 2) == 0) {
		p->kind = T_OR;
		return;
	}
	if (n == 3 && strncasecmp(w, "not", 3) == 0) {
		p->kind = T_NOT;
		return;
	}
	for (int i = 0; i < (int)(sizeof(var_names) / sizeof(*var_names));
	    i++) {
		if (strlen(var_names[i]) == n &&
		    strncmp(w, var_names[i], n) == 0) {
			p->kind = T_VAR;
			p->val.var = i;
			p->val.num = 0;
			return;
		}
	}
	fail(p, p->tpos, "unknown name '%.*s%s' (the variables are "
	    "price_change_percent, price_change, price, start_price)",
	    (int)(n > 32 ? 32 : n), w, n > 32 ? "..." : "");
}

/* Read the next token into p. */
static void
lex(struct parser *p)
{
	const char *s = p->src;
	int ch;

	if (p->failed)
		return;
	while (s[p->pos] == ' ' || s[p->pos] == '\t' || s[p->pos] == '\n' ||
	    s[p->pos] == '\r')
		p->pos++;
	p->tpos = p->pos;
	p->tlen = 1;
	ch = (unsigned char)s[p->pos];
	if (ch == '\0') {
		p->kind = T_END;
		p->tlen = 0;
		return;
	}
	if (isdigit(ch) || ch == '.' ||
	    (ch == '-' && (isdigit((unsigned char)s[p->pos + 1]) ||
	    s[p->pos + 1] == '.'))) {
		lex_number(p);
		return;
	}
	if (isalpha(ch) || ch == '_') {
		lex_word(p);
		return;
	}
	p->pos++;
	switch (ch) {
	case '(':
		p->kind = T_LP;
		return;
	case ')':
		p->kind = T_RP;
		return;
	case '<':
	case '>':
		p->kind = T_CMP;
		if (s[p->pos] == '=') {
			p->pos++;
			p->tlen = 2;
			p->cmp = ch == '<' ? C_LE : C_GE;
		} else
			p->cmp = ch == '<' ? C_LT : C_GT;
		return;
	case '=':
	case '!':
		if (s[p->pos] == '=') {
			p->pos++;
			p->tlen = 2;
			p->kind = T_CMP;
			p->cmp = ch == '=' ? C_EQ : C_NE;
			return;
		}
		if (ch == '=' && (s[p->pos] == '<' || s[p->pos] == '>')) {
			fail(p, p->tpos, "'=%c' is not an operator, use '%c='",
			    s[p->pos], s[p->pos]);
			return;
		}
		fail(p, p->tpos, ch == '=' ? "'=' is not an operator, use '=='" :
		    "'!' is not an operator, use NOT or '!='");
		return;
	case '&':
		fail(p, p->tpos, "'&' is not an operator, use AND");
		return;
	case '|':
		fail(p, p->tpos, "'|' is not an operator, use OR");
		return;
	}
	if (ch >= 0x21 && ch < 0x7f)
		fail(p, p->tpos, "unexpected character '%c'", ch);
	else
		fail(p, p->tpos, "unexpected byte 0x%02x", (unsigned)ch);
}

static void
emit(struct parser *p, const struct insn *in)
{
	if (p->failed)
		return;
	if (p->c->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 8;
		p->c->code = xrealloc(p->c->code, p->cap * sizeof(*in));
	}
	p->c->code[p->c->n++] = *in;
	if (in->op == I_CMP)
		p->stack++;
	else if (in->op != I_NOT)
		p->stack--;
	if (p->stack > p->max_stack)
		p->max_stack = p->stack;
	if (p->max_stack > COND_STACK)
		fail(p, p->tpos, "condition too complex");
}

static void parse_or(struct parser *);

static int
parse_operand(struct parser *p, struct operand *o)
{
	char buf[40];

	if (p->failed)
		return -1;
	if (p->kind != T_NUM && p->kind != T_VAR) {
		fail(p, p->tpos, "expected a variable or a number, found %s",
		    tok_text(p, buf, sizeof(buf)));
		return -1;
	}
	*o = p->val;
	lex(p);
	return 0;
}

/* not = NOT not | "(" expr ")" | operand CMP operand */
static void
parse_not(struct parser *p)
{
	struct insn in;
	char buf[40];
	size_t at;

	if (p->failed)
		return;
	if (p->kind == T_NOT || p->kind == T_LP) {
		int kind = p->kind;

		at = p->tpos;
		if (++p->depth > COND_MAX_DEPTH) {
			fail(p, p->tpos, "nested more than %d deep",
			    COND_MAX_DEPTH);
			return;
		}
		lex(p);
		if (kind == T_NOT) {
			parse_not(p);
			memset(&in, 0, sizeof(in));
			in.op = I_NOT;
			emit(p, &in);
		} else {
			parse_or(p);
			if (!p->failed && p->kind != T_RP)
				fail(p, p->tpos, "expected ')' to close the "
				    "'(' at column %zu, found %s", at + 1,
				    tok_text(p, buf, sizeof(buf)));
			lex(p);
		}
		p->depth--;
		return;
	}
	memset(&in, 0, sizeof(in));
	in.op = I_CMP;
	if (parse_operand(p, &in.a) != 0)
		return;
	if (p->kind != T_CMP) {
		fail(p, p->tpos, "expected a comparison (< <= > >= == !=), "
		    "found %s", tok_text(p, buf, sizeof(buf)));
		return;
	}
	in.cmp = p->cmp;
	lex(p);
	if (parse_operand(p, &in.b) != 0)
		return;
	if (p->kind == T_CMP) {
		fail(p, p->tpos, "comparisons do not chain, join them with AND");
		return;
	}
	emit(p, &in);
}

/* and = not { AND not } */
static void
parse_and(struct parser *p)
{
	struct insn in;

	memset(&in, 0, sizeof(in));
	in.op = I_AND;
	parse_not(p);
	while (!p->failed && p->kind == T_AND) {
		lex(p);
		parse_not(p);
		emit(p, &in);
	}
}

/* expr = and { OR and } */
static void
parse_or(struct parser *p)
{
	struct insn in;

	memset(&in, 0, sizeof(in));
	in.op = I_OR;
	parse_and(p);
	while (!p->failed && p->kind == T_OR) {
		lex(p);
		parse_and(p);
		emit(p, &in);
	}
}

struct cond *
cond_parse(const char *src, char *err, size_t errsz)
{
	struct parser p;
	char buf[40];
	size_t len;

	memset(&p, 0, sizeof(p));
	p.err = err;
	p.errsz = errsz;
	if (errsz > 0)
		*err = '\0';
	if (src == NULL)
		src = "";
	len = strnlen(src, COND_MAX_LEN + 1);
	if (len > COND_MAX_LEN) {
		fail(&p, COND_MAX_LEN, "longer than %d bytes", COND_MAX_LEN);
		return NULL;
	}
	p.src = src;
	p.c = xcalloc(1, sizeof(*p.c));
	lex(&p);
	if (!p.failed && p.kind == T_END)
		fail(&p, 0, "empty condition");
	parse_or(&p);
	if (!p.failed && p.kind != T_END)
		fail(&p, p.tpos, "expected AND, OR or the end, found %s",
		    tok_text(&p, buf, sizeof(buf)));
	if (p.failed) {
		cond_free(p.c);
		return NULL;
	}
	return p.c;
}

static double
value(const struct operand *o, const struct cond_vars *v)
{
	switch (o->var) {
	case V_PRICE:
		return v->price;
	case V_START:
		return v->start_price;
	case V_CHANGE:
		return v->price_change;
	case V_PERCENT:
		return v->price_change_percent;
	default:
		return o->num;
	}
}

int
cond_eval(const struct cond *c, const struct cond_vars *v)
{
	unsigned char st[COND_STACK];
	size_t sp = 0;

	for (size_t i = 0; i < c->n; i++) {
		const struct insn *in = &c->code[i];
		double a, b;
		int r = 0;

		switch (in->op) {
		case I_CMP:
			a = value(&in->a, v);
			b = value(&in->b, v);
			switch (in->cmp) {
			case C_LT: r = a < b; break;
			case C_LE: r = a <= b; break;
			case C_GT: r = a > b; break;
			case C_GE: r = a >= b; break;
			case C_EQ: r = a == b; break;
			case C_NE: r = a != b; break;
			}
			st[sp++] = (unsigned char)r;
			break;
		case I_NOT:
			st[sp - 1] = !st[sp - 1];
			break;
		case I_AND:
			sp--;
			st[sp - 1] = st[sp - 1] && st[sp];
			break;
		case I_OR:
			sp--;
			st[sp - 1] = st[sp - 1] || st[sp];
			break;
		}
	}
	return sp == 1 ? st[0] : 0;
}

void
cond_free(struct cond *c)
{
	if (c == NULL)
		return;
	free(c->code);
	free(c);
}

int
cond_options_check(json_object *opts, int manual, char *err, size_t errsz)
{
	char cerr[COND_ERRSZ];
	int n = 0;

	if (opts == NULL || !json_object_is_type(opts, json_type_object)) {
		snprintf(err, errsz, "options is not an object of label: "
		    "condition");
		return -1;
	}
	json_object_object_foreach(opts, label, v) {
		const char *src;
		struct cond *c;

		if (*label == '\0' || strlen(label) > 64) {
			snprintf(err, errsz, "option labels are 1 to 64 bytes");
			return -1;
		}
		n++;
		if (v == NULL && manual)
			continue;
		if (!json_object_is_type(v, json_type_string)) {
			snprintf(err, errsz, "option %s: the condition is not a "
			    "string", label);
			return -1;
		}
		src = json_object_get_string(v);
		if (*src == '\0' && manual)
			continue;
		if ((c = cond_parse(src, cerr, sizeof(cerr))) == NULL) {
			snprintf(err, errsz, "option %s: %s", label, cerr);
			return -1;
		}
		cond_free(c);
	}
	if (n == 0) {
		snprintf(err, errsz, "no options");
		return -1;
	}
	return 0;
}

/* Append label to the reason list in buf (COND_REASONSZ), shortened. */
static void
reason_add(char *buf, const char *label)
{
	size_t n = strlen(buf);

	if (n + strlen(label) + 8 >= COND_REASONSZ) {
		if (n + 5 < COND_REASONSZ && strcmp(buf + n - 3, "...") != 0)
			strcat(buf, ", ...");
		return;
	}
	if (n > 0)
		strcat(buf, ", ");
	strcat(buf, label);
}

const char *
cond_options_pick(json_object *opts, const struct cond_vars *v,
    char *reason)
{
	char held[COND_REASONSZ] = "", err[COND_ERRSZ];
	const char *one = NULL;
	int nheld = 0, nopts = 0;

	if (opts == NULL || !json_object_is_type(opts, json_type_object)) {
		snprintf(reason, COND_REASONSZ, "options are not an object");
		return NULL;
	}
	json_object_object_foreach(opts, label, val) {
		struct cond *c;
		const char *src = json_object_is_type(val, json_type_string) ?
		    json_object_get_string(val) : NULL;

		nopts++;
		if ((c = cond_parse(src, err, sizeof(err))) == NULL) {
			snprintf(reason, COND_REASONSZ, "option %.64s: %s",
			    label, err);
			return NULL;
		}
		if (cond_eval(c, v)) {
			nheld++;
			one = label;
			reason_add(held, label);
		}
		cond_free(c);
	}
	if (nopts == 0) {
		snprintf(reason, COND_REASONSZ, "no options");
		return NULL;
	}
	if (nheld == 1)
		return one;
	if (nheld == 0)
		snprintf(reason, COND_REASONSZ, "no option holds at "
		    "price_change_percent %.10g (price %.10g, start %.10g)",
		    v->price_change_percent, v->price, v->start_price);
	else
		snprintf(reason, COND_REASONSZ, "%d options hold (%s) at "
		    "price_change_percent %.10g", nheld, held,
		    v->price_change_percent);
	return NULL;
}

/* x rounded to 10 significant digits. */
static double
round10(double x)
{
	char buf[40];

	snprintf(buf, sizeof(buf), "%.10g", x);
	return strtod(buf, NULL);
}

int
cond_vars_set(struct cond_vars *v, double start, double end)
{
	if (!isfinite(start) || !(start > 0) || !isfinite(end))
		return -1;
	v->price = end;
	v->start_price = start;
	v->price_change = round10(end - start);
	v->price_change_percent = round10((end - start) / start * 100.0);
	if (!isfinite(v->price_change) || !isfinite(v->price_change_percent))
		return -1;
	if (v->price_change == 0)
		v->price_change = 0;	/* no -0 */
	if (v->price_change_percent == 0)
		v->price_change_percent = 0;
	return 0;
}
