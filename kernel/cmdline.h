/* The kernel command line: space-separated "name" or "name=value" options (see README). */
#ifndef CMDLINE_H
#define CMDLINE_H

#include "lib/compiler.h"

/* Copy the value of option name into buf (empty string for a bare flag). Returns false if
 * the option is absent. The last occurrence wins. */
bool cmdline_get(const char *name, char *buf, size_t size);
/* True if option name is present with exactly this value. */
bool cmdline_is(const char *name, const char *value);
/* True if the option is present (with or without a value). */
bool cmdline_has(const char *name);

#endif
