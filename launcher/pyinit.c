/*
 * The `pyinit` command: block every asynchronous signal, then exec the interpreter of the
 * installation this executable belongs to, on that installation's pyinit package.
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
 * Which interpreter: the one next to this executable or of its installation, found from where
 * the executable itself lies (see launch_pyinit); the interpreter that built it only as the
 * last resort, since a wheel is built in one place and installed in another.
 *
 * Why no C library (on x86_64 and aarch64, the architectures with wheels; setup.py defines
 * PYINIT_NOLIBC there): a statically linked glibc spends about 0.6 ms of CPU on its own start
 * (IRELATIVE relocations, TLS, tunables) before main() runs, out of a ~10 ms pyinit start,
 * and the launcher needs nothing of it but a dozen system calls. Built with -nostdlib it
 * starts in about the time of /bin/true, and building it needs no static libc (libc.a), which
 * several distributions do not install by default. Other architectures keep a static libc
 * build of the same logic: the difference is the thin "system layer" below.
 *
 * Kept free of stdio and allocation: it runs before anything else in a container.
 */
#include <stddef.h>
#include <stdint.h>

#if defined(PYINIT_NOLIBC) && !defined(__x86_64__) && !defined(__aarch64__)
#error "PYINIT_NOLIBC is only implemented for x86_64 and aarch64"
#endif

#ifndef PYINIT_NOLIBC
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

/* Set by setup.py: the interpreter that compiled the extension, and its "3.X" version. */
#ifndef PYINIT_BUILD_PYTHON
#define PYINIT_BUILD_PYTHON "/usr/bin/python3"
#endif
#ifndef PYINIT_PYTHON_VERSION
#error "PYINIT_PYTHON_VERSION (\"3.X\", the version the extension is built for) must be defined"
#endif
#define VERSIONED_PYTHON "python" PYINIT_PYTHON_VERSION

/* Exit codes of the launcher itself (docs/install.md). */
#define EXIT_NO_INTERPRETER 1   /* no interpreter could run pyinit: the same code as before */
#define EXIT_USAGE 2            /* PYINIT_PYTHON is not an absolute path */

#define KERNEL_SIGSET_BYTES 8
#define SIGBIT(sig) (1ULL << ((sig) - 1))

/* ==== the system layer: raw system calls (PYINIT_NOLIBC) or the C library ==================
 * Every sys_* function returns what the system call returns, or -errno on failure, in both
 * builds, so that the logic below is the same code whichever build it is. */

#ifdef PYINIT_NOLIBC

typedef long ssize_t;

/* Linux's values, the same on x86_64 and aarch64 (asm-generic). */
#define PATH_MAX 4096
#define SIGILL 4
#define SIGTRAP 5
#define SIGBUS 7
#define SIGFPE 8
#define SIGKILL 9
#define SIGSEGV 11
#define SIGSTOP 19
#define SIGSYS 31
#define SIG_BLOCK 0
#define SIG_IGN ((void *)1)
#define AT_FDCWD (-100)
#define AT_NULL 0
#define AT_SECURE 23
#define AT_EXECFN 31
#define F_OK 0
#define X_OK 1
#define S_IFMT 0170000
#define S_IFREG 0100000
#define S_ISREG(mode) (((mode) & S_IFMT) == S_IFREG)

#define EPERM 1
#define ENOENT 2
#define EINTR 4
#define EIO 5
#define E2BIG 7
#define ENOEXEC 8
#define EAGAIN 11
#define ENOMEM 12
#define EACCES 13
#define EFAULT 14
#define ENOTDIR 20
#define EISDIR 21
#define EINVAL 22
#define ENFILE 23
#define EMFILE 24
#define ETXTBSY 26
#define ENAMETOOLONG 36
#define ELOOP 40
#define ELIBBAD 80

/* Only the *at system calls exist on aarch64; x86_64 has them too (since 2.6.16), so one set
 * serves both. No statx: containers still run on RHEL 7 hosts (Linux 3.10), which lack it. */
#if defined(__x86_64__)
#define NR_write 1
#define NR_rt_sigaction 13
#define NR_rt_sigprocmask 14
#define NR_execve 59
#define NR_getcwd 79
#define NR_exit_group 231
#define NR_newfstatat 262
#define NR_readlinkat 267
#define NR_faccessat 269

