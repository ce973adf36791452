/* A process that stays in state D: it handles SIGTERM, then vfork()s a child that never execs
 * nor exits, so the parent sleeps in the kernel (wait_for_vfork_done) where only a fatal
 * signal wakes it. What a process stuck on NFS or FUSE looks like to an init. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void on_term(int sig) { (void)sig; }

int main(void)
{
    struct sigaction action;
    struct timespec forever = {1000000, 0};
    memset(&action, 0, sizeof(action));
    action.sa_handler = on_term;
    sigaction(SIGTERM, &action, NULL);
    printf("ready\n");
    fflush(stdout);
    if (vfork() == 0) {
        for (;;)
            nanosleep(&forever, NULL);
    }
    return 0;
}
