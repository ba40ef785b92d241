/* Socket addresses as people write them in a configuration: checked by
 * the configuration, used by the HTTP listener. */
#ifndef ND_ADDR_H
#define ND_ADDR_H

#include <stddef.h>
#include <sys/socket.h>

/* Split "HOST:PORT" / "[V6]:PORT" into a socket address. Returns 0 or -1
 * with what was expected in err. */
int addr_parse(const char *addr, struct sockaddr_storage *ss, char *err,
               size_t errlen);

#endif