/* The kernel's struct stat for newfstatat, up to st_mode; the rest is not read. */
struct kernel_stat {
    uint64_t dev, ino, nlink;
    uint32_t mode;
    unsigned char rest[144 - 28];
};

static long raw_syscall(long number, long a, long b, long c, long d)
{
    register long r10 __asm__("r10") = d;
    long result;
    __asm__ volatile("syscall"
                     : "=a"(result)
                     : "a"(number), "D"(a), "S"(b), "d"(c), "r"(r10)
                     : "rcx", "r11", "memory");
    return result;
}
#elif defined(__aarch64__)
#define NR_getcwd 17
#define NR_faccessat 48
#define NR_write 64
#define NR_readlinkat 78
#define NR_newfstatat 79
#define NR_exit_group 94
#define NR_rt_sigaction 134
#define NR_rt_sigprocmask 135
#define NR_execve 221

struct kernel_stat {
    uint64_t dev, ino;
    uint32_t mode;
    unsigned char rest[128 - 20];
};

static long raw_syscall(long number, long a, long b, long c, long d)
{
    register long x8 __asm__("x8") = number;
    register long x0 __asm__("x0") = a;
    register long x1 __asm__("x1") = b;
    register long x2 __asm__("x2") = c;
    register long x3 __asm__("x3") = d;
    __asm__ volatile("svc #0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2), "r"(x3) : "memory");
    return x0;
}
#endif

/* The compiler may emit calls to these for struct copies and initialisers, even freestanding.
 * The empty asm in each loop keeps the optimiser from turning the loop back into a call to the
 * very function it is in. */
void *memcpy(void *to, const void *from, size_t n)
{
    unsigned char *d = to;
    const unsigned char *s = from;
    while (n--) {
        *d++ = *s++;
        __asm__ volatile("" ::: "memory");
    }
    return to;
}

void *memmove(void *to, const void *from, size_t n)
{
    unsigned char *d = to;
    const unsigned char *s = from;
    if (d <= s || d >= s + n)
        return memcpy(to, from, n);
    while (n--) {
        d[n] = s[n];
        __asm__ volatile("" ::: "memory");
    }
    return to;
}

void *memset(void *to, int byte, size_t n)
{
    unsigned char *d = to;
    while (n--) {
        *d++ = (unsigned char)byte;
        __asm__ volatile("" ::: "memory");
    }
    return to;
}

size_t strlen(const char *s)
{
    size_t n = 0;
    while (s[n]) {
        n++;
        __asm__ volatile("" ::: "memory");
    }
    return n;
}

static size_t strnlen(const char *s, size_t most)
{
    size_t n = 0;
    while (n < most && s[n])
        n++;
    return n;
}

/* Set by pyinit_start from the initial stack. */
static char **process_env;
static const unsigned long *auxiliary_vector;

static unsigned long aux_value(unsigned long type)
{
    for (const unsigned long *entry = auxiliary_vector; entry && entry[0] != AT_NULL; entry += 2)
        if (entry[0] == type)
            return entry[1];
    return 0;
}

static ssize_t sys_write(int fd, const char *s, size_t n)
{
    return raw_syscall(NR_write, fd, (long)s, (long)n, 0);
}

static long sys_rt_sigprocmask(int how, const uint64_t *set, uint64_t *old)
{
    return raw_syscall(NR_rt_sigprocmask, how, (long)set, (long)old, KERNEL_SIGSET_BYTES);
}

static long sys_rt_sigaction(int sig, const void *action, void *old)
{
    return raw_syscall(NR_rt_sigaction, sig, (long)action, (long)old, KERNEL_SIGSET_BYTES);
}

static ssize_t sys_readlink(const char *path, char *out, size_t size)
{
    return raw_syscall(NR_readlinkat, AT_FDCWD, (long)path, (long)out, (long)size);
}

/* The working directory into `out`; its length with the NUL, or -errno. */
static long sys_getcwd(char *out, size_t size)
{
    return raw_syscall(NR_getcwd, (long)out, (long)size, 0, 0);
}

static long sys_file_mode(const char *path, unsigned *mode)
{
    struct kernel_stat st;
    long result = raw_syscall(NR_newfstatat, AT_FDCWD, (long)path, (long)&st, 0);
    if (result == 0)
        *mode = st.mode;
    return result;
}

static long sys_access(const char *path, int how)
{
    return raw_syscall(NR_faccessat, AT_FDCWD, (long)path, how, 0);
}

static long sys_execve(const char *path, char *const argv[], char *const envp[])
{
    return raw_syscall(NR_execve, (long)path, (long)argv, (long)envp, 0);
}

__attribute__((noreturn)) static void sys_exit(int code)
{
    for (;;)
        raw_syscall(NR_exit_group, code, 0, 0, 0);
}

#else /* a C library: the same calls through it */

static char **process_env;

static unsigned long aux_value(unsigned long type)
{
    return getauxval(type);
}

static ssize_t sys_write(int fd, const char *s, size_t n)
{
    ssize_t done = write(fd, s, n);
    return done < 0 ? -errno : done;
}

/* Raw system calls for the signal state: glibc's sigprocmask and sigaction refuse or hide its
 * reserved signals 32 and 33. */
static long sys_rt_sigprocmask(int how, const uint64_t *set, uint64_t *old)
{
    return syscall(SYS_rt_sigprocmask, how, set, old, KERNEL_SIGSET_BYTES) == 0 ? 0 : -errno;
}

static long sys_rt_sigaction(int sig, const void *action, void *old)
{
    return syscall(SYS_rt_sigaction, sig, action, old, KERNEL_SIGSET_BYTES) == 0 ? 0 : -errno;
}

static ssize_t sys_readlink(const char *path, char *out, size_t size)
{
    ssize_t n = readlink(path, out, size);
    return n < 0 ? -errno : n;
}

static long sys_getcwd(char *out, size_t size)
{
    return getcwd(out, size) ? (long)strlen(out) + 1 : -errno;
}

static long sys_file_mode(const char *path, unsigned *mode)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return -errno;
    *mode = st.st_mode;
    return 0;
}

