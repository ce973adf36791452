# cython: language_level=3, boundscheck=False, wraparound=False, binding=False
# binding=False: plain C functions instead of cyfunction objects, 0.05 ms less on every start.
"""pyinit_core: the part of pyinit that must not be Python.

Everything from clone() to execve(), and the steady-state wait loop, runs here as C: nogil,
async-signal-safe in the child, and without touching a Python object unless an event sink
(--verbose, -w) was installed. The Python package decides and explains; this module acts.

Signal sets are plain 64-bit masks (bit N-1 for signal N) passed to the raw rt_sig* system
calls: glibc's wrappers refuse its reserved realtime signals 32 and 33, and an init must not
die of a `kill -33` or lose one.

Public entry points (each a verb):
    block_async_signals() -> previous mask
    spawn(...)            -> (pid, 0, -1, 0) or (-1, errno, path_index, stage)
    supervise(...)        -> raw wait status of the main child
    terminal_is_ours()    -> whether stdin is a terminal whose foreground is our group
    drain(timeout_ms, whole_namespace) -> True when nothing is left to wait for
    signal_namespace(sig) -> errno (0 on success); PID 1 only
plus small prctl wrappers. Exit-status conventions: functions here return raw wait(2)
statuses; the 128+N mapping is the caller's.
"""

from libc.errno cimport errno, EINTR, ECHILD, EACCES, ENOENT, ENOTDIR, ESRCH, ESTALE, ENODEV, ETIMEDOUT
from libc.stdint cimport uint64_t, int64_t
from libc.stdlib cimport malloc, free
from libc.string cimport memset, memcpy, memcmp
from posix.types cimport pid_t, uid_t
from posix.stat cimport struct_stat
from posix.unistd cimport close, read, write, _exit, execve, setpgid, getpid, access, F_OK

cdef extern from "<signal.h>" nogil:
    union sigval:
        int sival_int
        void *sival_ptr
    ctypedef struct siginfo_t:
        int si_signo
        int si_code
        pid_t si_pid
        uid_t si_uid
        int si_status
        sigval si_value
    int kill(pid_t pid, int sig)
    enum: SIGCHLD, SIGKILL, SIGSTOP, SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGSYS
    enum: SIGTERM, SIGCONT
    enum: SIG_BLOCK, SIG_SETMASK
    enum: SI_QUEUE, SI_USER

cdef extern from "<sys/wait.h>" nogil:
    pid_t waitpid(pid_t pid, int *status, int options)
    int waitid(int idtype, int id, siginfo_t *info, int options)
    enum: WNOHANG, WSTOPPED, P_PID

cdef extern from "<unistd.h>" nogil:
    int pipe2(int fds[2], int flags)
    int tcsetpgrp(int fd, pid_t pgrp)
    pid_t tcgetpgrp(int fd)
    pid_t getpgrp()

cdef extern from "<fcntl.h>" nogil:
    enum: O_CLOEXEC

cdef extern from "<sys/prctl.h>" nogil:
    int prctl(int option, unsigned long arg2, unsigned long arg3, unsigned long arg4, unsigned long arg5)
    enum: PR_SET_CHILD_SUBREAPER, PR_GET_CHILD_SUBREAPER, PR_SET_PDEATHSIG, PR_SET_NAME

cdef extern from "<time.h>" nogil:
    ctypedef long time_t
    struct timespec:
        time_t tv_sec
        long tv_nsec
    int clock_gettime(int clk, timespec *ts)
    enum: CLOCK_MONOTONIC

# Raw system calls, in a form Cython can call without glibc's filtering of signals 32/33.
cdef extern from *:
    """
    #include <sys/syscall.h>
    #include <unistd.h>
    #include <signal.h>
    #define PYINIT_SIGSET_BYTES 8
    struct pyinit_kernel_sigaction {
        void *handler;
        unsigned long flags;
        void *restorer;
        unsigned long long mask;
    };
    static int pyinit_sigprocmask(int how, const unsigned long long *set, unsigned long long *old) {
        return (int)syscall(SYS_rt_sigprocmask, how, set, old, PYINIT_SIGSET_BYTES);
    }
    static int pyinit_sigtimedwait(const unsigned long long *set, siginfo_t *info,
                                   const struct timespec *timeout) {
        return (int)syscall(SYS_rt_sigtimedwait, set, info, timeout, PYINIT_SIGSET_BYTES);
    }
    /* Only SIG_DFL or SIG_IGN: no handler, so no restorer is needed. */
    static int pyinit_set_disposition(int sig, int ignore) {
        struct pyinit_kernel_sigaction action = {0};
        action.handler = ignore ? (void *)SIG_IGN : (void *)SIG_DFL;
        return (int)syscall(SYS_rt_sigaction, sig, &action, NULL, PYINIT_SIGSET_BYTES);
    }
    static int pyinit_is_ignored(int sig) {
        struct pyinit_kernel_sigaction current;
        if (syscall(SYS_rt_sigaction, sig, NULL, &current, PYINIT_SIGSET_BYTES) != 0)
            return 0;
        return current.handler == (void *)SIG_IGN;
    }
    static int pyinit_sigqueue(pid_t pid, int sig, const siginfo_t *received) {
        /* Keep a sigqueue()d value: realtime IPC relies on it. The kernel only accepts
         * si_code SI_QUEUE with our own pid as the sender. */
        siginfo_t info = {0};
        info.si_signo = sig;
        info.si_code = SI_QUEUE;
        info.si_pid = getpid();
        info.si_uid = getuid();
        info.si_value = received->si_value;
        return (int)syscall(SYS_rt_sigqueueinfo, pid, sig, &info);
    }
    """
    int pyinit_sigprocmask(int how, const unsigned long long *set, unsigned long long *old) nogil
    int pyinit_sigtimedwait(const unsigned long long *set, siginfo_t *info, const timespec *timeout) nogil
    int pyinit_set_disposition(int sig, int ignore) nogil
    int pyinit_is_ignored(int sig) nogil
    int pyinit_sigqueue(pid_t pid, int sig, const siginfo_t *received) nogil

# The flight recorder: a fixed ring of events in a memfd that pyinit maps read-write and
# `pyinit --events` maps read-only through /proc/PID/fd (see pyinit/explain/events.py, which
# holds the reader's copy of this layout). Writing one event is a clock read and 32 bytes: no
# Python, no allocation, no system call beyond the vDSO clock.
cdef extern from *:
    """
    #include <errno.h>
    #include <fcntl.h>
    #include <stddef.h>
    #include <stdint.h>
    #include <string.h>
    #include <time.h>
    #include <sys/mman.h>
    #include <sys/syscall.h>
    #define PYINIT_RING_MAGIC "PYINITEV"
    #define PYINIT_RING_VERSION 1
    #define PYINIT_RING_SLOTS 1024
    struct pyinit_event {          /* 32 bytes */
        uint64_t t_ns;             /* CLOCK_MONOTONIC */
        uint32_t kind;
        int32_t a, b, c, d;
        uint32_t seq;              /* (index + 1) mod 2^32 once complete; 0 while written */
    };
    struct pyinit_ring {           /* 64-byte header, then the slots */
        char magic[8];
        uint32_t version, slots, slot_size, header_size;
        uint64_t written;          /* events ever written; slot = written % slots */
        uint64_t created_ns;
        int32_t pid;               /* pyinit's pid in its own namespace */
        uint32_t reserved[5];
        struct pyinit_event events[PYINIT_RING_SLOTS];
    };
    static struct pyinit_ring *pyinit_ring = NULL;
    static uint64_t pyinit_now_ns(void) {
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        return (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
    }
    /* Returns the memfd (kept open: it is how a reader finds the ring) or -errno. */
    static int pyinit_ring_open(int pid) {
        int fd = (int)syscall(SYS_memfd_create, "pyinit-events", 1u /* MFD_CLOEXEC */);
        void *map;
        if (fd < 0)
            return -errno;
        if (fd <= 2) {
            /* Started with a standard stream closed: keep that number free, as it was. */
            int moved = (int)syscall(SYS_fcntl, fd, F_DUPFD_CLOEXEC, 3);
            close(fd);
            if (moved < 0)
                return -errno;
            fd = moved;
        }
        if (ftruncate(fd, sizeof(struct pyinit_ring)) != 0) {
            int err = errno;
            close(fd);
            return -err;
        }
        map = mmap(NULL, sizeof(struct pyinit_ring), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (map == MAP_FAILED) {
            int err = errno;
            close(fd);
            return -err;
        }
        pyinit_ring = (struct pyinit_ring *)map;
        pyinit_ring->version = PYINIT_RING_VERSION;
        pyinit_ring->slots = PYINIT_RING_SLOTS;
        pyinit_ring->slot_size = sizeof(struct pyinit_event);
        pyinit_ring->header_size = offsetof(struct pyinit_ring, events);
        pyinit_ring->created_ns = pyinit_now_ns();
        pyinit_ring->pid = pid;
        /* The magic last: a reader that sees it sees a complete header. */
        __atomic_thread_fence(__ATOMIC_RELEASE);
        memcpy(pyinit_ring->magic, PYINIT_RING_MAGIC, 8);
        return fd;
    }
    static void pyinit_ring_record(int kind, long a, long b, long c, long d) {
        struct pyinit_ring *ring = pyinit_ring;
        struct pyinit_event *slot;
        uint64_t n;
        if (ring == NULL)
            return;
        n = ring->written;
        slot = &ring->events[n % PYINIT_RING_SLOTS];
        /* A reader copying this slot meanwhile sees seq 0 or another index: it drops it. */
        __atomic_store_n(&slot->seq, 0, __ATOMIC_RELAXED);
        __atomic_thread_fence(__ATOMIC_RELEASE);
        slot->t_ns = pyinit_now_ns();
        slot->kind = (uint32_t)kind;
        slot->a = (int32_t)a; slot->b = (int32_t)b; slot->c = (int32_t)c; slot->d = (int32_t)d;
        __atomic_store_n(&slot->seq, (uint32_t)(n + 1), __ATOMIC_RELEASE);
        /* Publish after the slot is complete: a reader trusts slots below `written`. */
        __atomic_store_n(&ring->written, n + 1, __ATOMIC_RELEASE);
    }
    static int pyinit_ring_size(void) { return (int)sizeof(struct pyinit_ring); }
    """
    int pyinit_ring_open(int pid) nogil
    void pyinit_ring_record(int kind, long a, long b, long c, long d) nogil
    int pyinit_ring_size() nogil
    uint64_t pyinit_now_ns() nogil

