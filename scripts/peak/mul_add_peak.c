/* The single-core peak of separate multiplies and adds (no FMA), the instructions picogan's kernels
 * issue, at 256 and 512 bits.
 *
 * Each loop keeps independent chains of multiplies and of additions, each in its own register (7
 * and 7 in the 16 AVX registers, 12 and 12 in the 32 AVX-512 ones), at least the latency times
 * the issue rate, so the pipes stay full; the factor and the addend are read from
 * volatile memory and every chain's result is printed, so the compiler can neither fold nor drop
 * the work, and without -ffast-math it does not reassociate it. The 512-bit loop runs only where
 * the CPU has AVX-512F.
 *
 * Build and run: gcc -O2 -o mul_add_peak mul_add_peak.c && taskset -c 0 ./mul_add_peak
 * Prints one JSON line per width: {"metric": "peak_mul_add_gflops", "bits": 256, "value": ...}.
 */
#include <immintrin.h>
#include <stdio.h>
#include <time.h>

#define ITERATIONS 20000000L

static volatile float factor = 1.0000001f, addend = 1e-7f;

static double seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + 1e-9 * t.tv_nsec;
}

__attribute__((target("avx"))) static double gflops_256(float *keep) {
    __m256 m = _mm256_set1_ps(factor), a = _mm256_set1_ps(addend);
    __m256 p0 = _mm256_set1_ps(1.0f + 0), s0 = p0, p1 = _mm256_set1_ps(1.0f + 1), s1 = p1, p2 = _mm256_set1_ps(1.0f + 2), s2 = p2, p3 = _mm256_set1_ps(1.0f + 3), s3 = p3, p4 = _mm256_set1_ps(1.0f + 4), s4 = p4, p5 = _mm256_set1_ps(1.0f + 5), s5 = p5, p6 = _mm256_set1_ps(1.0f + 6), s6 = p6;
    double start = seconds();
    for (long i = 0; i < ITERATIONS; i++) {
        p0 = _mm256_mul_ps(p0, m); s0 = _mm256_add_ps(s0, a);
        p1 = _mm256_mul_ps(p1, m); s1 = _mm256_add_ps(s1, a);
        p2 = _mm256_mul_ps(p2, m); s2 = _mm256_add_ps(s2, a);
        p3 = _mm256_mul_ps(p3, m); s3 = _mm256_add_ps(s3, a);
        p4 = _mm256_mul_ps(p4, m); s4 = _mm256_add_ps(s4, a);
        p5 = _mm256_mul_ps(p5, m); s5 = _mm256_add_ps(s5, a);
        p6 = _mm256_mul_ps(p6, m); s6 = _mm256_add_ps(s6, a);
    }
    double elapsed = seconds() - start;
    *keep += p0[0] + s0[0] + p1[0] + s1[0] + p2[0] + s2[0] + p3[0] + s3[0] + p4[0] + s4[0] + p5[0] + s5[0] + p6[0] + s6[0];
    return 2.0 * 7 * 8 * ITERATIONS / elapsed / 1e9;
}

__attribute__((target("avx512f"))) static double gflops_512(float *keep) {
    __m512 m = _mm512_set1_ps(factor), a = _mm512_set1_ps(addend);
    __m512 p0 = _mm512_set1_ps(1.0f + 0), s0 = p0, p1 = _mm512_set1_ps(1.0f + 1), s1 = p1, p2 = _mm512_set1_ps(1.0f + 2), s2 = p2, p3 = _mm512_set1_ps(1.0f + 3), s3 = p3, p4 = _mm512_set1_ps(1.0f + 4), s4 = p4, p5 = _mm512_set1_ps(1.0f + 5), s5 = p5, p6 = _mm512_set1_ps(1.0f + 6), s6 = p6, p7 = _mm512_set1_ps(1.0f + 7), s7 = p7, p8 = _mm512_set1_ps(1.0f + 8), s8 = p8, p9 = _mm512_set1_ps(1.0f + 9), s9 = p9, p10 = _mm512_set1_ps(1.0f + 10), s10 = p10, p11 = _mm512_set1_ps(1.0f + 11), s11 = p11;
    double start = seconds();
    for (long i = 0; i < ITERATIONS; i++) {
        p0 = _mm512_mul_ps(p0, m); s0 = _mm512_add_ps(s0, a);
        p1 = _mm512_mul_ps(p1, m); s1 = _mm512_add_ps(s1, a);
        p2 = _mm512_mul_ps(p2, m); s2 = _mm512_add_ps(s2, a);
        p3 = _mm512_mul_ps(p3, m); s3 = _mm512_add_ps(s3, a);
        p4 = _mm512_mul_ps(p4, m); s4 = _mm512_add_ps(s4, a);
        p5 = _mm512_mul_ps(p5, m); s5 = _mm512_add_ps(s5, a);
        p6 = _mm512_mul_ps(p6, m); s6 = _mm512_add_ps(s6, a);
        p7 = _mm512_mul_ps(p7, m); s7 = _mm512_add_ps(s7, a);
        p8 = _mm512_mul_ps(p8, m); s8 = _mm512_add_ps(s8, a);
        p9 = _mm512_mul_ps(p9, m); s9 = _mm512_add_ps(s9, a);
        p10 = _mm512_mul_ps(p10, m); s10 = _mm512_add_ps(s10, a);
        p11 = _mm512_mul_ps(p11, m); s11 = _mm512_add_ps(s11, a);
    }
    double elapsed = seconds() - start;
    *keep += p0[0] + s0[0] + p1[0] + s1[0] + p2[0] + s2[0] + p3[0] + s3[0] + p4[0] + s4[0] + p5[0] + s5[0] + p6[0] + s6[0] + p7[0] + s7[0] + p8[0] + s8[0] + p9[0] + s9[0] + p10[0] + s10[0] + p11[0] + s11[0];
    return 2.0 * 12 * 16 * ITERATIONS / elapsed / 1e9;
}

int main(void) {
    float keep = 0.0f;
    double best;
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx")) {
        best = 0.0;
        for (int rep = 0; rep < 3; rep++) { double g = gflops_256(&keep); if (g > best) best = g; }
        printf("{\"config\": \"-\", \"framework\": \"-\", \"metric\": \"peak_mul_add_gflops\", "
               "\"bits\": 256, \"value\": %.2f}\n", best);
    }
    if (__builtin_cpu_supports("avx512f")) {
        best = 0.0;
        for (int rep = 0; rep < 3; rep++) { double g = gflops_512(&keep); if (g > best) best = g; }
        printf("{\"config\": \"-\", \"framework\": \"-\", \"metric\": \"peak_mul_add_gflops\", "
               "\"bits\": 512, \"value\": %.2f}\n", best);
    }
    fprintf(stderr, "(results kept live: %g)\n", keep);
    return 0;
}