static long sys_access(const char *path, int how)
{
    return access(path, how) == 0 ? 0 : -errno;
}

static long sys_execve(const char *path, char *const argv[], char *const envp[])
{
    execve(path, argv, envp);
    return -errno;
}

#endif /* PYINIT_NOLIBC */

/* ==== the entry point ====================================================================== */

/* Synchronous signals stay deliverable: blocking them would turn a crash into a hang. */
#define SYNCHRONOUS_SIGNALS                                                             \
    (SIGBIT(SIGSEGV) | SIGBIT(SIGBUS) | SIGBIT(SIGFPE) | SIGBIT(SIGILL) | SIGBIT(SIGTRAP) | \
     SIGBIT(SIGSYS))

/*
 * The entry point. Any start-up code before it (a static C library's relocations and TLS,
 * first page faults) is a window in which a SIGTERM to PID 1 would be dropped; under load it
 * was measured at over a millisecond. So the very first user-space instruction blocks every
 * asynchronous signal. Without a C library the stub then calls pyinit_start with the stack
 * pointer as the kernel left it (argc, argv, envp, auxv lie there); with one, it jumps to the
 * C library's own _start with the registers as the kernel left them (rdx / x0 is rtld_fini:
 * the kernel passes 0 and so must we). Architectures without this stub block in
 * launch_pyinit(), a few microseconds later.
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
#ifdef PYINIT_NOLIBC
        "    xor %ebp, %ebp\n"                   /* the outermost frame */
        "    mov %rsp, %rdi\n"                   /* the initial stack: argc, argv, ... */
        "    and $-16, %rsp\n"
        "    call pyinit_start\n"
        "    hlt\n"
#else
        "    xor %eax, %eax\n"
        "    xor %edx, %edx\n"
        "    xor %esi, %esi\n"
        "    xor %r10d, %r10d\n"
        "    jmp _start\n"
#endif
        );
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
#ifdef PYINIT_NOLIBC
        "    mov x29, #0\n"                       /* the outermost frame */
        "    mov x30, #0\n"
        "    mov x0, sp\n"                        /* the initial stack: argc, argv, ... */
        "    bl pyinit_start\n"
        "    brk #0\n"
#else
        "    mov x0, #0\n"
        "    mov x1, #0\n"
        "    mov x2, #0\n"
        "    mov x3, #0\n"
        "    b _start\n"
#endif
        );
#endif

/* ==== text without stdio: a fixed buffer that truncates instead of overflowing ============ */

struct text {
    char *at;
    size_t used, size;
};

static void put(struct text *t, const char *s)
{
    size_t n = strlen(s);
    if (n > t->size - 1 - t->used)
        n = t->size - 1 - t->used;
    memcpy(t->at + t->used, s, n);
    t->used += n;
    t->at[t->used] = '\0';
}

