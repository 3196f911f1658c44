/* Human-readable text for errno values, as the shell reports failures. */
#ifndef ERRSTR_H
#define ERRSTR_H

/* The message for errno value err (positive or negative), e.g. "No such file or directory";
 * "error N" for a value without one. The result may be a static buffer for unknown values:
 * use it before the next call. */
const char *errno_string(int err);

#endif