cdef enum:
    MAX_SIGNAL = 64

cdef enum EventKind:
    EV_SIGNAL = 0
    EV_FORWARD = 1
    EV_REAP = 2

EVENT_NAMES = ("signal", "forward", "reap")
# Kinds the Python side puts into the flight recorder (record()); the reader's table of all
# kinds is pyinit.explain.events.KINDS.
KIND_CHILD_EXIT, KIND_SHUTDOWN, KIND_SPAWN = 3, 4, 5
KIND_TIMEOUT, KIND_STOP_STALLED, KIND_EXIT, KIND_GRACE_KILL = 7, 8, 9, 10

# What supervise() returns instead of a wait status (never negative) when it wakes for a
# deadline rather than for the child's exit: the caller acts and calls it again.
cdef enum Woke:
    WOKE_FOR_DEADLINE = -1        # the wake_at_ns the caller gave (--timeout, end of --grace)
    WOKE_FOR_STOP_STALLED = -2    # a stop request was forwarded --stop-report-after ago

WOKE_DEADLINE = <int>WOKE_FOR_DEADLINE
WOKE_STOP_STALLED = <int>WOKE_FOR_STOP_STALLED

# The stop watchdog's state lives across calls of supervise(): one report per run.
cdef int64_t _stall_at_ns = 0     # 0: not armed; -1: reported (never again); else when
cdef int _stop_signal = 0         # the stop request that armed it (as received)
cdef int64_t _stop_forwarded_ns = 0

# Stages of the child's single error path, written to the error pipe with errno.
cdef enum Stage:
    STAGE_FORK = 0
    STAGE_SETPGID = 1
    STAGE_DISPOSITIONS = 2
    STAGE_SIGMASK = 3
    STAGE_EXEC = 4
    STAGE_OOM_SCORE_ADJ = 5

# A cpdef enum would import `enum` (3 ms) on every start: export the one value Python needs.
EXEC_STAGE = <int>STAGE_EXEC
STAGE_NAMES = ("fork", "setpgid", "signal dispositions", "signal mask", "execve",
               "oom_score_adj")

# How often the shutdown looks again for processes that are not pyinit's children (they
# send it no SIGCHLD): processes a `docker exec` started in the namespace.
cdef enum:
    NAMESPACE_POLL_MS = 20

cdef inline uint64_t sigbit(int sig) noexcept nogil:
    return (<uint64_t>1) << (sig - 1)


cdef inline bint sent_by_ourselves(siginfo_t *info, pid_t self_pid) noexcept nogil:
    # pyinit never kill()s itself: a signal from its own pid is the kernel's answer to one of
    # its own writes (SIGPIPE for a closed stderr pipe, SIGXFSZ). Blocked, it is queued even
    # though CPython ignores it; forwarding it would kill the child for pyinit's broken pipe.
    return info.si_code == SI_USER and info.si_pid == self_pid

# Faults are synchronous: blocking them would turn a crash into a hang.
cdef uint64_t SYNCHRONOUS = (sigbit(SIGSEGV) | sigbit(SIGBUS) | sigbit(SIGFPE) | sigbit(SIGILL)
                             | sigbit(SIGTRAP) | sigbit(SIGSYS))
cdef uint64_t ASYNC_SIGNALS = ~SYNCHRONOUS & ~sigbit(SIGKILL) & ~sigbit(SIGSTOP)

# The event sink: None unless --verbose or -w asked for events. Checked as a C flag in the loop.
cdef object _sink = None
cdef bint _events = False


cdef void emit(int kind, long a, long b, long c, long d) noexcept nogil:
    with gil:
        try:
            _sink(EVENT_NAMES[kind], a, b, c, d)
        except BaseException:
            # A tracing bug must never take the init down with it.
            pass


# Called when a forward fails (set by the supervisor whatever the verbosity): rare, so it
# may take the GIL; the steady-state loop never does.
cdef object _forward_failure_sink = None
cdef bint _report_forward_failures = False


cdef void forward_failed(int sig, int sent, pid_t target, int err) noexcept nogil:
    # ESRCH: the target is gone (a group whose members all exited); the reap says the rest.
    if err == ESRCH or not _report_forward_failures:
        return
    with gil:
        try:
            _forward_failure_sink(sig, sent, target, err)
        except BaseException:
            pass


def set_forward_failure_sink(sink):
    """Install (or remove, with None) the callable that receives (received, sent, target,
    errno) for a forward that kill() or rt_sigqueueinfo() refused."""
    global _forward_failure_sink, _report_forward_failures
    _forward_failure_sink = sink
    _report_forward_failures = sink is not None


cdef inline void note(int kind, long a, long b, long c, long d) noexcept nogil:
    # Every event goes to the flight recorder; to the Python sink only when one is installed.
    pyinit_ring_record(kind, a, b, c, d)
    if _events:
        emit(kind, a, b, c, d)


def open_recorder():
    """Create the flight recorder's memfd and map it; returns the fd, or -errno (the run
    goes on without a recorder: it is a diagnosis, not a reason to refuse a start)."""
    return pyinit_ring_open(getpid())


def record(int kind, long a, long b, long c, long d):
    """Put one event the Python side produced (spawn, exit, timeout, ...) into the recorder."""
    pyinit_ring_record(kind, a, b, c, d)


def recorder_size():
    return pyinit_ring_size()


def set_event_sink(sink):
    """Install (or remove, with None) the callable that receives (kind, a, b, c, d) events."""
    global _sink, _events
    _sink = sink
    _events = sink is not None


def async_signal_mask():
    return ASYNC_SIGNALS


def block_async_signals():
    """Block every asynchronous signal; return the mask that was in force before."""
    cdef unsigned long long block = ASYNC_SIGNALS
    cdef unsigned long long previous = 0
    if pyinit_sigprocmask(SIG_BLOCK, &block, &previous) != 0:
        raise OSError(errno, "rt_sigprocmask")
    return previous


def ignored_signals():
    """The set of signals whose disposition is SIG_IGN right now, as a mask."""
    cdef uint64_t ignored = 0
    cdef int sig
    for sig in range(1, MAX_SIGNAL + 1):
        if pyinit_is_ignored(sig):
            ignored |= sigbit(sig)
    return ignored


def reset_sigchld():
    """SIGCHLD ignored by whoever started us would make the kernel reap children unseen."""
    pyinit_set_disposition(SIGCHLD, 0)


