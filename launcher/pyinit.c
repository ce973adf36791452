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
 * the executable itself lies (see try_candidates); the interpreter that built it only as the
 * last resort, since a wheel is built in one place and installed in another.
 *
 * Kept free of stdio and allocation: it runs before anything else in a container.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

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

/* ---- text without stdio: a fixed buffer that truncates instead of overflowing ---- */

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

static void write_all(int fd, const char *s, size_t n)
{
    while (n) {
        ssize_t done = write(fd, s, n);
        if (done < 0 && errno == EINTR)
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
        if (syscall(SYS_rt_sigaction, sig, NULL, &current, KERNEL_SIGSET_BYTES) == 0 &&
            current.handler == (void *)SIG_IGN)
            ignored |= SIGBIT(sig);
    }
    return ignored;
}

/* ---- where this installation is ---- */

/* This executable's real path. /proc may be missing (a chroot, a container without it): then
 * the name it was executed by, which the kernel keeps in the auxiliary vector, resolved
 * against the working directory, which is still the one it was started in. */
static int find_self(char out[PATH_MAX])
{
    ssize_t n = readlink("/proc/self/exe", out, PATH_MAX - 1);
    if (n > 0) {
        out[n] = '\0';
        return 0;
    }
    const char *execfn = (const char *)getauxval(AT_EXECFN);
    if (execfn && realpath(execfn, out))
        return 0;
    return -1;
}

/* Cut `path` at its last slash ("/a/b" -> "/a", "/a" -> "/"). */
static void cut_last_component(char *path)
{
    char *slash = strrchr(path, '/');
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

static int holds_pyinit(const char *dir)
{
    char init[PATH_MAX];
    struct stat st;
    join(init, dir, "pyinit/__init__.py");
    return stat(init, &st) == 0 && S_ISREG(st.st_mode);
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

/* ---- the interpreter's command line ---- */

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

static const char *why_exec_failed(int err)
{
    switch (err) {
    case ENOENT:
    case ENOTDIR:
        return "not found";
    case EACCES:
        return "not executable";
    default:
        return strerror(err);
    }
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

    execv(args[0], args);
    return errno;
}

static int executable_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

/* One candidate: exec it, or note why not and return. */
static void try_python(const struct launch *l, const char *what, const char *python)
{
    if (!executable_file(python)) {
        reject(l->rejected, what, python, access(python, F_OK) == 0 ? "not executable"
                                                                    : "not found");
        return;
    }
    reject(l->rejected, what, python, why_exec_failed(exec_interpreter(l, NULL, NULL, python,
                                                                       l->package_dir)));
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
    char package_dir[PATH_MAX];
    join(runtime, prefix, "runtime");
    join(loader, runtime, "ld.so");
    if (!executable_file(loader))
        return;   /* not a bundle: nothing to report */
    join(libdir, runtime, "lib");
    join(python, runtime, "bin/python3");
    join(package_dir, runtime, "lib/" VERSIONED_PYTHON "/site-packages");
    int err = exec_interpreter(l, loader, libdir, python, package_dir);
    reject(l->rejected, "the bundle's ", loader, why_exec_failed(err));
}

static void say(const char *s)
{
    write_all(2, s, strlen(s));
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

    /* secure_getenv: a setuid or setgid launcher ignores it. Only an absolute path: a relative
     * one would be looked up in whatever directory the container starts in. */
    const char *forced = secure_getenv("PYINIT_PYTHON");
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
