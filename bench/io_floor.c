/* The I/O floor of a daemon like newsdesk: what the file system allows
 * when nothing is parsed. For every file already in INBOX it claims it
 * (rename into WORK, never replacing), reads it, writes an output through
 * a temporary file and a rename into OUT, and archives the input (rename
 * into DONE): the moves newsdesk's inbox source and json exporter make,
 * with no parsing, no threads and, unless --fsync, no fsync (with --fsync,
 * one fdatasync per output before its rename, as durable: always would).
 * Prints files per second.
 *
 *     io-floor [--fsync] INBOX WORK OUT DONE
 *
 * bench/throughput runs it in the same minute as the daemon, so that the
 * daemon's figures can be read as a share of what the disk gives. */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int open_dir(const char *path)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        fprintf(stderr, "io-floor: %s: %s\n", path, strerror(errno));
        exit(2);
    }
    return fd;
}

/* One file, as the daemon would handle it. Returns 0 or -1. */
static int one(int in, int work, int out, int done, const char *name,
               int sync)
{
    if (renameat2(in, name, work, name, RENAME_NOREPLACE) < 0)
        return -1;
    int fd = openat(work, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return -1;
    char buf[65536];
    ssize_t n = read(fd, buf, sizeof buf);
    close(fd);
    if (n < 0)
        return -1;
    char tmp[512], final[512];
    snprintf(tmp, sizeof tmp, ".%s.tmp", name);
    snprintf(final, sizeof final, "%s.json", name);
    int o = openat(out, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (o < 0)
        return -1;
    int rc = write(o, buf, (size_t)n) == n ? 0 : -1;
    if (rc == 0 && sync)
        rc = fdatasync(o);
    close(o);
    if (rc < 0 || renameat(out, tmp, out, final) < 0)
        return -1;
    return renameat2(work, name, done, name, RENAME_NOREPLACE);
}

int main(int argc, char **argv)
{
    int sync = argc > 1 && !strcmp(argv[1], "--fsync");
    if (argc != 5 + sync) {
        fprintf(stderr, "usage: io-floor [--fsync] INBOX WORK OUT DONE\n");
        return 2;
    }
    char **a = argv + 1 + sync;
    int in = open_dir(a[0]), work = open_dir(a[1]), out = open_dir(a[2]),
        done = open_dir(a[3]);
    DIR *d = fdopendir(dup(in));
    if (!d)
        return 2;
    size_t files = 0, failed = 0;
    double t0 = now_s();
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        if (one(in, work, out, done, e->d_name, sync) < 0)
            failed++;
        else
            files++;
    }
    double t = now_s() - t0;
    closedir(d);
    printf("%zu files in %.3f s: %.0f files/s%s (%zu failed)\n", files, t,
           t > 0 ? (double)files / t : 0.0, sync ? ", fdatasync per output" : "",
           failed);
    return failed ? 1 : 0;
}
