/*
 * A child for pyinit's tests: prints "ready", then one line per signal it receives
 * ("signal N code C from PID value V", V being a sigqueue()d value), counting them; on SIGTERM it prints "counts N:COUNT ..." and
 * exits 0. Signals are taken with sigwaitinfo, so none is merged by a handler and a realtime
 * storm can be counted exactly. With --quiet it prints only the final counts.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    int quiet = argc > 1 && strcmp(argv[1], "--quiet") == 0;
    static unsigned long counts[65];
    sigset_t all;
    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, NULL);
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("ready %d\n", getpid());
    for (;;) {
        siginfo_t info;
        int sig = sigwaitinfo(&all, &info);
        if (sig < 0)
            continue;
        counts[sig]++;
        if (!quiet)
            printf("signal %d code %d from %d value %d\n", sig, info.si_code, info.si_pid,
                   info.si_code == SI_QUEUE ? info.si_value.sival_int : 0);
        if (sig == SIGTERM) {
            printf("counts");
            for (int i = 1; i < 65; i++)
                if (counts[i])
                    printf(" %d:%lu", i, counts[i]);
            printf("\n");
            return 0;
        }
    }
}
