/* orphans: on each "N\n" read from stdin, make N orphans for the init to reap.
 *
 * Each round forks a child that forks a grandchild and exits at once; the child is
 * reaped here, so every grandchild is reparented to the init (PID 1 of the namespace)
 * and its zombie is the init's to collect.  Every grandchild inherits the write end of
 * an "exit pipe": EOF on it means all grandchildren have exited, so "done" on stdout
 * tells the bench the zombies exist (when the init is stopped they pile up).
 * Replies "done <ns spent forking>\n".  Exits on EOF of stdin.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int make_orphans(long n)
{
    int exit_pipe[2];
    char byte;
    long i;

    if (pipe(exit_pipe) != 0)
        return -1;
    for (i = 0; i < n; i++) {
        pid_t child = fork();
        if (child < 0)
            return -1;
        if (child == 0) {
            /* only async-signal-safe calls between fork and _exit */
            if (fork() < 0)
                _exit(1);
            _exit(0);
        }
        while (waitpid(child, NULL, 0) < 0)
            ;
    }
    close(exit_pipe[1]);
    while (read(exit_pipe[0], &byte, 1) > 0)
        ;
    close(exit_pipe[0]);
    return 0;
}

int main(void)
{
    char line[64];

    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("ready\n");
    while (fgets(line, sizeof line, stdin)) {
        long long start = now_ns();
        if (make_orphans(atol(line)) != 0) {
            printf("error\n");
            return 1;
        }
        printf("done %lld\n", now_ns() - start);
    }
    return 0;
}