def set_child_subreaper():
    if prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        raise OSError(errno, "prctl(PR_SET_CHILD_SUBREAPER)")


def is_child_subreaper():
    """Whether orphans are re-parented to us. A kernel (or emulator: qemu-user) that does not
    know the call cannot have made us one: False, never an error that stops the start."""
    cdef int value = 0
    if prctl(PR_GET_CHILD_SUBREAPER, <unsigned long>&value, 0, 0, 0) != 0:
        return False
    return value != 0


def set_parent_death_signal(int sig):
    if prctl(PR_SET_PDEATHSIG, sig, 0, 0, 0) != 0:
        raise OSError(errno, "prctl(PR_SET_PDEATHSIG)")


def set_process_name(bytes name):
    """What `ps` and /proc/PID/comm show: pyinit, not python3."""
    prctl(PR_SET_NAME, <unsigned long><char *>name, 0, 0, 0)


def set_process_title(bytes title, unsigned long start, unsigned long end, bytes current):
    """Overwrite this process's argv area [start, end) (arg_start/arg_end of /proc/self/stat)
    with `title` (NUL-separated words), so that ps and `docker top` show it instead of the
    interpreter's command line. The area is first checked to hold `current` (what
    /proc/self/cmdline read), then zeroed entirely, so nothing of the long original is
    left; a title longer than the area is cut, keeping the last NUL. Returns whether it
    was written."""
    cdef char *area = <char *>start
    cdef size_t size = end - start
    cdef size_t length = len(title)
    if end <= start or <size_t>len(current) != size or memcmp(area, <char *>current, size) != 0:
        return False
    if length > size - 1:
        length = size - 1
    memset(area, 0, size)
    memcpy(area, <char *>title, length)
    return True


def terminal_is_ours():
    """Whether stdin is a terminal whose foreground process group is ours: only then may
    the child take it (a background `pyinit ... &` must not steal a shell's terminal)."""
    # Both are 0 when the group lives outside our PID namespace (PID 1 under `unshare
    # --fork`, which stays in unshare's group): then the group that started us is taken to
    # hold the terminal, as it does when a shell runs unshare in the foreground.
    cdef pid_t foreground = tcgetpgrp(0)
    return foreground >= 0 and foreground == getpgrp()


def give_terminal_back(pid_t child):
    """After the child exits: if its group still holds the terminal's foreground, the
    foreground returns to pyinit's group, so the shell that started pyinit (one without job
    control of its own) can read from the terminal again. SIGTTOU is blocked here."""
    if tcgetpgrp(0) == child:
        tcsetpgrp(0, getpgrp())


def monotonic_ns():
    cdef timespec now
    clock_gettime(CLOCK_MONOTONIC, &now)
    return now.tv_sec * 1000000000 + now.tv_nsec


# ---------------------------------------------------------------------------------------
# memory and the OOM killer (see docs/footprint.md)

cdef extern from *:
    """
    #include <errno.h>
    #include <fcntl.h>
    #include <sys/mman.h>
    #include <unistd.h>
    #ifdef __GLIBC__
    #include <malloc.h>
    #endif
    static void pyinit_malloc_trim(void) {
    #ifdef __GLIBC__
        malloc_trim(0);
    #endif
    }
    static long sysconf_page_size(void) {
        return sysconf(_SC_PAGESIZE);
    }
    static int pyinit_open(const char *path, int flags) {
        int fd;
        do { fd = open(path, flags | O_CLOEXEC); } while (fd < 0 && errno == EINTR);
        return fd;
    }
    """
    void pyinit_malloc_trim() nogil
    long sysconf_page_size() nogil
    int pyinit_open(const char *path, int flags) nogil
    enum: O_RDONLY, O_WRONLY

# The score pyinit gives itself when it may: the kernel's OOM killer then takes any other
# process of the container first. Not -1000, which would make pyinit unkillable: when
# nothing else is left to kill, a memory cgroup must still be able to recover.
cdef enum:
    OOM_SCORE_ADJ_PYINIT = -999
    OOM_SCORE_ADJ_TEXT = 16

cdef const char *OOM_SCORE_ADJ_PATH = "/proc/self/oom_score_adj"
# What /proc/self/oom_score_adj said before pyinit lowered it, byte for byte: the child
# writes it back between fork and exec. Length 0: pyinit did not lower it.
cdef char _oom_score_adj_saved[OOM_SCORE_ADJ_TEXT]
cdef int _oom_score_adj_saved_length = 0


cdef bint write_oom_score_adj(const char *text, int length) noexcept nogil:
    cdef int fd = pyinit_open(OOM_SCORE_ADJ_PATH, O_WRONLY)
    cdef ssize_t wrote
    if fd < 0:
        return False
    wrote = write(fd, text, length)
    close(fd)
    return wrote == length


def lower_oom_score_adj():
    """Lower pyinit's own oom_score_adj as far as the kernel lets it; once, before spawn.

    -999 with CAP_SYS_RESOURCE. Without it the kernel still lets a process go down to the
    score a privileged process last set (0 unless a runtime set another): so from a score
    above 0, pyinit tries 0. Returns (before, after) when it lowered its score, None when
    not (no /proc, not permitted, already that low). The child gets `before` back, as read.
    """
    global _oom_score_adj_saved_length
    cdef char text[OOM_SCORE_ADJ_TEXT]
    cdef ssize_t got
    cdef int fd = pyinit_open(OOM_SCORE_ADJ_PATH, O_RDONLY)
    if fd < 0:
        return None
    got = read(fd, text, OOM_SCORE_ADJ_TEXT - 1)
    close(fd)
    if got <= 0:
        return None
    try:
        before = int(text[:got])
    except ValueError:
        return None
    if before > OOM_SCORE_ADJ_PYINIT and write_oom_score_adj(b"-999", 4):
        after = OOM_SCORE_ADJ_PYINIT
    elif before > 0 and write_oom_score_adj(b"0", 1):
        after = 0
    else:
        return None
    memcpy(_oom_score_adj_saved, text, got)
    _oom_score_adj_saved_length = <int>got
    return (before, after)


# The memory cgroup's OOM counters: pyinit.explain.oom compares them before and after the
# run. The "before" is read on every start, here, because importing that module for it cost
# half a millisecond of each start; the module reads the "after", and finds the cgroup
# through mountinfo where the usual mount points do not have it.

cdef extern from "<string.h>" nogil:
    char *strerror(int errnum)


cdef raise_os_error(int err, bytes path):
    raise OSError(err, strerror(err).decode("utf-8", "replace"),
                  path.decode("utf-8", "surrogateescape"))


def read_file(bytes path):
    """The whole file as bytes, or raise OSError naming the path. For the /proc and cgroup
    files a start reads: no file object, no io buffer, one read per 64 KiB."""
    cdef char buffer[65536]
    cdef ssize_t got
    cdef int err
    cdef list chunks = []
    cdef int fd = pyinit_open(path, O_RDONLY)
    if fd < 0:
        raise_os_error(errno, path)
    while True:
        got = read(fd, buffer, sizeof(buffer))
        if got < 0 and errno == EINTR:
            continue
        if got < 0:
            err = errno
            close(fd)
            raise_os_error(err, path)
        if got == 0:
            break
        chunks.append(buffer[:got])
    close(fd)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def environment_at_execve():
    """The environment execve gave pyinit, byte for byte: a list of bytes entries from
    /proc/self/environ, or None without /proc (or with a /proc in which pyinit is not
    visible): the caller then takes os.environb.

    os.environ is not that environment: CPython's C-locale coercion adds LC_CTYPE=C.UTF-8
    to it when the locale is C or POSIX (LANG=C, or nothing set), which changes what the
    child's programs match and print; and building it drops entries without '=' and all but
    one of duplicate names. /proc/self/environ holds the strings the kernel copied at
    execve, untouched by any setenv() since.
    """
    try:
        data = read_file(b"/proc/self/environ")
    except OSError:
        return None
    if not data:
        return []
    # The area ends with the NUL of its last entry; a NUL-free tail means it was truncated
    # or overwritten (setproctitle): keep what is there rather than lose an entry.
    entries = data.split(b"\0")
    if not entries[len(entries) - 1]:   # (no negative indexes here: wraparound=False)
        entries.pop()
    return entries


