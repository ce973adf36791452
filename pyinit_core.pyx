# cython: language_level=3, boundscheck=False, wraparound=False
"""pyinit_core: the part of pyinit that must not be Python.

Everything from fork() to execve(), and the steady-state wait loop, runs here as C: nogil,
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
from posix.unistd cimport fork, close, read, write, _exit, execve, setpgid, getpid

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

cdef enum:
    MAX_SIGNAL = 64

cdef enum EventKind:
    EV_SIGNAL = 0
    EV_FORWARD = 1
    EV_REAP = 2

EVENT_NAMES = ("signal", "forward", "reap")

# Stages of the child's single error path, written to the error pipe with errno.
cdef enum Stage:
    STAGE_FORK = 0
    STAGE_SETPGID = 1
    STAGE_DISPOSITIONS = 2
    STAGE_SIGMASK = 3
    STAGE_EXEC = 4

# A cpdef enum would import `enum` (3 ms) on every start: export the one value Python needs.
EXEC_STAGE = <int>STAGE_EXEC
STAGE_NAMES = ("fork", "setpgid", "signal dispositions", "signal mask", "execve")

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
    cdef int value = 0
    if prctl(PR_GET_CHILD_SUBREAPER, <unsigned long>&value, 0, 0, 0) != 0:
        raise OSError(errno, "prctl(PR_GET_CHILD_SUBREAPER)")
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


cdef void report_child_failure(int fd, int stage, int err, int index) noexcept nogil:
    cdef int message[3]
    message[0] = stage
    message[1] = err
    message[2] = index
    write(fd, message, sizeof(message))
    _exit(127)


cdef void exec_child(ChildPlan *plan) noexcept nogil:
    # Runs in the child between fork() and execve(): async-signal-safe calls only, no
    # allocation, no Python. One error path: stage + errno into the CLOEXEC pipe, then _exit.
    cdef int sig, i, err
    cdef int chosen_err = ENOENT
    cdef int chosen_index = -1
    cdef unsigned long long mask = plan.mask

    if plan.new_pgroup:
        if setpgid(0, 0) != 0:
            report_child_failure(plan.errpipe, STAGE_SETPGID, errno, -1)
        if plan.take_terminal:
            # SIGTTOU is still blocked here, so a background group may take the terminal.
            # Failure is harmless: stdin may be a terminal that is not ours to control.
            tcsetpgrp(0, getpid())

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
    """Fork the child and exec it; wait until execve() succeeded or failed.

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

    if pipe2(fds, O_CLOEXEC) != 0:
        return (-1, errno, -1, 0)
    memset(&plan, 0, sizeof(plan))
    plan.argv = plan.envp = plan.paths = NULL
    try:
        plan.argv = c_string_array(argv)
        plan.envp = c_string_array(env)
        plan.paths = c_string_array(paths)
        plan.n_paths = len(paths)
        plan.mask = child_mask
        plan.ignored = child_ignored
        plan.new_pgroup = new_pgroup or take_terminal
        plan.take_terminal = take_terminal
        plan.errpipe = fds[1]

        pid = fork()
        if pid == 0:
            exec_child(&plan)   # never returns
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
        if _events:
            emit(EV_REAP, pid, status, pid == s.child, 0)


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
    if _events:
        emit(EV_FORWARD, sig, sent, target, err)


def supervise(pid_t child, bint to_group, list rewrite, bint job_control=False):
    """Forward signals to the child and reap zombies until the child exits.

    Sleeps in rt_sigtimedwait() with no timeout: an idle init costs no wakeup. `rewrite` is a
    list of MAX_SIGNAL + 1 ints (signal received -> signal to send, 0 to drop). job_control:
    the child leads its own group and holds our terminal, and pyinit is not a namespace's
    PID 1: stop when the child stops (see follow_a_stopped_child). Returns the child's raw
    wait status.
    """
    cdef Supervisor s
    cdef siginfo_t info
    cdef int sig, i
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
            sig = pyinit_sigtimedwait(&s.waitset, &info, NULL)
            if sig < 0:
                continue   # EINTR: a SIGSTOP/SIGCONT of pyinit itself
            if sent_by_ourselves(&info, self_pid):
                continue
            if _events:
                emit(EV_SIGNAL, sig, info.si_code, info.si_pid, info.si_uid)
            if sig == SIGCHLD:
                if s.job_control:
                    follow_a_stopped_child(&s)
                reap_zombies(&s)
            else:
                forward_signal(&s, sig, &info)
    return s.child_status


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
                    if _events:
                        emit(EV_REAP, pid, status, 0, 0)
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
            if sig > 0 and _events and not sent_by_ourselves(&info, self_pid):
                emit(EV_SIGNAL, sig, info.si_code, info.si_pid, info.si_uid)
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
