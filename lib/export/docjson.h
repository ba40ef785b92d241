/* docjson: what an exporter may rely on in the JSON the host makes of a
 * document (nd_doc_json): it starts {"schema":"newsdesk/1","id":"<64 hex>",
 * so the id is found without parsing the JSON. */
#ifndef ND_EXPORT_DOCJSON_H
#define ND_EXPORT_DOCJSON_H

#include <stddef.h>

/* The id of the document whose JSON is json[0..n): a pointer to its 64
 * hex digits inside json, or NULL when json does not start as a
 * document's JSON does. */
const char *docjson_id(const char *json, size_t n);

#endif
