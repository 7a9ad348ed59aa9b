/*
 * benchclock: what the benchmark programs measure with: a monotonic clock
 * and the process's peak resident set.
 */
#ifndef BENCHCLOCK_H
#define BENCHCLOCK_H 1

/* CLOCK_MONOTONIC, in seconds. */
double benchclock_now(void);

/* getrusage()'s ru_maxrss: the peak resident set so far, in KiB. */
long benchclock_peak_rss_kb(void);

#endif /* benchclock.h */
