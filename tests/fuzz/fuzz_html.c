/* libFuzzer harness for the html reader: any bytes as a web page. */
#include "fuzz_harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_read(data, size, "text/html", "page.html");
    return 0;
}
