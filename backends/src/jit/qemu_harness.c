/* Runs AArch64 kernels for smelt's tests under qemu-aarch64.
 *
 * Reads requests from stdin until EOF, each (little-endian u64 fields):
 *   code_len, code bytes, nargs, then per argument: byte_len, lo_bytes, bytes,
 *   then outer start and end.
 * Maps the code executable, places each argument's bytes so that they end right at an
 * inaccessible page (a read or write past the end faults), calls
 * kernel(args, start, end) with args[i] = bytes - lo_bytes, and writes every argument's
 * bytes back, then a u64 0. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

typedef void (*kernel_fn)(uint8_t **args, uint64_t start, uint64_t end);

static int read_all(void *p, size_t n) {
    uint8_t *b = p;
    while (n) {
        ssize_t k = read(0, b, n);
        if (k <= 0) return 0;
        b += k;
        n -= (size_t)k;
    }
    return 1;
}

static void write_all(const void *p, size_t n) {
    const uint8_t *b = p;
    while (n) {
        ssize_t k = write(1, b, n);
        if (k <= 0) exit(3);
        b += k;
        n -= (size_t)k;
    }
}

static uint64_t get_u64(void) {
    uint64_t v;
    if (!read_all(&v, 8)) exit(0);
    return v;
}

int main(void) {
    const size_t page = (size_t)sysconf(_SC_PAGESIZE);
    for (;;) {
        uint64_t code_len = get_u64();
        size_t code_map = (code_len + page - 1) / page * page;
        uint8_t *code = mmap(0, code_map ? code_map : page, PROT_READ | PROT_WRITE,
                             MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (code == MAP_FAILED || !read_all(code, code_len)) return 2;
        if (mprotect(code, code_map ? code_map : page, PROT_READ | PROT_EXEC)) return 2;
        __builtin___clear_cache((char *)code, (char *)code + code_len);
        uint64_t nargs = get_u64();
        uint8_t **args = calloc(nargs + 1, sizeof *args);
        uint8_t **data = calloc(nargs + 1, sizeof *data);
        uint8_t **maps = calloc(nargs + 1, sizeof *maps);
        size_t *lens = calloc(nargs + 1, sizeof *lens);
        size_t *map_lens = calloc(nargs + 1, sizeof *map_lens);
        for (uint64_t i = 0; i < nargs; i++) {
            size_t len = get_u64();
            uint64_t lo = get_u64();
            size_t body = (len + page - 1) / page * page;
            size_t total = body + page;
            uint8_t *m = mmap(0, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            if (m == MAP_FAILED) return 2;
            mprotect(m + body, page, PROT_NONE);
            data[i] = m + body - len;
            if (!read_all(data[i], len)) return 2;
            args[i] = data[i] - lo;
            maps[i] = m;
            lens[i] = len;
            map_lens[i] = total;
        }
        uint64_t start = get_u64();
        uint64_t end = get_u64();
        ((kernel_fn)code)(args, start, end);
        for (uint64_t i = 0; i < nargs; i++) {
            write_all(data[i], lens[i]);
            munmap(maps[i], map_lens[i]);
        }
        uint64_t ok = 0;
        write_all(&ok, 8);
        munmap(code, code_map ? code_map : page);
        free(args);
        free(data);
        free(maps);
        free(lens);
        free(map_lens);
    }
}