/* `s` as the body of a Python bytes literal: every byte that is not plain ASCII or that
 * would end the literal becomes \xNN, so that any path (even one that is not UTF-8) passes. */
static void put_pybytes(struct text *t, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        char one[5] = {(char)*p, 0, 0, 0, 0};
        if (*p < 0x20 || *p >= 0x7f || *p == '\'' || *p == '\\') {
            one[0] = '\\', one[1] = 'x', one[2] = hex[*p >> 4], one[3] = hex[*p & 0xf];
        }
        put(t, one);
    }
}

static void put_decimal(struct text *t, unsigned long value)
{
    char digits[24];
    int n = (int)sizeof digits - 1;
    digits[n] = '\0';
    do {
        digits[--n] = (char)('0' + value % 10);
        value /= 10;
    } while (value);
    put(t, digits + n);
}

static void write_all(int fd, const char *s, size_t n)
{
    while (n) {
        ssize_t done = sys_write(fd, s, n);
        if (done == -EINTR)
            continue;
        if (done <= 0)
            return;
        s += done, n -= (size_t)done;
    }
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
        if (sys_rt_sigaction(sig, NULL, &current) == 0 && current.handler == (void *)SIG_IGN)
            ignored |= SIGBIT(sig);
    }
    return ignored;
}

/* The value of `name` in the environment, or NULL. Ignored when the kernel says the process
 * runs with privileges it was not started with (AT_SECURE: setuid, setgid, file capabilities),
 * as secure_getenv does: an unprivileged caller must not choose what a privileged launcher
 * executes. */
static const char *secure_env(const char *name)
{
    if (aux_value(AT_SECURE))
        return NULL;
    size_t n = strlen(name);
    for (char **entry = process_env; entry && *entry; entry++) {
        const char *s = *entry;
        size_t i = 0;
        while (i < n && s[i] == name[i])
            i++;
        if (i == n && s[n] == '=')
            return s + n + 1;
    }
    return NULL;
}

/* ==== where this installation is ========================================================== */

/* Cut `path` at its last slash ("/a/b" -> "/a", "/a" -> "/"). */
static void cut_last_component(char *path)
{
    char *slash = NULL;
    for (char *p = path; *p; p++)
        if (*p == '/')
            slash = p;
    if (slash == path)
        slash[1] = '\0';
    else if (slash)
        *slash = '\0';
}

static void join(char out[PATH_MAX], const char *dir, const char *name)
{
    struct text t = {out, 0, PATH_MAX};
    out[0] = '\0';
    put(&t, dir);
    if (t.used == 0 || out[t.used - 1] != '/')
        put(&t, "/");
    put(&t, name);
}

/* `head` then `tail` into `out`; -ENAMETOOLONG instead of truncating. */
static long concatenate(char out[PATH_MAX], const char *head, const char *tail)
{
    size_t h = strlen(head), t = strlen(tail);
    if (h + t >= PATH_MAX)
        return -ENAMETOOLONG;
    memmove(out, head, h);
    memmove(out + h, tail, t + 1);
    return 0;
}

/*
 * `name` made absolute with every symbolic link followed, as realpath() does (the C library's
 * realpath is not there in the build without one): relative to the working directory, "." and
 * ".." taken lexically after each link is expanded, the last component must exist. 0 or -errno.
 */
static long resolve_path(const char *name, char out[PATH_MAX])
{
    char pending[PATH_MAX], link[PATH_MAX];
    int links = 0;
    long result = name[0] ? concatenate(pending, name, "") : -ENOENT;
    if (result < 0)
        return result;
    if (pending[0] == '/') {
        out[0] = '/', out[1] = '\0';
    } else {
        result = sys_getcwd(out, PATH_MAX);
        if (result < 0)
            return result;
        if (out[0] != '/')   /* "(unreachable)/...": the directory is outside our root */
            return -ENOENT;
    }
    const char *next = pending;
    while (*next) {
        const char *component = next;
        while (*next && *next != '/')
            next++;
        size_t length = (size_t)(next - component);
        while (*next == '/')
            next++;
        if (length == 0 || (length == 1 && component[0] == '.'))
            continue;
        if (length == 2 && component[0] == '.' && component[1] == '.') {
            cut_last_component(out);
            continue;
        }
        size_t used = strlen(out);
        if (used + 1 + length >= PATH_MAX)
            return -ENAMETOOLONG;
        if (out[used - 1] != '/')
            out[used++] = '/';
        memcpy(out + used, component, length);
        out[used + length] = '\0';

        ssize_t n = sys_readlink(out, link, PATH_MAX - 1);
        if (n == -EINVAL)
            continue;   /* not a symbolic link */
        if (n < 0)
            return n;
        if (++links > 40)
            return -ELOOP;
        link[n] = '\0';
        /* The link's target takes the place of its name: what is left is read after it. */
        char rest[PATH_MAX];
        result = concatenate(rest, *next ? "/" : "", next);
        if (result == 0)
            result = concatenate(pending, link, rest);
        if (result < 0)
            return result;
        next = pending;
        if (link[0] == '/')
            out[0] = '/', out[1] = '\0';
        else
            cut_last_component(out);
    }
    return 0;
}