cdef dict keyed_counters(bytes text):
    """{name: int} of the "name value" lines of a cgroup counter file."""
    cdef dict values = {}
    for line in text.split(b"\n"):
        key, _, value = line.partition(b" ")
        value = value.strip()
        if value.lstrip(b"-").isdigit():
            values[key.decode("ascii", "replace")] = int(value)
    return values


def usual_memory_cgroup():
    """(version, directory) of pyinit's memory cgroup where the usual mount points have it:
    /sys/fs/cgroup/memory/PATH with a memory.oom_control (v1), else /sys/fs/cgroup/PATH with a
    memory.events (v2), PATH from /proc/self/cgroup. None when it is not there (a container
    whose cgroup mount is rooted at its own cgroup: mountinfo says where), or no /proc."""
    cdef bytes v1 = None, v2 = None
    try:
        text = read_file(b"/proc/self/cgroup")
    except OSError:
        return None
    for line in text.split(b"\n"):
        parts = line.split(b":", 2)
        if len(parts) != 3:
            continue
        if b"memory" in parts[1].split(b","):
            v1 = parts[2]
        elif not parts[1]:
            v2 = parts[2]
    if v1 is not None:
        version, directory, counters = 1, b"/sys/fs/cgroup/memory/" + v1.strip(b"/"), b"memory.oom_control"
    elif v2 is not None:
        version, directory, counters = 2, b"/sys/fs/cgroup/" + v2.strip(b"/"), b"memory.events"
    else:
        return None
    directory = directory.rstrip(b"/")
    if access(directory + b"/" + counters, F_OK) != 0:
        return None
    return version, directory.decode("utf-8", "surrogateescape")


def oom_counters(int version=0, str directory=None):
    """(version, directory, oom_kill, failcnt) of the memory cgroup now: `directory` (raise
    OSError naming the file that cannot be read), or, without one, the usual one (None when
    it is not there or cannot be read). oom_kill is None where the kernel has no such
    counter (v1 before 4.13); failcnt (v2: memory.events `max`) is read on v1 only then."""
    cdef dict values
    if directory is None:
        found = usual_memory_cgroup()
        if found is None:
            return None
        try:
            return oom_counters(*found)
        except (OSError, ValueError):
            return None
    path = directory.encode("utf-8", "surrogateescape")
    if version == 2:
        values = keyed_counters(read_file(path + b"/memory.events"))
        return 2, directory, values.get("oom_kill"), values.get("max")
    values = keyed_counters(read_file(path + b"/memory.oom_control"))
    failcnt = None
    if "oom_kill" not in values:
        failcnt = int(read_file(path + b"/memory.failcnt"))
    return 1, directory, values.get("oom_kill"), failcnt


cdef extern from *:
    """
    #include <stdint.h>
    #include <unistd.h>
    #define PYINIT_PM_PRESENT (1ULL << 63)
    #define PYINIT_PM_FILE (1ULL << 61)
    /* Unmap the pages of [start, end) that are clean pages of the file (the pagemap's
     * "file page" bit): a later access maps them again from the page cache. Pages the
     * process wrote to (relocations under RELRO) are anonymous copies and stay. Returns the
     * number of pages unmapped, or -errno. */
    static long pyinit_drop_file_pages(int pagemap, unsigned long start, unsigned long end) {
        long page = sysconf(_SC_PAGESIZE), dropped = 0;
        uint64_t entries[512];
        unsigned long run = 0, at = start;
        while (at < end) {
            size_t count = (end - at) / page;
            if (count > 512) count = 512;
            ssize_t got = pread(pagemap, entries, count * 8, (off_t)(at / page) * 8);
            if (got <= 0) return -errno;
            count = (size_t)got / 8;
            for (size_t i = 0; i < count; i++, at += page) {
                int drop = (entries[i] & PYINIT_PM_PRESENT) && (entries[i] & PYINIT_PM_FILE);
                if (drop && !run) run = at;
                if (!drop && run) {
                    if (madvise((void *)run, at - run, MADV_DONTNEED) == 0) dropped += (at - run) / page;
                    run = 0;
                }
            }
        }
        if (run && madvise((void *)run, at - run, MADV_DONTNEED) == 0) dropped += (at - run) / page;
        return dropped;
    }
    """
    long pyinit_drop_file_pages(int pagemap, unsigned long start, unsigned long end) nogil


cdef extern from *:
    """
    #include <signal.h>
    #include <stdlib.h>
    #include <string.h>
    #include <sys/wait.h>
    #include <termios.h>
    #include <time.h>
    #include <unistd.h>
    #include <errno.h>
    #define PYINIT_MAX_KEPT_FILES 16
    #define PYINIT_KEPT_AROUND_FUNCTION 8192  /* a function's page and the next: bodies cross */

    /* The file mappings (read-only, not kept) whose pages may go, minus the pages of the C
     * library functions the wait loop calls, as [start, end) ranges into out_start/out_end.
     * Kept whole: every mapping of the file holding `own` (this module) and of the dynamic
     * loader (ld-*, ld.so). Done in C: through Python's io and str.split the same took
     * 0.1 ms of every start. Returns the number of ranges, or -errno. */
    static int pyinit_plan_drop(unsigned long own, unsigned long *out_start,
                                unsigned long *out_end, int size) {
        unsigned long functions[] = {
            (unsigned long)&syscall, (unsigned long)&kill, (unsigned long)&waitpid,
            (unsigned long)&waitid, (unsigned long)&getpid, (unsigned long)&getuid,
            (unsigned long)&getpgrp, (unsigned long)&tcgetpgrp, (unsigned long)&tcsetpgrp,
            (unsigned long)&clock_gettime, (unsigned long)&read, (unsigned long)&write,
            (unsigned long)&close, (unsigned long)&__errno_location,
        };
        int n_functions = (int)(sizeof functions / sizeof functions[0]);
        unsigned long kept_inode[PYINIT_MAX_KEPT_FILES];
        int n_kept = 0, count = 0;
        size_t capacity = 65536, used = 0;
        char *text = malloc(capacity);
        int fd;
        if (!text)
            return -ENOMEM;
        fd = pyinit_open("/proc/self/maps", O_RDONLY);
        if (fd < 0) {
            int err = errno;
            free(text);
            return -err;
        }
        for (;;) {
            ssize_t got;
            if (used == capacity - 1) {
                char *bigger = realloc(text, capacity * 2);
                if (!bigger)
                    break;
                text = bigger;
                capacity *= 2;
            }
            got = read(fd, text + used, capacity - 1 - used);
            if (got < 0 && errno == EINTR)
                continue;
            if (got <= 0)
                break;
            used += (size_t)got;
        }
        close(fd);
        text[used] = '\\0';

        /* Two passes over the lines: which files are kept, then what goes. */
        for (int pass = 0; pass < 2; pass++) {
            char *line = text;
            while (*line) {
                char *next = strchr(line, '\\n');
                unsigned long start, end, inode;
                char *path, *perms, *field = line;
                if (next)
                    *next = '\\0';
                /* start-end perms offset dev inode path */
                start = strtoul(field, &field, 16);
                end = strtoul(field + 1, &field, 16);
                perms = field + 1;
                for (int skip = 0; skip < 3 && field; skip++)
                    field = strchr(field + 1, ' ');
                inode = field ? strtoul(field, &field, 10) : 0;
                while (field && *field == ' ')
                    field++;
                if (field && *field == '/' && strlen(perms) > 4) {
                    path = field;
                    const char *name = strrchr(path, '/') + 1;
                    int kept = 0;
                    if (pass == 0) {
                        if ((own >= start && own < end) || strncmp(name, "ld-", 3) == 0 ||
                            strncmp(name, "ld.so", 5) == 0) {
                            if (n_kept < PYINIT_MAX_KEPT_FILES)
                                kept_inode[n_kept++] = inode;
                        }
                    } else {
                        for (int k = 0; k < n_kept; k++)
                            kept |= kept_inode[k] == inode;
                        if (!kept && perms[1] != 'w') {
                            /* [start, end) minus the kept pages around each function */
                            unsigned long at = start;
                            while (at < end && count < size) {
                                unsigned long hole_low = end, hole_high = end;
                                for (int f = 0; f < n_functions; f++) {
                                    unsigned long low = functions[f] & ~4095UL;
                                    unsigned long high = low + PYINIT_KEPT_AROUND_FUNCTION;
                                    if (high > at && low < hole_low) {
                                        hole_low = low < at ? at : low;
                                        hole_high = high;
                                    }
                                }
                                if (hole_low > at) {
                                    out_start[count] = at;
                                    out_end[count] = hole_low < end ? hole_low : end;
                                    count++;
                                }
                                at = hole_high;
                            }
                        }
                    }
                }
                if (next)
                    *next = '\\n';
                else
                    break;
                line = next + 1;
            }
        }
        free(text);
        return count;
    }
    """
    int pyinit_plan_drop(unsigned long own, unsigned long *out_start, unsigned long *out_end,
                         int size) nogil

