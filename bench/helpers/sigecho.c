/* sigecho: answer every SIGUSR1 with the CLOCK_MONOTONIC time its handler ran.
 *
 * Writes 8 zero bytes on stdout once the handler is installed (the bench waits for them
 * before the first signal), then one native-endian uint64 of nanoseconds per SIGUSR1.
 * The timestamp is taken first thing in the handler: that is the moment the signal
 * reached user code, which is what forwarding latency means.  Exits on SIGTERM.
 */
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void on_usr1(int sig)
{
    struct timespec ts;
    uint64_t ns;
    (void)sig;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
    /* write(2) is async-signal-safe; a short write would only lose one sample */
    if (write(1, &ns, sizeof ns) != sizeof ns)
        _exit(3);
}

int main(void)
{
    struct sigaction sa;
    uint64_t ready = 0;
    sigset_t none;

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGUSR1, &sa, NULL) != 0)
        return 2;
    /* the init may hand us a blocked mask by mistake: open it so we measure forwarding only */
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    if (write(1, &ready, sizeof ready) != sizeof ready)
        return 2;
    for (;;)
        pause();
}
