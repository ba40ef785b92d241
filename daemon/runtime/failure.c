/* The error record of a failed document (failure.h). */
#include "failure.h"

#include <jansson.h>
#include <time.h>

#include "document.h"

char *failure_record(const struct failure *f)
{
    char when[32];
    format_utc((int64_t)time(NULL), when);
    json_t *o = json_pack("{s:s?, s:s?, s:s?, s:s?, s:s?, s:i, s:s}",
                          "file", f->file, "id", f->id, "stage", f->stage,
                          "plugin", f->plugin, "message", f->message,
                          "attempts", (int)f->attempts, "time", when);
    char *text = o ? json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
    json_decref(o);
    return text;
}
