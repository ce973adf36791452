/* sigcount: count SIGUSR1 and SIGRTMIN+1 into a shared file the bench reads live.
 *
 * argv[1] is a file of at least 24 bytes; it is mapped MAP_SHARED and holds three
 * uint64: [0] SIGUSR1 count, [1] SIGRTMIN+1 count, [2] set to 1 once both handlers are
 * installed.  The bench polls the file instead of asking us, so no extra signal (such as
 * a SIGTERM overtaking queued real-time signals) can disturb the count.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static volatile uint64_t *counts;

static void on_signal(int sig)
{
    __atomic_add_fetch(&counts[sig == SIGUSR1 ? 0 : 1], 1, __ATOMIC_RELAXED);
}

int main(int argc, char **argv)
{
    struct sigaction sa;
    sigset_t none;
    int fd;

    if (argc != 2)
        return 2;
    fd = open(argv[1], O_RDWR);
    if (fd < 0)
        return 2;
    counts = mmap(NULL, 24, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (counts == MAP_FAILED)
        return 2;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGUSR1, &sa, NULL) != 0 || sigaction(SIGRTMIN + 1, &sa, NULL) != 0)
        return 2;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    __atomic_store_n(&counts[2], 1, __ATOMIC_RELEASE);
    for (;;)
        pause();
}
