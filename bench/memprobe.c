/* Memory latency probe for bench.py: nanoseconds per dependent load while chasing pointers around a random cycle of
 * KIB kibibytes (one pointer per 64-byte line), on whatever CPU it is pinned to. Every load waits for the one before,
 * so the figure is the latency of the cache level the working set falls into. bench.py runs it on the proxies' CPU
 * before and after each cell: when a process outside this VM thrashes the shared last-level cache, the 16 MiB reading
 * rises (and every proxy on this machine slows down), which no counter inside the VM shows (see bench/README.md,
 * "Session 10").
 *
 *   memprobe KIB [STEPS]      prints e.g. "152.3" (ns per load)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

/* xorshift64: a fixed sequence, so every run chases the same cycle. */
static uint64_t next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: memprobe KIB [STEPS]\n");
        return 2;
    }
    size_t lines = (size_t)atol(argv[1]) * 1024 / 64;
    size_t steps = argc > 2 ? (size_t)atol(argv[2]) : 2000000;
    if (lines < 2) {
        fprintf(stderr, "memprobe: KIB must be at least 1\n");
        return 2;
    }
    uint64_t *memory = aligned_alloc(64, lines * 64);
    size_t *order = malloc(lines * sizeof(size_t));
    if (memory == NULL || order == NULL) {
        fprintf(stderr, "memprobe: out of memory\n");
        return 1;
    }

    /* A random permutation of the lines (Fisher-Yates), linked into one cycle: line order[i] points to order[i+1]. */
    uint64_t seed = 88172645463325252ULL;
    for (size_t i = 0; i < lines; i++) {
        order[i] = i;
    }
    for (size_t i = lines - 1; i > 0; i--) {
        size_t j = next(&seed) % (i + 1), t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    for (size_t i = 0; i < lines; i++) {
        memory[order[i] * 8] = order[(i + 1) % lines] * 8;
    }

    size_t p = 0;
    for (size_t i = 0; i < lines; i++) { /* one lap first: page faults and the first touch are not measured */
        p = memory[p];
    }
    double t0 = now();
    for (size_t i = 0; i < steps; i++) {
        p = memory[p];
    }
    double ns = (now() - t0) / steps * 1e9;
    printf("%.1f\n", ns + (p == SIZE_MAX ? 1 : 0)); /* p is used, so the loop is not optimised away */
    free(memory);
    free(order);
    return 0;
}
