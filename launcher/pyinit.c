/*
 * The `pyinit` command: block every asynchronous signal, then exec the interpreter on the
 * package.
 *
 * Why this exists: the kernel drops a signal aimed at a PID namespace's init while that
 * signal's disposition is SIG_DFL, unless it is blocked. CPython needs 20-80 ms to start before
 * the first line of pyinit runs; a `docker stop` in that window would be lost. A blocked signal
 * stays pending across execve() and CPython keeps the mask, so the core finds it waiting.
 *
 * What it passes on: the mask and the set of ignored signals it was started with (as hex after
 * `--pyinit-state=`), so that the child can be given exactly what pyinit inherited and not what
 * the launcher or CPython changed.
 *
 * Kept free of stdio and allocation: it runs before anything else in a container.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef PYINIT_PYTHON
#define PYINIT_PYTHON "/usr/bin/python3"
#endif

#define KERNEL_SIGSET_BYTES 8
#define SIGBIT(sig) (1ULL << ((sig) - 1))

/* Synchronous signals stay deliverable: blocking them would turn a crash into a hang. */
#define SYNCHRONOUS_SIGNALS                                                             \
    (SIGBIT(SIGSEGV) | SIGBIT(SIGBUS) | SIGBIT(SIGFPE) | SIGBIT(SIGILL) | SIGBIT(SIGTRAP) | \
     SIGBIT(SIGSYS))

/*
 * The entry point. Even the C library's start-up (a static binary's relocations and TLS, and
 * first page faults) is a window in which a SIGTERM to PID 1 would be dropped; under load it
 * was measured at over a millisecond. So the very first user-space instruction blocks every
 * asynchronous signal, then jumps to the C library's own _start with the registers as the
 * kernel left them (rdx / x0 is rtld_fini: the kernel passes 0 and so must we).
 * Architectures without this stub block in main(), a few microseconds later.
 */
uint64_t block_at_entry = ~0ULL & ~SYNCHRONOUS_SIGNALS & ~SIGBIT(SIGKILL) & ~SIGBIT(SIGSTOP);
/* ~0 is never a real mask (SIGKILL cannot be blocked): it means the entry stub did not run. */
uint64_t mask_at_entry = ~0ULL;

#if defined(__x86_64__)
__asm__(".text\n"
        ".globl pyinit_entry\n"
        ".type pyinit_entry,@function\n"
        "pyinit_entry:\n"
        "    mov $14, %eax\n"                    /* SYS_rt_sigprocmask */
        "    xor %edi, %edi\n"                   /* SIG_BLOCK */
        "    lea block_at_entry(%rip), %rsi\n"
        "    lea mask_at_entry(%rip), %rdx\n"
        "    mov $8, %r10d\n"
        "    syscall\n"
        "    xor %eax, %eax\n"
        "    xor %edx, %edx\n"
        "    xor %esi, %esi\n"
        "    xor %r10d, %r10d\n"
        "    jmp _start\n");
#elif defined(__aarch64__)
__asm__(".text\n"
        ".globl pyinit_entry\n"
        ".type pyinit_entry,%function\n"
        "pyinit_entry:\n"
        "    mov x8, #135\n"                      /* SYS_rt_sigprocmask */
        "    mov x0, #0\n"                        /* SIG_BLOCK */
        "    adrp x1, block_at_entry\n"
        "    add x1, x1, :lo12:block_at_entry\n"
        "    adrp x2, mask_at_entry\n"
        "    add x2, x2, :lo12:mask_at_entry\n"
        "    mov x3, #8\n"
        "    svc #0\n"
        "    mov x0, #0\n"
        "    mov x1, #0\n"
        "    mov x2, #0\n"
        "    mov x3, #0\n"
        "    b _start\n");
#endif

/* An interpreter that cannot import pyinit (a wheel installed under another Python) gets one
 * line and exit 1, not a traceback. */
static const char entry_code[] =
    "try:\n"
    "    from pyinit.supervisor import launched\n"
    "except ImportError as error:\n"
    "    import sys\n"
    "    sys.stderr.write('pyinit: %s cannot import pyinit (%s); it must be the Python pyinit '\n"
    "                     'was installed with (set PYINIT_PYTHON)\\n' % (sys.executable, error))\n"
    "    raise SystemExit(1)\n"
    "launched()\n";

static void write_error(const char *what, const char *path, int err)
{
    const char *parts[] = {"pyinit: ", what, " ", path, ": ", strerror(err), "\n"};
    for (unsigned i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        ssize_t unused = write(2, parts[i], strlen(parts[i]));
        (void)unused;
    }
}

/* Kernel sigaction layout, so that glibc's reserved signals 32 and 33 can be read too. */
struct kernel_sigaction {
    void *handler;
    unsigned long flags;
    void *restorer;
    uint64_t mask;
};

static uint64_t ignored_signals(void)
{
    uint64_t ignored = 0;
    for (int sig = 1; sig <= 64; sig++) {
        struct kernel_sigaction current;
        if (syscall(SYS_rt_sigaction, sig, NULL, &current, KERNEL_SIGSET_BYTES) == 0 &&
            current.handler == (void *)SIG_IGN)
            ignored |= SIGBIT(sig);
    }
    return ignored;
}

static void format_hex(char *out, uint64_t value)
{
    static const char digits[] = "0123456789abcdef";
    char buf[17];
    int n = 0;
    do {
        buf[n++] = digits[value & 0xf];
        value >>= 4;
    } while (value);
    while (n)
        *out++ = buf[--n];
    *out = '\0';
}

/* The interpreter next to this executable (a venv's bin/, /usr/local/bin in python images). */
static int sibling_python(char *out, size_t size)
{
    ssize_t n = readlink("/proc/self/exe", out, size - sizeof "python3");
    if (n <= 0)
        return -1;
    out[n] = '\0';
    char *slash = strrchr(out, '/');
    if (!slash)
        return -1;
    strcpy(slash + 1, "python3");
    return 0;
}

int main(int argc, char **argv)
{
    uint64_t inherited_mask = mask_at_entry;
    if (inherited_mask == ~0ULL) {
        /* Raw syscall: glibc's sigprocmask refuses to block its reserved signals 32/33. */
        syscall(SYS_rt_sigprocmask, SIG_BLOCK, &block_at_entry, &inherited_mask,
                KERNEL_SIGSET_BYTES);
    }

    char state[64] = "--pyinit-state=";
    char *cursor = state + strlen(state);
    format_hex(cursor, inherited_mask);
    cursor += strlen(cursor);
    *cursor++ = ':';
    format_hex(cursor, ignored_signals());

    const char *python = getenv("PYINIT_PYTHON");
    char sibling[4096];
    if (!python || !*python) {
        python = PYINIT_PYTHON;
        if (access(python, X_OK) != 0 && sibling_python(sibling, sizeof sibling) == 0)
            python = sibling;
    }

    /* -I: no user site, no PYTHON* variables, no cwd on sys.path: an init must not be
     * steerable by the environment it passes to its child. */
    enum { FIXED = 5 };
    char *args[FIXED + argc];
    args[0] = (char *)python;
    args[1] = "-I";
    args[2] = "-c";
    args[3] = (char *)entry_code;
    args[4] = state;
    for (int i = 1; i < argc; i++)
        args[FIXED + i - 1] = argv[i];
    args[FIXED + argc - 1] = NULL;

    execv(python, args);
    int err = errno;
    write_error("cannot start the interpreter", python, err);
    /* Nothing could run: same code as a shell's "command not found" / "not executable". */
    return err == ENOENT ? 127 : 126;
}