# The ranges of read-only file mappings whose pages the wait drops.
cdef enum:
    MAX_DROPPED_RANGES = 256
cdef unsigned long _drop_start[MAX_DROPPED_RANGES]
cdef unsigned long _drop_end[MAX_DROPPED_RANGES]
cdef long _dropped_pages = 0
# When the wait gives back start-up memory (monotonic ns), 0 when it will not (again).
cdef int64_t _drop_at_ns = 0

# How long the child runs before start-up memory goes. A command that is over sooner (a
# quick initContainer step, `docker run IMAGE true`) would pay for the release twice: the
# plan and the madvise calls, then the faults that bring the pages back when Python runs at
# its exit, together a third of a millisecond here. 20 ms is too short for a container to
# fill its memory limit before the pages are gone (the OOM scenario of docs/footprint.md).
STARTUP_PAGES_KEPT_NS = 20 * 1000 * 1000


def release_startup_memory(int64_t after_ns=STARTUP_PAGES_KEPT_NS):
    """Give back what start-up needed and the wait loop never touches, once the child has run
    after_ns; call once, after spawn.

    The wait does it, as C, when that time comes (one timed wakeup, and none if the child is
    gone before): malloc_trim returns the C heap's free pages, and the clean file pages of
    read-only mappings (the interpreter, libpython, extension modules, the C library) are
    unmapped. They leave pyinit's RSS, which is what the OOM killer ranks, and stay in the
    page cache, so that touching them again is a minor fault. Kept mapped: this module and the
    dynamic loader whole, and the pages of the C library functions the loop calls. Python's
    pages come back when Python runs again (an event sink, the child's exit): call it only
    when nothing calls into Python from the loop.
    """
    global _drop_at_ns
    _drop_at_ns = <int64_t>pyinit_now_ns() + (after_ns if after_ns > 0 else 1)


cdef void drop_startup_pages() noexcept nogil:
    # Once, from the wait: plan which mappings go (reads /proc/self/maps), then drop them.
    global _drop_at_ns, _dropped_pages
    cdef int i, count, pagemap
    cdef long dropped
    _drop_at_ns = 0
    pyinit_malloc_trim()
    count = pyinit_plan_drop(<unsigned long><void *>exec_child, _drop_start, _drop_end,
                             MAX_DROPPED_RANGES)
    if count <= 0:
        return
    pagemap = pyinit_open("/proc/self/pagemap", O_RDONLY)
    if pagemap < 0:
        return
    for i in range(count):
        dropped = pyinit_drop_file_pages(pagemap, _drop_start[i], _drop_end[i])
        if dropped > 0:
            _dropped_pages += dropped
    close(pagemap)


def dropped_startup_kb():
    """How many kB of file pages the wait dropped (release_startup_memory)."""
    return _dropped_pages * sysconf_page_size() // 1024

# ---------------------------------------------------------------------------------------
# the start's quick check (pyinit.preflight decides everything it does not accept)

# execvp's search path when PATH is unset (what Docker puts in an image's environment too);
# pyinit.preflight.DEFAULT_PATH is the same.
DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

cdef extern from *:
    """
    #include <errno.h>
    #include <fcntl.h>
    #include <stdint.h>
    #include <string.h>
    #include <sys/stat.h>
    #include <unistd.h>
    #if defined(__x86_64__) && defined(__LP64__)
    #define PYINIT_NATIVE_MACHINE 62      /* EM_X86_64 */
    #elif defined(__aarch64__) && defined(__LP64__) && defined(__AARCH64EL__)
    #define PYINIT_NATIVE_MACHINE 183     /* EM_AARCH64 */
    #else
    #define PYINIT_NATIVE_MACHINE 0       /* every start goes to pyinit.preflight */
    #endif
    #define PYINIT_QUICK_HEAD 1024        /* pyinit.preflight.elf.HEAD_BYTES */
    #define PYINIT_QUICK_MAX_PHDRS 65536  /* pyinit.preflight.elf.MAX_PHDR_BYTES */
    #define PYINIT_QUICK_MAX_INTERP 4096  /* pyinit.preflight.elf.MAX_INTERP_BYTES */
    #define PYINIT_QUICK_SHEBANG 128      /* the kernel's #! buffer before Linux 5.1 */

    static unsigned char pyinit_quick_table[PYINIT_QUICK_MAX_PHDRS];

    /* stat and fstat as system calls where the kernel's struct stat is the C library's
     * (x86-64, arm64): glibc 2.33 made them symbols of that version, and a manylinux2014
     * wheel may need nothing newer than 2.17. */
    #include <sys/syscall.h>
    #if (defined(__x86_64__) || defined(__aarch64__)) && defined(SYS_newfstatat) && defined(SYS_fstat)
    static int pyinit_stat(const char *path, struct stat *st) {
        return (int)syscall(SYS_newfstatat, AT_FDCWD, path, st, 0);
    }
    static int pyinit_fstat(int fd, struct stat *st) {
        return (int)syscall(SYS_fstat, fd, st);
    }
    #else
    static int pyinit_stat(const char *path, struct stat *st) { return stat(path, st); }
    static int pyinit_fstat(int fd, struct stat *st) { return fstat(fd, st); }
    #endif

    /* Open a regular file the way pyinit.preflight.untrusted does (a FIFO must not block
     * PID 1) and read its first `size` bytes with one read. -1 when anything is unusual. */
    static ssize_t pyinit_quick_head(const char *path, unsigned char *head, size_t size,
                                     int *fd_out, off_t *file_size) {
        struct stat st, opened;
        ssize_t got;
        int fd;
        if (pyinit_stat(path, &st) != 0 || !S_ISREG(st.st_mode))
            return -1;
        if (faccessat(AT_FDCWD, path, X_OK, AT_EACCESS) != 0)
            return -1;
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
        if (fd < 0)
            return -1;
        if (pyinit_fstat(fd, &opened) != 0 || !S_ISREG(opened.st_mode)) {
            close(fd);
            return -1;
        }
        do { got = read(fd, head, size); } while (got < 0 && errno == EINTR);
        if (got < 0) {
            close(fd);
            return -1;
        }
        *fd_out = fd;
        *file_size = opened.st_size;
        return got;
    }

    static int pyinit_quick_read_at(int fd, const unsigned char *head, ssize_t head_size,
                                    unsigned char *out, uint64_t size, uint64_t offset) {
        ssize_t got;
        if (offset + size <= (uint64_t)head_size) {
            memcpy(out, head + offset, size);
            return 1;
        }
        do { got = pread(fd, out, size, (off_t)offset); } while (got < 0 && errno == EINTR);
        return got == (ssize_t)size;
    }

    /* PT_INTERP's loader, as pyinit.preflight's _check_loader wants it: a regular,
     * executable file holding a whole ELF header of our machine. */
    static int pyinit_quick_loader_is_fine(const char *loader) {
        unsigned char head[64];
        uint16_t machine;
        off_t size;
        int fd;
        ssize_t got = pyinit_quick_head(loader, head, sizeof head, &fd, &size);
        if (got < 0)
            return 0;
        close(fd);
        if (got < 64 || memcmp(head, "\\x7f" "ELF", 4) != 0)
            return 0;
        memcpy(&machine, head + 18, 2);
        return machine == PYINIT_NATIVE_MACHINE;
    }

    static int pyinit_quick_program_is_fine(const char *path, int scripts);

    /* A #! line that pyinit.preflight (its shebang reader: the kernel's rules) reads the
     * same whatever the kernel's buffer (128 bytes before Linux 5.1, 256 since): ended by a
     * newline within 128 bytes, no \\r or NUL in it (a CRLF script is preflight's to report),
     * an absolute interpreter that is not env (env's target is preflight's to look up), and
     * that interpreter a sound native ELF program. */
    static int pyinit_quick_script_is_fine(const unsigned char *head, ssize_t got) {
        char interpreter[PYINIT_QUICK_SHEBANG];
        const unsigned char *newline;
        const char *base;
        size_t end, at, start;
        newline = memchr(head, '\\n', got < PYINIT_QUICK_SHEBANG ? (size_t)got : PYINIT_QUICK_SHEBANG);
        if (newline == NULL)
            return 0;
        end = (size_t)(newline - head);
        for (at = 2; at < end; at++)
            if (head[at] == '\\r' || head[at] == 0)
                return 0;
        for (at = 2; at < end && (head[at] == ' ' || head[at] == '\\t'); at++)
            ;
        start = at;
        for (; at < end && head[at] != ' ' && head[at] != '\\t'; at++)
            ;
        if (at == start || head[start] != '/')
            return 0;
        memcpy(interpreter, head + start, at - start);
        interpreter[at - start] = 0;
        base = strrchr(interpreter, '/') + 1;
        if (strcmp(base, "env") == 0)
            return 0;
        return pyinit_quick_program_is_fine(interpreter, 0);
    }

    /* 1 when `path` is a 64-bit ELF program of this machine that pyinit.preflight's
     * normal-start check would accept without a record or a warning: its headers as the
     * kernel reads them (pyinit.preflight.elf.kernel_view), every PT_LOAD inside the file (no
     * truncation to weigh), a PT_INTERP loader that is there and fits; or, with `scripts`,
     * a #! script whose interpreter is such a program (pyinit_quick_script_is_fine). 0 for
     * anything else, which is not a verdict: pyinit.preflight then looks. */
    static int pyinit_quick_program_is_fine(const char *path, int scripts) {
        unsigned char head[PYINIT_QUICK_HEAD];
        unsigned char interp[PYINIT_QUICK_MAX_INTERP + 1];
        const unsigned char *table;
        uint16_t e_type, machine, phentsize, phnum;
        uint64_t phoff, table_size, size, interp_offset = 0, interp_size = 0;
        int fd, fine = 0, has_interp = 0;
        off_t file_size;
        ssize_t got;
        if (PYINIT_NATIVE_MACHINE == 0)
            return 0;
        got = pyinit_quick_head(path, head, sizeof head, &fd, &file_size);
        if (got < 0)
            return 0;
        size = (uint64_t)file_size;
        if (scripts && got >= 2 && head[0] == '#' && head[1] == '!') {
            fine = pyinit_quick_script_is_fine(head, got);
            goto done;
        }
        if (got < 64 || memcmp(head, "\\x7f" "ELF", 4) != 0)
            goto done;
        memcpy(&e_type, head + 16, 2);
        memcpy(&machine, head + 18, 2);
        memcpy(&phoff, head + 32, 8);
        memcpy(&phentsize, head + 54, 2);
        memcpy(&phnum, head + 56, 2);
        if (machine != PYINIT_NATIVE_MACHINE || (e_type != 2 && e_type != 3) || phentsize != 56)
            goto done;
        table_size = (uint64_t)phentsize * phnum;
        if (table_size == 0 || table_size > PYINIT_QUICK_MAX_PHDRS)
            goto done;
        if (phoff > size || table_size > size - phoff)
            goto done;
        if (phoff + table_size <= (uint64_t)got)
            table = head + phoff;
        else if (pyinit_quick_read_at(fd, head, got, pyinit_quick_table, table_size, phoff))
            table = pyinit_quick_table;
        else
            goto done;
        for (uint16_t i = 0; i < phnum; i++) {
            const unsigned char *entry = table + (size_t)i * 56;
            uint32_t p_type;
            uint64_t p_offset, p_filesz;
            memcpy(&p_type, entry, 4);
            memcpy(&p_offset, entry + 8, 8);
            memcpy(&p_filesz, entry + 32, 8);
            if (p_type == 1 && (p_offset > size || p_filesz > size - p_offset))
                goto done;   /* a PT_LOAD past EOF: truncated or not, preflight weighs it */
            if (p_type == 3 && !has_interp) {
                has_interp = 1;
                interp_offset = p_offset;
                interp_size = p_filesz;
            }
        }
        if (has_interp) {
            if (interp_size < 2 || interp_size > PYINIT_QUICK_MAX_INTERP)
                goto done;
            if (interp_offset > size || interp_size > size - interp_offset)
                goto done;
            if (!pyinit_quick_read_at(fd, head, got, interp, interp_size, interp_offset))
                goto done;
            if (interp[interp_size - 1] != 0)
                goto done;
            if (!pyinit_quick_loader_is_fine((const char *)interp))
                goto done;
        }
        fine = 1;
    done:
        close(fd);
        return fine;
    }
    """
    int pyinit_quick_program_is_fine(const char *path, int scripts) nogil
    int pyinit_stat(const char *path, struct_stat *st) nogil



