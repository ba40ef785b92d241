/* Socket addresses as people write them in a configuration. */
#include "addr.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

int addr_parse(const char *addr, struct sockaddr_storage *ss, char *err,
               size_t errlen)
{
    char host[128];
    const char *colon;
    if (addr[0] == '[') {
        const char *rb = strchr(addr, ']');
        if (!rb || rb[1] != ':' || (size_t)(rb - addr - 1) >= sizeof host)
            goto bad;
        memcpy(host, addr + 1, (size_t)(rb - addr - 1));
        host[rb - addr - 1] = '\0';
        colon = rb + 1;
    } else {
        colon = strrchr(addr, ':');
        if (!colon || (size_t)(colon - addr) >= sizeof host ||
            memchr(addr, ':', (size_t)(colon - addr)))
            goto bad;
        memcpy(host, addr, (size_t)(colon - addr));
        host[colon - addr] = '\0';
    }
    char *end;
    long port = strtol(colon + 1, &end, 10);
    if (!colon[1] || *end || port < 0 || port > 65535)
        goto bad;
    memset(ss, 0, sizeof *ss);
    if (uv_ip4_addr(host, (int)port, (struct sockaddr_in *)ss) == 0 ||
        uv_ip6_addr(host, (int)port, (struct sockaddr_in6 *)ss) == 0)
        return 0;
bad:
    snprintf(err, errlen, "\"%s\" is not an address to listen on: expected "
             "IP:PORT such as 127.0.0.1:9321 or [::1]:9321", addr);
    return -1;
}