/* This executable's real path. /proc may be missing (a chroot, a container without it): then
 * the name it was executed by, which the kernel keeps in the auxiliary vector, resolved
 * against the working directory, which is still the one it was started in. */
static int find_self(char out[PATH_MAX])
{
    ssize_t n = sys_readlink("/proc/self/exe", out, PATH_MAX - 1);
    if (n > 0) {
        out[n] = '\0';
        return 0;
    }
    const char *execfn = (const char *)aux_value(AT_EXECFN);
    if (execfn && resolve_path(execfn, out) == 0)
        return 0;
    return -1;
}

/* Where installers put the package relative to the prefix (the directory above bin/):
 * venvs, uv, pipx, `--user` and /usr/local of python images use lib/python3.X/site-packages;
 * Fedora puts compiled packages under lib64; Debian's pip uses dist-packages under /usr/local
 * (and /usr/local/lib/... when the prefix is /usr); `pip install --target DIR` puts scripts
 * in DIR/bin and packages in DIR itself. */
static const char *const package_layouts[] = {
    "lib/" VERSIONED_PYTHON "/site-packages",
    "lib64/" VERSIONED_PYTHON "/site-packages",
    "lib/" VERSIONED_PYTHON "/dist-packages",
    "local/lib/" VERSIONED_PYTHON "/dist-packages",
    "lib/python3/dist-packages",
    "",
};

static int regular_file(const char *path)
{
    unsigned mode;
    return sys_file_mode(path, &mode) == 0 && S_ISREG(mode);
}

static int holds_pyinit(const char *dir)
{
    char init[PATH_MAX];
    join(init, dir, "pyinit/__init__.py");
    return regular_file(init);
}

/* The package directory of this installation, or "" when there is none to be found (an
 * editable install finds its package through a .pth hook, which only `site` runs). */
static void find_package_dir(const char *prefix, char out[PATH_MAX])
{
    for (unsigned i = 0; i < sizeof package_layouts / sizeof package_layouts[0]; i++) {
        if (package_layouts[i][0])
            join(out, prefix, package_layouts[i]);
        else
            join(out, prefix, "");
        if (holds_pyinit(out))
            return;
    }
    out[0] = '\0';
}

/* ==== the interpreter's command line ====================================================== */

/*
 * The code the interpreter runs. With the package directory known it runs under -S (no site:
 * site costs start time, and the directory is put first on sys.path here). An interpreter that
 * cannot import pyinit (another Python version, a broken install) gives one line naming it and
 * the candidates rejected before it, exit 1, never a traceback.
 */
static const char entry_head[] = "import sys\n";
static const char entry_path_head[] = "sys.path.insert(0, b'";
static const char entry_path_tail[] = "'.decode('utf-8', 'surrogateescape'))\n";
static const char entry_body[] =
    "try:\n"
    "    from pyinit.supervisor import launched\n"
    "except (ImportError, MemoryError) as error:\n"
    "    sys.stderr.write('pyinit: %s cannot import pyinit (%s)%s; set PYINIT_PYTHON to the '\n"
    "                     'python pyinit is installed for\\n' % (sys.executable, error, b'";
static const char entry_tail[] =
    "'.decode('utf-8', 'replace')))\n"
    "    raise SystemExit(1)\n"
    "launched()\n";

/* Candidates rejected so far, for the one line that names every interpreter tried. */
struct rejections {
    char list[8192];
    struct text text;
    int count;
};

