/* libFuzzer harness for the feed reader: any bytes as RSS or Atom. Items
 * go on to the html and text readers as child documents. */
#include "fuzz_harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_read(data, size, "application/rss+xml", "feed.xml");
    return 0;
}