def quick_preflight(bytes name, bytes path_env):
    """The execvp candidates for `name` (PATH: path_env, None for unset) when the first one
    is a native ELF program, or a #! script whose interpreter is one, that pyinit.preflight
    would start without a word; else None, and pyinit.preflight decides (it is not imported
    on a start this accepts: about half a millisecond). What is accepted is what
    pyinit.preflight accepts: tests/test_quick_preflight_accepts_only_what_preflight_accepts.py
    holds them together.
    """
    cdef struct_stat st
    cdef list candidates
    cdef bytes path, directory, full
    if not name or b"\0" in name or (path_env is not None and b"\0" in path_env):
        return None
    if b"/" in name:
        candidates = [name]
    else:
        # pyinit.preflight.resolve's rules: a path with nothing there (or ESTALE, ENODEV,
        # ETIMEDOUT) is skipped, as execvp skips it; any other answer is a candidate.
        path = DEFAULT_PATH.encode() if path_env is None else path_env
        candidates = []
        for directory in path.split(b":"):
            full = directory.rstrip(b"/") + b"/" + name if directory else name
            if pyinit_stat(full, &st) != 0 and errno in (ENOENT, ENOTDIR, ESTALE, ENODEV, ETIMEDOUT):
                continue
            candidates.append(full)
    if not candidates or not pyinit_quick_program_is_fine(candidates[0], True):
        return None
    return candidates


# ---------------------------------------------------------------------------------------
# fork/exec


cdef struct ChildPlan:
    char **paths          # execvp-like candidates, tried in order
    int n_paths
    char **argv
    char **envp
    uint64_t mask         # the mask pyinit was started with
    uint64_t ignored      # the signals that were ignored when pyinit was started
    bint new_pgroup
    bint take_terminal
    int errpipe
    const char *oom_score_adj   # the text to write back, or NULL
    int oom_score_adj_length


cdef extern from *:
    """
    #include <sched.h>
    #include <signal.h>
    #include <sys/syscall.h>
    #include <unistd.h>
    /* The child borrows pyinit's memory, on a stack of its own, and pyinit waits until the
     * child's execve (or _exit) gives it back: CLONE_VM | CLONE_VFORK, as posix_spawn does.
     * fork() copied the page tables of the whole interpreter, and then pyinit took a
     * copy-on-write fault on every page it wrote afterwards: 0.4 ms of a 10 ms start. What
     * the child may do is what it could do after fork() and more strictly: write nothing
     * but its own stack (errno aside, a value pyinit never reads after a success). The
     * signal handler table is the child's own copy (no CLONE_SIGHAND), and every
     * asynchronous signal stays blocked until the child has reset every disposition. */
    static pid_t pyinit_clone_vfork(int (*child)(void *), void *plan, char *stack, size_t size) {
        return clone(child, stack + size, CLONE_VM | CLONE_VFORK | SIGCHLD, plan);
    }
    /* getpid() without the C library's pid cache (glibc before 2.25 kept one, and a child
     * that shares pyinit's memory would read pyinit's pid from it). */
    static pid_t pyinit_getpid_raw(void) {
        return (pid_t)syscall(SYS_getpid);
    }
    """
    pid_t pyinit_clone_vfork(int (*child)(void *) noexcept nogil, void *plan, char *stack, size_t size) nogil
    pid_t pyinit_getpid_raw() nogil

# The child's stack until its execve: exec_child and the system call wrappers need a few
# hundred bytes; no signal handler ever runs on it (all are blocked or reset).
cdef enum:
    CHILD_STACK_BYTES = 64 * 1024


cdef void report_child_failure(int fd, int stage, int err, int index) noexcept nogil:
    cdef int message[3]
    message[0] = stage
    message[1] = err
    message[2] = index
    write(fd, message, sizeof(message))
    _exit(127)