static void reject(struct rejections *r, const char *what, const char *path, const char *why)
{
    put(&r->text, r->count ? ", " : "");
    put(&r->text, what);
    put(&r->text, path);
    put(&r->text, " (");
    put(&r->text, why);
    put(&r->text, ")");
    r->count++;
}

/* The C library's text for the errors execve() and stat() can really return (the launcher has
 * no strerror without one), so that the line reads the same in both builds. */
static const struct {
    int number;
    const char *text;
} error_texts[] = {
    {EPERM, "Operation not permitted"},
    {EIO, "Input/output error"},
    {E2BIG, "Argument list too long"},
    {ENOEXEC, "Exec format error"},
    {EAGAIN, "Resource temporarily unavailable"},
    {ENOMEM, "Cannot allocate memory"},
    {EFAULT, "Bad address"},
    {EISDIR, "Is a directory"},
    {EINVAL, "Invalid argument"},
    {ENFILE, "Too many open files in system"},
    {EMFILE, "Too many open files"},
    {ETXTBSY, "Text file busy"},
    {ENAMETOOLONG, "File name too long"},
    {ELOOP, "Too many levels of symbolic links"},
    {ELIBBAD, "Accessing a corrupted shared library"},
};

/* Why an exec failed, as the rejection line says it; `spare` holds "errno N" when the error
 * has no text here. */
static const char *why_exec_failed(int err, char spare[32])
{
    if (err == ENOENT || err == ENOTDIR)
        return "not found";
    if (err == EACCES)
        return "not executable";
    for (unsigned i = 0; i < sizeof error_texts / sizeof error_texts[0]; i++)
        if (error_texts[i].number == err)
            return error_texts[i].text;
    struct text t = {spare, 0, 32};
    spare[0] = '\0';
    put(&t, "errno ");
    put_decimal(&t, (unsigned long)err);
    return spare;
}

struct launch {
    int argc;
    char **argv;
    char *state;                 /* --pyinit-state=MASK:IGNORED */
    const char *package_dir;     /* "" when unknown */
    struct rejections *rejected;
};

/*
 * Exec `python` (through `loader --library-path libdir` when loader is set) on the entry code.
 * Returns only when the exec failed, with errno's value.
 */
static int exec_interpreter(const struct launch *l, const char *loader, const char *libdir,
                            const char *python, const char *package_dir)
{
    char code_buffer[sizeof entry_head + sizeof entry_path_head + sizeof entry_path_tail + sizeof entry_body +
                     sizeof entry_tail + 4 * PATH_MAX + 4 * sizeof l->rejected->list];
    struct text code = {code_buffer, 0, sizeof code_buffer};
    code_buffer[0] = '\0';
    put(&code, entry_head);
    if (package_dir[0]) {
        put(&code, entry_path_head);
        put_pybytes(&code, package_dir);
        put(&code, entry_path_tail);
    }
    put(&code, entry_body);
    if (l->rejected->count) {
        put_pybytes(&code, "; tried before: ");
        put_pybytes(&code, l->rejected->list);
    }
    put(&code, entry_tail);

    /* -I: no user site, no PYTHON* variables, no cwd on sys.path: an init must not be
     * steerable by the environment it passes to its child. */
    enum { MOST_FIXED = 8 };
    int extra = l->argc > 1 ? l->argc - 1 : 0;   /* argc 0 (no argv[0]) is possible */
    char *args[MOST_FIXED + extra + 1];
    int n = 0;
    if (loader) {
        args[n++] = (char *)loader;
        args[n++] = "--library-path";
        args[n++] = (char *)libdir;
    }
    args[n++] = (char *)python;
    args[n++] = "-I";
    if (package_dir[0])
        args[n++] = "-S";
    args[n++] = "-c";
    args[n++] = code_buffer;
    args[n++] = l->state;
    for (int i = 1; i < l->argc; i++)
        args[n++] = l->argv[i];
    args[n] = NULL;

    return (int)-sys_execve(args[0], args, process_env);
}

static int executable_file(const char *path)
{
    return regular_file(path) && sys_access(path, X_OK) == 0;
}

/* One candidate: exec it, or note why not and return. */
static void try_python(const struct launch *l, const char *what, const char *python)
{
    char spare[32];
    if (!executable_file(python)) {
        reject(l->rejected, what, python, sys_access(python, F_OK) == 0 ? "not executable"
                                                                        : "not found");
        return;
    }
    int err = exec_interpreter(l, NULL, NULL, python, l->package_dir);
    reject(l->rejected, what, python, why_exec_failed(err, spare));
}

