/* libFuzzer harness for the text reader: any bytes as plain text, and as
 * Markdown when the first byte is odd (so both paths get explored). */
#include "fuzz_harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int md = size && (data[0] & 1);
    fuzz_read(data, size, md ? "text/markdown" : "text/plain",
              md ? "article.md" : "article.txt");
    return 0;
}
