/* docjson: the id at the start of a document's JSON. */
#include "docjson.h"

#include <string.h>

static const char id_prefix[] = "{\"schema\":\"newsdesk/1\",\"id\":\"";

const char *docjson_id(const char *json, size_t n)
{
    size_t pl = sizeof id_prefix - 1;
    if (n <= pl + 64 || memcmp(json, id_prefix, pl) || json[pl + 64] != '"')
        return NULL;
    return json + pl;
}
