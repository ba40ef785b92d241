/* What the reader fuzz harnesses share: the real pipeline (core_lib and
 * the built reader plugins, loaded by the core's loader exactly as the
 * daemon loads them), fed one document per input. */
#ifndef ND_FUZZ_HARNESS_H
#define ND_FUZZ_HARNESS_H

#include <stddef.h>
#include <stdint.h>

/* Run data[0..size) through the chain of readers (text, html,
 * json-reader, feed) as a file called `name` of media type `media_type`,
 * spawned children included, and serialise every resulting document.
 * Sets the chain up on first use; aborts if it cannot. */
void fuzz_read(const uint8_t *data, size_t size, const char *media_type,
               const char *name);

#endif
