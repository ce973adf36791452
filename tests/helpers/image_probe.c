/*
 * The one program of the bundle tests' root filesystems: scratch and distroless images have
 * no shell, so everything a test asks of the child is a subcommand of this.
 * Built three ways (static, glibc, musl) by tests/helpers/images.py.
 *
 *   probe exit N            exit with status N
 *   probe kill N            die of signal N
 *   probe sleep             wait for a signal (dies of SIGTERM: nothing is caught)
 *   probe state FILE        write environ (hex), SigBlk/SigIgn/SigCgt, open fds, rlimits
 *   probe orphans N FILE    leave N orphans to the init, then write "zombies K" once
 *                           none of the namespace's processes is a zombie (or after 10 s)
 *   probe leftover FILE     leave one process that writes "term" to FILE on SIGTERM, exit 0
 *   probe                   exit 0 (a migration step with nothing to do)
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void nap_ms(long ms)
{
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&t, NULL);
}

static int state(const char *path)
{
    FILE *out = fopen(path, "w");
    if (!out)
        return 2;
    unsigned char buf[65536];
    int fd = open("/proc/self/environ", O_RDONLY);
    ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof buf);
    fprintf(out, "environ ");
    for (ssize_t i = 0; i < n; i++)
        fprintf(out, "%02x", buf[i]);
    fprintf(out, "\n");
    if (fd >= 0)
        close(fd);
    FILE *status = fopen("/proc/self/status", "r");
    char line[512];
    while (status && fgets(line, sizeof line, status))
        if (!strncmp(line, "SigBlk:", 7) || !strncmp(line, "SigIgn:", 7) ||
            !strncmp(line, "SigCgt:", 7))
            fputs(line, out);
    if (status)
        fclose(status);
    /* Listed before anything of ours is opened but the output file and the directory. */
    DIR *fds = opendir("/proc/self/fd");
    int own[2] = {fileno(out), fds ? dirfd(fds) : -1};
    fprintf(out, "fds");
    struct dirent *entry;
    while (fds && (entry = readdir(fds)))
        if (entry->d_name[0] != '.' && atoi(entry->d_name) != own[0] && atoi(entry->d_name) != own[1])
            fprintf(out, " %s", entry->d_name);
    fprintf(out, "\n");
    if (fds)
        closedir(fds);
    for (int r = 0; r < RLIM_NLIMITS; r++) {
        struct rlimit limit;
        if (getrlimit(r, &limit) == 0)
            fprintf(out, "rlimit %d %llu %llu\n", r, (unsigned long long)limit.rlim_cur,
                    (unsigned long long)limit.rlim_max);
    }
    fprintf(out, "umask %o\n", umask(0));
    fprintf(out, "cwd %s\n", getcwd((char *)buf, sizeof buf) ? (char *)buf : "?");
    return fclose(out) == 0 ? 0 : 2;
}

static int zombies(void)
{
    int count = 0;
    DIR *proc = opendir("/proc");
    struct dirent *entry;
    while (proc && (entry = readdir(proc))) {
        char path[300], text[512];
        if (entry->d_name[0] < '0' || entry->d_name[0] > '9')
            continue;
        snprintf(path, sizeof path, "/proc/%s/stat", entry->d_name);
        int fd = open(path, O_RDONLY);
        if (fd < 0)
            continue;
        ssize_t n = read(fd, text, sizeof text - 1);
        close(fd);
        if (n <= 0)
            continue;
        text[n] = '\0';
        char *end = strrchr(text, ')');   /* the name may hold anything: state follows the last ')' */
        if (end && end[1] == ' ' && end[2] == 'Z')
            count++;
    }
    if (proc)
        closedir(proc);
    return count;
}

static int orphans(int n, const char *path)
{
    for (int i = 0; i < n; i++) {
        pid_t child = fork();
        if (child == 0) {
            if (fork() == 0) {
                nap_ms(100);   /* outlive the parent: the init inherits it */
                _exit(0);
            }
            _exit(0);
        }
        if (child > 0)
            waitpid(child, NULL, 0);
    }
    int left = -1;
    for (int tries = 0; tries < 200; tries++) {
        nap_ms(50);
        left = zombies();
        if (left == 0 && tries >= 4)
            break;
    }
    FILE *out = fopen(path, "w");
    if (!out)
        return 2;
    fprintf(out, "zombies %d\n", left);
    return fclose(out) == 0 ? 0 : 2;
}

static const char *leftover_path;

static void on_term(int sig)
{
    (void)sig;
    int fd = open(leftover_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
        ssize_t unused = write(fd, "term\n", 5);
        (void)unused;
        close(fd);
    }
    _exit(0);
}

static int leftover(const char *path)
{
    char ready[4096];
    snprintf(ready, sizeof ready, "%s.ready", path);
    leftover_path = path;
    pid_t child = fork();
    if (child == 0) {
        signal(SIGTERM, on_term);
        int fd = open(ready, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0)
            close(fd);
        for (;;)
            pause();
    }
    for (int tries = 0; tries < 400 && access(ready, F_OK) != 0; tries++)
        nap_ms(25);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 1)
        return 0;
    if (argc >= 3 && !strcmp(argv[1], "exit"))
        return atoi(argv[2]);
    if (argc >= 3 && !strcmp(argv[1], "kill")) {
        int sig = atoi(argv[2]);
        signal(sig, SIG_DFL);
        sigset_t one;
        sigemptyset(&one);
        sigaddset(&one, sig);
        sigprocmask(SIG_UNBLOCK, &one, NULL);
        raise(sig);
        return 99;
    }
    if (argc >= 2 && !strcmp(argv[1], "sleep")) {
        for (;;)
            pause();
    }
    if (argc >= 3 && !strcmp(argv[1], "state"))
        return state(argv[2]);
    if (argc >= 4 && !strcmp(argv[1], "orphans"))
        return orphans(atoi(argv[2]), argv[3]);
    if (argc >= 3 && !strcmp(argv[1], "leftover"))
        return leftover(argv[2]);
    fprintf(stderr, "probe: unknown command\n");
    return 64;
}