/*
 * A self-contained bundle (see docs/install.md): PREFIX/runtime holds a dynamic loader, the
 * libraries and an interpreter of its own, run through that loader so that nothing of the
 * host's is used. No environment variable is set for it: the child inherits pyinit's
 * environment exactly.
 */
static void try_bundle(const struct launch *l, const char *prefix)
{
    char runtime[PATH_MAX], loader[PATH_MAX], libdir[PATH_MAX], python[PATH_MAX];
    char package_dir[PATH_MAX], spare[32];
    join(runtime, prefix, "runtime");
    join(loader, runtime, "ld.so");
    if (!executable_file(loader))
        return;   /* not a bundle: nothing to report */
    join(libdir, runtime, "lib");
    join(python, runtime, "bin/python3");
    join(package_dir, runtime, "lib/" VERSIONED_PYTHON "/site-packages");
    int err = exec_interpreter(l, loader, libdir, python, package_dir);
    reject(l->rejected, "the bundle's ", loader, why_exec_failed(err, spare));
}

static void say(const char *s)
{
    write_all(2, s, strlen(s));
}

/* Everything main() does: returns the exit code when no interpreter could be executed. */
static int launch_pyinit(int argc, char **argv)
{
    uint64_t inherited_mask = mask_at_entry;
    if (inherited_mask == ~0ULL)
        sys_rt_sigprocmask(SIG_BLOCK, &block_at_entry, &inherited_mask);

    char state[64] = "--pyinit-state=";
    char *cursor = state + strlen(state);
    format_hex(cursor, inherited_mask);
    cursor += strlen(cursor);
    *cursor++ = ':';
    format_hex(cursor, ignored_signals());

    /* Only an absolute path: a relative one would be looked up in whatever directory the
     * container starts in. */
    const char *forced = secure_env("PYINIT_PYTHON");
    if (forced && forced[0] != '/') {
        say("pyinit: PYINIT_PYTHON must be an absolute path to a python interpreter, not '");
        write_all(2, forced, strnlen(forced, 200));
        say("'\n");
        return EXIT_USAGE;
    }

    static struct rejections rejected;
    rejected.text = (struct text){rejected.list, 0, sizeof rejected.list};
    char self[PATH_MAX], bindir[PATH_MAX], prefix[PATH_MAX], package_dir[PATH_MAX];
    int located = find_self(self) == 0;
    package_dir[0] = '\0';
    if (located) {
        memcpy(bindir, self, sizeof self);
        cut_last_component(bindir);
        memcpy(prefix, bindir, sizeof bindir);
        cut_last_component(prefix);
        find_package_dir(prefix, package_dir);
    }
    struct launch l = {argc, argv, state, package_dir, &rejected};

    if (forced)
        try_python(&l, "PYINIT_PYTHON=", forced);
    char python[PATH_MAX];
    if (located) {
        try_bundle(&l, prefix);
        join(python, bindir, VERSIONED_PYTHON);
        try_python(&l, "", python);
        join(python, bindir, "python3");
        try_python(&l, "", python);
    }
    try_python(&l, "", "/usr/local/bin/" VERSIONED_PYTHON);
    try_python(&l, "", "/usr/bin/" VERSIONED_PYTHON);
    try_python(&l, "the build's ", PYINIT_BUILD_PYTHON);

    say("pyinit: no python interpreter could run pyinit: tried ");
    say(rejected.list);
    if (!located)
        say("; the launcher could not find its own path (no /proc)");
    say("; set PYINIT_PYTHON to the python pyinit is installed for\n");
    return EXIT_NO_INTERPRETER;
}

#ifdef PYINIT_NOLIBC
/* Called by the entry stub with the initial stack: argc, argv[argc], NULL, envp..., NULL, then
 * the auxiliary vector's (type, value) pairs up to AT_NULL. */
__attribute__((noreturn, used)) void pyinit_start(unsigned long *stack)
{
    int argc = (int)stack[0];
    char **argv = (char **)(stack + 1);
    char **envp = argv + argc + 1;
    char **end = envp;
    while (*end)
        end++;
    process_env = envp;
    auxiliary_vector = (const unsigned long *)(end + 1);
    sys_exit(launch_pyinit(argc, argv));
}
#else
int main(int argc, char **argv, char **envp)
{
    process_env = envp;
    return launch_pyinit(argc, argv);
}
#endif
