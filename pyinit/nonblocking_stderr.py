"""pyinit's own reports on stderr, written without ever waiting for the reader.

PID 1 writes trace records, warnings and failure reports while it has work to do (reaping,
forwarding). When the reader of stderr stops reading (Docker's blocking log mode with a
stalled log driver, a pipe into a stopped program), a blocking write() would stop PID 1
itself: no zombie reaped, no SIGTERM forwarded. So a record that cannot be written at once
is dropped and counted, and the count is written as a record of its own once a write goes
through again.

The child's stderr must stay exactly the fd it was given: O_NONBLOCK is a flag of the open
file description, which pyinit shares with its child, so setting it on fd 2 would make the
child's own writes fail with EAGAIN. Instead, per kind of file behind fd 2:

  pipe, FIFO, terminal  a second open file description of the same pipe or terminal,
                        opened O_NONBLOCK through /proc/self/fd/2: its flag is pyinit's
                        alone. Without /proc (or when the reopen fails: a FIFO has no
                        reader), poll(fd 2, POLLOUT, 0) before each write of at most
                        PIPE_BUF bytes. That leaves one race: the child may fill the pipe
                        between the poll and the write, and that write then waits.
  socket                send() with MSG_DONTWAIT, a per-call flag.
  anything else         plain write(): regular files and /dev/null do not wait for readers.

A record written in part (a record longer than PIPE_BUF into a nearly full pipe) keeps its
tail and sends it first on the next write, so that no line is ever cut in two; while a tail
is pending, new records are dropped.
"""

import errno
import os
import stat

STDERR = 2
PIPE_BUF = 4096


class NonBlockingStderr:
    """A text stream (write, flush) over fd 2 whose writes never wait.

    ``render(record)`` formats the dropped-records notice in the report format in use.
    write() raises OSError only for a reader that is gone (EPIPE) or a failing device, so
    that pyinit.report.write can tell its caller to stop writing.
    """

    def __init__(self, render, fd=STDERR):
        self.render = render
        self.dropped = 0
        self._pending = b""
        self._fd = fd
        self._own_fd = None
        self._socket = None
        self._poll = None
        mode = os.fstat(fd).st_mode   # OSError (EBADF) for a closed fd: the caller decides
        if stat.S_ISSOCK(mode):
            import socket
            self._socket = socket.socket(fileno=os.dup(fd))
        elif stat.S_ISFIFO(mode) or (stat.S_ISCHR(mode) and os.isatty(fd)):
            try:
                self._own_fd = os.open("/proc/self/fd/%d" % fd, os.O_WRONLY | os.O_NONBLOCK
                                       | os.O_CLOEXEC | os.O_NOCTTY)
                self._fd = self._own_fd
            except OSError:
                import select
                self._poll = select.poll()
                self._poll.register(fd, select.POLLOUT)

    # ---- the text-stream interface pyinit.report.write uses

    def write(self, text):
        data = text.encode("utf-8", "backslashreplace")
        if not self._flush_pending():
            self.dropped += 1
            return len(text)
        if self.dropped:
            notice = self.render({
                "event": "warning", "cause": "stderr_records_dropped", "dropped": self.dropped,
                "message": "%d record(s) were dropped because stderr could not take them "
                           "without waiting (its reader stalled); reaping and signal "
                           "forwarding went on" % self.dropped,
                "hint": "read pyinit's stderr promptly (a non-blocking log driver, "
                        "docker run --log-opt mode=non-blocking)"}) + "\n"
            if not self._send_all(notice.encode("utf-8", "backslashreplace")):
                self.dropped += 1
                return len(text)
            self.dropped = 0
        if not self._send_all(data):
            self.dropped += 1
        return len(text)

    def flush(self):
        self._flush_pending()

    def isatty(self):
        return os.isatty(STDERR)

    def fileno(self):
        return STDERR

    # ---- helpers

    def _flush_pending(self):
        """True once no tail of an earlier record is waiting."""
        if self._pending:
            self._pending = self._pending[self._send(self._pending):]
        return not self._pending

    def _send_all(self, data):
        """Write data now, or its tail later: False when not a byte could go (dropped)."""
        sent = self._send(data)
        if sent == 0:
            return False
        self._pending = data[sent:]
        return True

    def _send(self, data):
        """Bytes written without waiting: 0 when the reader is not keeping up."""
        try:
            if self._socket is not None:
                import socket
                return self._socket.send(data, socket.MSG_DONTWAIT)
            if self._poll is not None:
                if not self._poll.poll(0):
                    return 0
                data = data[:PIPE_BUF]   # at most PIPE_BUF fits once POLLOUT is reported
            return os.write(self._fd, data)
        except BlockingIOError:
            return 0
        except InterruptedError:
            return 0
        except OSError as error:
            if error.errno in (errno.EAGAIN, errno.EWOULDBLOCK):
                return 0
            raise
