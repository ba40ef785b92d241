/* libFuzzer harness for json-reader: any bytes as JSON, and as JSON Lines
 * when the first byte is odd. Elements go on to the text and html
 * readers as child documents. */
#include "fuzz_harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int lines = size && (data[0] & 1);
    fuzz_read(data, size, lines ? "application/x-ndjson" : "application/json",
              lines ? "export.jsonl" : "export.json");
    return 0;
}
