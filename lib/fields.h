/*
 * fields.h - typed fields of input records, for the programs that store
 * them: a record's key, as json-c gives it or as lib/jsonscan.h picks it
 * out of a line.
 *
 * Ownership: field_key's text is owned by o, or is buf; field_scanned_key
 * returns a new string the caller frees.
 */
#ifndef JOBLINE_FIELDS_H
#define JOBLINE_FIELDS_H

#include <stddef.h>
#include <json-c/json.h>

#include "jsonscan.h"

/* A field's value as key text: a non-empty string as it is, an integer
 * printed into buf (n bytes; 21 are enough); NULL otherwise. */
const char *field_key(json_object *o, const char *field, char *buf,
    size_t n);

/* A scanned field as key text: a non-empty string (unescaped), or an
 * integer as written; NULL otherwise. */
char *field_scanned_key(const struct jscan_field *f);

#endif