cdef int restore_oom_score_adj(ChildPlan *plan) noexcept nogil:
    # In the child: write back the score pyinit started with (raising a score needs no
    # privilege). 0 or errno. open/write/close only: async-signal-safe.
    cdef int fd, err
    if plan.oom_score_adj == NULL:
        return 0
    fd = pyinit_open(OOM_SCORE_ADJ_PATH, O_WRONLY)
    if fd < 0:
        return errno
    if write(fd, plan.oom_score_adj, plan.oom_score_adj_length) != plan.oom_score_adj_length:
        err = errno
        close(fd)
        return err
    close(fd)
    return 0


cdef int run_child(void *plan) noexcept nogil:
    exec_child(<ChildPlan *>plan)   # never returns
    return 127


cdef void exec_child(ChildPlan *plan) noexcept nogil:
    # Runs in the child between clone() and execve(), in pyinit's memory: async-signal-safe
    # calls only, no allocation, no Python, no write outside its own stack. One error path:
    # stage + errno into the CLOEXEC pipe, then _exit.
    cdef int sig, i, err
    cdef int chosen_err = ENOENT
    cdef int chosen_index = -1
    cdef unsigned long long mask = plan.mask

    err = restore_oom_score_adj(plan)
    if err != 0:
        report_child_failure(plan.errpipe, STAGE_OOM_SCORE_ADJ, err, -1)

    if plan.new_pgroup:
        if setpgid(0, 0) != 0:
            report_child_failure(plan.errpipe, STAGE_SETPGID, errno, -1)
        if plan.take_terminal:
            # SIGTTOU is still blocked here, so a background group may take the terminal.
            # Failure is harmless: stdin may be a terminal that is not ours to control.
            tcsetpgrp(0, pyinit_getpid_raw())

    for sig in range(1, MAX_SIGNAL + 1):
        if sig == SIGKILL or sig == SIGSTOP:
            continue
        if pyinit_set_disposition(sig, (plan.ignored & sigbit(sig)) != 0) != 0:
            if sig != 32 and sig != 33:
                report_child_failure(plan.errpipe, STAGE_DISPOSITIONS, errno, -1)

    if pyinit_sigprocmask(SIG_SETMASK, &mask, NULL) != 0:
        report_child_failure(plan.errpipe, STAGE_SIGMASK, errno, -1)

    # execvp's rules (glibc posix/execvpe.c): a missing candidate moves on; EACCES is
    # remembered but the search goes on; any other error is the answer. Without EACCES the
    # first candidate is reported, as pyinit.preflight reports it.
    for i in range(plan.n_paths):
        execve(plan.paths[i], plan.argv, plan.envp)
        err = errno
        if err == EACCES:
            if chosen_err != EACCES:
                chosen_err = EACCES
                chosen_index = i
        elif err == ENOENT or err == ENOTDIR or err == ESTALE or err == ENODEV or err == ETIMEDOUT:
            if chosen_index < 0:
                chosen_err = err
                chosen_index = i
        else:
            chosen_err = err
            chosen_index = i
            break
    report_child_failure(plan.errpipe, STAGE_EXEC, chosen_err, chosen_index)


cdef char **c_string_array(list items) except NULL:
    """A NULL-terminated char* array over the buffers of `items` (bytes, kept alive by the caller)."""
    cdef char **array = <char **>malloc((len(items) + 1) * sizeof(char *))
    cdef Py_ssize_t i
    if array == NULL:
        raise MemoryError()
    for i in range(len(items)):
        array[i] = <char *>(<bytes>items[i])
    array[len(items)] = NULL
    return array


def spawn(list argv, list paths, list env, uint64_t child_mask, uint64_t child_ignored,
          bint new_pgroup, bint take_terminal):
    """Start the child (clone, sharing memory until its execve) and exec it; wait until
    execve() succeeded or failed.

    argv, paths and env are lists of bytes prepared by the caller. Returns (pid, 0, -1, 0)
    once the child has exec'd, or (-1, errno, path_index, stage) when fork (stage 0) or the
    child's setup or execve failed; a child that failed has been reaped already.
    """
    cdef ChildPlan plan
    cdef int fds[2]
    cdef int message[3]
    cdef pid_t pid
    cdef ssize_t got
    cdef int status, fork_errno
    cdef char *stack = NULL

    if pipe2(fds, O_CLOEXEC) != 0:
        return (-1, errno, -1, 0)
    memset(&plan, 0, sizeof(plan))
    plan.argv = plan.envp = plan.paths = NULL
    try:
        stack = <char *>malloc(CHILD_STACK_BYTES)
        if stack == NULL:
            raise MemoryError()
        plan.argv = c_string_array(argv)
        plan.envp = c_string_array(env)
        plan.paths = c_string_array(paths)
        plan.n_paths = len(paths)
        plan.mask = child_mask
        plan.ignored = child_ignored
        plan.new_pgroup = new_pgroup or take_terminal
        plan.take_terminal = take_terminal
        plan.errpipe = fds[1]
        if _oom_score_adj_saved_length > 0:
            plan.oom_score_adj = _oom_score_adj_saved
            plan.oom_score_adj_length = _oom_score_adj_saved_length

        pid = pyinit_clone_vfork(run_child, &plan, stack, CHILD_STACK_BYTES)
        fork_errno = errno
        close(fds[1])
        if pid < 0:
            close(fds[0])
            return (-1, fork_errno, -1, 0)

        # EOF means execve() succeeded (the pipe closed on exec); bytes mean it failed.
        with nogil:
            while True:
                got = read(fds[0], message, sizeof(message))
                if got < 0 and errno == EINTR:
                    continue
                break
        close(fds[0])
        if got == sizeof(message):
            with nogil:
                while waitpid(pid, &status, 0) < 0 and errno == EINTR:
                    pass
            return (-1, message[1], message[2], message[0])
        return (pid, 0, -1, 0)
    finally:
        free(stack)
        free(plan.argv)
        free(plan.envp)
        free(plan.paths)


# ---------------------------------------------------------------------------------------
# the wait loop


cdef struct Supervisor:
    pid_t child
    bint to_group
    bint job_control     # behave as a shell's job: stop when the child stops (see below)
    pid_t own_pgrp
    bint child_done
    int child_status
    int rewrite[MAX_SIGNAL + 1]   # signal received -> signal sent; 0 drops it
    unsigned long long waitset


cdef void reap_zombies(Supervisor *s) noexcept nogil:
    # SIGCHLDs merge: one may stand for many exits, so reap until nothing is left.
    cdef int status
    cdef pid_t pid
    while True:
        pid = waitpid(-1, &status, WNOHANG)
        if pid < 0 and errno == EINTR:
            continue
        if pid <= 0:
            return
        if pid == s.child:
            s.child_status = status
            s.child_done = True
        note(EV_REAP, pid, status, pid == s.child, 0)


cdef void follow_a_stopped_child(Supervisor *s) noexcept nogil:
    # With a terminal, outside a namespace: pyinit is a job of the shell that started it,
    # and the child, in its own group, holds the terminal. When Ctrl-Z (or any stop signal)
    # stops the child, pyinit stops too, so that the shell sees its job stop and prints its
    # prompt. Continued by `fg` (the shell gave the terminal back to pyinit's group) it hands
    # the terminal to the child's group; by `fg` or `bg` it continues the child's group.
    # waitid(WSTOPPED) without WEXITED only reports (and consumes) a stop: exits are left
    # to reap_zombies.
    cdef siginfo_t info
    info.si_pid = 0
    if waitid(P_PID, s.child, &info, WSTOPPED | WNOHANG) != 0 or info.si_pid != s.child:
        return
    kill(getpid(), SIGSTOP)   # returns once a SIGCONT has continued us
    if tcgetpgrp(0) == s.own_pgrp:
        tcsetpgrp(0, s.child)
    kill(-s.child, SIGCONT)


cdef void forward_signal(Supervisor *s, int sig, siginfo_t *info) noexcept nogil:
    cdef int sent = s.rewrite[sig]
    cdef pid_t target = -s.child if s.to_group else s.child
    cdef int err = 0
    if sent != 0:
        if info.si_code == SI_QUEUE and sent == sig and not s.to_group:
            if pyinit_sigqueue(target, sent, info) != 0:
                err = errno
        elif kill(target, sent) != 0:
            err = errno
        if err != 0:
            forward_failed(sig, sent, target, err)
    note(EV_FORWARD, sig, sent, target, err)


# Stop requests: receiving one of these (whatever --rewrite turns it into) starts the stop
# watchdog: the signals whose default action ends a process and that people send to stop one.
# HUP, USR1 and USR2 are also "reload" for many programs: for those, a child that handles the
# signal and keeps running is not a stall (pyinit.lifecycle then re-arms the watchdog quietly).
cdef uint64_t STOP_REQUESTS = (sigbit(SIGTERM) | sigbit(2) | sigbit(3) | sigbit(1) | sigbit(10)
                               | sigbit(12))


def arm_stop_watchdog(int sig, int64_t after_ns):
    """Start the stop watchdog for a stop request pyinit sent itself (--timeout's SIGTERM),
    unless it already runs or has reported. after_ns 0: the watchdog is off."""
    global _stall_at_ns, _stop_signal, _stop_forwarded_ns
    if after_ns > 0 and _stall_at_ns == 0:
        _stop_signal = sig
        _stop_forwarded_ns = <int64_t>pyinit_now_ns()
        _stall_at_ns = _stop_forwarded_ns + after_ns


def rearm_stop_watchdog():
    """After a stall that was not one (a handled reload signal): the next stop request arms
    the watchdog again."""
    global _stall_at_ns, _stop_signal, _stop_forwarded_ns
    _stall_at_ns = 0
    _stop_signal = 0
    _stop_forwarded_ns = 0


def stop_request():
    """(signal as received, monotonic ns it was forwarded) of the stop request that armed the
    watchdog, or (0, 0)."""
    return _stop_signal, _stop_forwarded_ns


cdef inline void watch_stop_request(int sig, int64_t stall_after_ns) noexcept nogil:
    global _stall_at_ns, _stop_signal, _stop_forwarded_ns
    if stall_after_ns > 0 and _stall_at_ns == 0 and (sigbit(sig) & STOP_REQUESTS):
        _stop_signal = sig
        _stop_forwarded_ns = <int64_t>pyinit_now_ns()
        _stall_at_ns = _stop_forwarded_ns + stall_after_ns


cdef inline int64_t earlier(int64_t one, int64_t other) noexcept nogil:
    # The earlier of two deadlines, where <= 0 is none.
    if one <= 0:
        return other if other > 0 else 0
    return other if 0 < other < one else one


cdef inline int64_t next_wakeup(int64_t wake_at_ns) noexcept nogil:
    # The earliest deadline, or 0 for none: with none, the wait has no timeout at all.
    return earlier(earlier(_stall_at_ns, wake_at_ns), _drop_at_ns)


def supervise(pid_t child, bint to_group, list rewrite, bint job_control=False,
              int64_t wake_at_ns=0, int64_t stall_after_ns=0):
    """Forward signals to the child and reap zombies until the child exits.

    Sleeps in rt_sigtimedwait() with no timeout: an idle init costs no wakeup. `rewrite` is a
    list of MAX_SIGNAL + 1 ints (signal received -> signal to send, 0 to drop). job_control:
    the child leads its own group and holds our terminal, and pyinit is not a namespace's
    PID 1: stop when the child stops (see follow_a_stopped_child). Returns the child's raw
    wait status.

    Two deadlines can end the wait early: wake_at_ns (monotonic; 0 none), returning
    WOKE_DEADLINE, and the stop watchdog, armed when a stop request (TERM, INT, QUIT, HUP, USR1, USR2) is
    forwarded with stall_after_ns > 0, returning WOKE_STOP_STALLED once, that long after.
    A third one does not end it: the release of start-up memory (release_startup_memory),
    once. Only these make the wait carry a timeout.
    """
    global _stall_at_ns, _drop_at_ns
    cdef Supervisor s
    cdef siginfo_t info
    cdef int sig, i
    cdef int woke = 0
    cdef int64_t wake, now
    cdef timespec left
    cdef pid_t self_pid = getpid()
    memset(&s, 0, sizeof(s))
    s.child = child
    s.to_group = to_group
    s.job_control = job_control
    s.own_pgrp = getpgrp()
    for i in range(MAX_SIGNAL + 1):
        s.rewrite[i] = rewrite[i]
    s.waitset = ASYNC_SIGNALS

    with nogil:
        while not s.child_done:
            wake = next_wakeup(wake_at_ns)
            if wake == 0:
                sig = pyinit_sigtimedwait(&s.waitset, &info, NULL)
            else:
                now = <int64_t>pyinit_now_ns()
                if _drop_at_ns > 0 and now >= _drop_at_ns:
                    drop_startup_pages()
                    continue
                if now >= wake:
                    if _stall_at_ns > 0 and now >= _stall_at_ns:
                        _stall_at_ns = -1
                        woke = WOKE_FOR_STOP_STALLED
                    else:
                        woke = WOKE_FOR_DEADLINE
                    break
                left.tv_sec = (wake - now) // 1000000000
                left.tv_nsec = (wake - now) % 1000000000
                sig = pyinit_sigtimedwait(&s.waitset, &info, &left)
            if sig < 0:
                continue   # EAGAIN: a deadline; EINTR: a SIGSTOP/SIGCONT of pyinit itself
            if sent_by_ourselves(&info, self_pid):
                continue
            note(EV_SIGNAL, sig, info.si_code, info.si_pid, info.si_uid)
            if sig == SIGCHLD:
                if s.job_control:
                    follow_a_stopped_child(&s)
                reap_zombies(&s)
            else:
                forward_signal(&s, sig, &info)
                watch_stop_request(sig, stall_after_ns)
    if s.child_done:
        _drop_at_ns = 0   # gone before start-up memory was: Python runs again anyway
    return woke if woke != 0 else s.child_status


def drain(long timeout_ms, bint whole_namespace=False):
    """Reap until nothing is left to wait for, or timeout_ms passed (-1: no limit).

    Returns True when nothing is left: pyinit has no child and, with whole_namespace (only
    honoured in a namespace's PID 1), no other process of the namespace exists either. A
    process that `docker exec` started is not pyinit's child and sends it no SIGCHLD: while
    one remains, the wait wakes every NAMESPACE_POLL_MS to look again (`kill(-1, 0)`).

    Signals other than SIGCHLD that arrive meanwhile are consumed and reported as events,
    not forwarded: the main child is gone, and a second SIGTERM must not cut the grace short.
    """
    cdef unsigned long long waitset = ASYNC_SIGNALS
    cdef siginfo_t info
    cdef timespec now, left
    cdef int64_t deadline = 0, remaining
    cdef int status, sig
    cdef pid_t pid
    cdef pid_t self_pid = getpid()
    cdef bint none_left = False
    cdef bint others_left

    whole_namespace = whole_namespace and self_pid == 1
    if timeout_ms >= 0:
        clock_gettime(CLOCK_MONOTONIC, &now)
        deadline = now.tv_sec * <int64_t>1000000000 + now.tv_nsec + timeout_ms * <int64_t>1000000
    with nogil:
        while True:
            while True:
                pid = waitpid(-1, &status, WNOHANG)
                if pid < 0 and errno == EINTR:
                    continue
                if pid > 0:
                    note(EV_REAP, pid, status, 0, 0)
                    continue
                break
            others_left = False
            if pid < 0 and errno == ECHILD:
                # kill(-1, 0) from PID 1 fails (ESRCH) when no other process is left that
                # pyinit could signal.
                if not whole_namespace or kill(-1, 0) != 0:
                    none_left = True
                    break
                others_left = True
            remaining = -1
            if timeout_ms >= 0:
                clock_gettime(CLOCK_MONOTONIC, &now)
                remaining = deadline - (now.tv_sec * <int64_t>1000000000 + now.tv_nsec)
                if remaining <= 0:
                    break
            if others_left and (remaining < 0 or remaining > NAMESPACE_POLL_MS * <int64_t>1000000):
                remaining = NAMESPACE_POLL_MS * <int64_t>1000000
            if remaining >= 0:
                left.tv_sec = remaining // 1000000000
                left.tv_nsec = remaining % 1000000000
                sig = pyinit_sigtimedwait(&waitset, &info, &left)
            else:
                sig = pyinit_sigtimedwait(&waitset, &info, NULL)
            if sig > 0 and not sent_by_ourselves(&info, self_pid):
                note(EV_SIGNAL, sig, info.si_code, info.si_pid, info.si_uid)
    return none_left


def signal_namespace(int sig):
    """kill(-1, sig) from a namespace's PID 1 reaches every other process in it, not itself.

    Only ever called when pyinit is PID 1 of its PID namespace: elsewhere it would signal
    every process of the user on the host.
    """
    if getpid() != 1:
        return ESRCH
    if kill(-1, sig) != 0:
        return errno
    return 0
