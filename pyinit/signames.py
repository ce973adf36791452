"""Signal names and numbers, without importing the `signal` module.

`import signal` builds an IntEnum of every signal (about a millisecond): too much for every
start. Linux numbers signals the same way on x86, ARM, arm64, RISC-V and PowerPC; this table
is that numbering. SIGRTMIN is 34 here, as glibc shows it to programs (32 and 33 are glibc's).
"""

NUMBERS = {
    "HUP": 1, "INT": 2, "QUIT": 3, "ILL": 4, "TRAP": 5, "ABRT": 6, "IOT": 6, "BUS": 7,
    "FPE": 8, "KILL": 9, "USR1": 10, "SEGV": 11, "USR2": 12, "PIPE": 13, "ALRM": 14,
    "TERM": 15, "STKFLT": 16, "CHLD": 17, "CONT": 18, "STOP": 19, "TSTP": 20, "TTIN": 21,
    "TTOU": 22, "URG": 23, "XCPU": 24, "XFSZ": 25, "VTALRM": 26, "PROF": 27, "WINCH": 28,
    "IO": 29, "POLL": 29, "PWR": 30, "SYS": 31,
}
SIGRTMIN = 34
SIGRTMAX = 64
MAX_SIGNAL = 64

_PREFERRED = {6: "ABRT", 29: "IO"}


def name(number):
    """SIGTERM for 15, SIGRTMIN+1 for 35, "signal 99" for what is not a signal."""
    if number in _PREFERRED:
        return "SIG" + _PREFERRED[number]
    for key, value in NUMBERS.items():
        if value == number:
            return "SIG" + key
    if SIGRTMIN <= number <= SIGRTMAX:
        offset = number - SIGRTMIN
        return "SIGRTMIN" if offset == 0 else "SIGRTMIN+%d" % offset
    return "signal %d" % number


def parse(text, allow_zero=False):
    """Turn 'SIGTERM', 'term', '15', 'RTMIN+2' or 'SIGRTMAX-1' into a number.

    Raises ValueError with a message that names the input; 0 only when allow_zero.
    """
    raw = text.strip()
    digits = raw[1:] if raw.startswith("-") else raw
    if digits.isascii() and digits.isdigit():
        number = int(raw)
        if number == 0 and allow_zero:
            return 0
        if not 1 <= number <= MAX_SIGNAL:
            raise ValueError("signal number %s is outside 1-%d" % (raw, MAX_SIGNAL))
        return number
    key = raw.upper()
    if key.startswith("SIG"):
        key = key[3:]
    if key in NUMBERS:
        return NUMBERS[key]
    for base_name, base in (("RTMIN", SIGRTMIN), ("RTMAX", SIGRTMAX)):
        if key == base_name:
            return base
        if key.startswith(base_name) and key[len(base_name):][:1] in "+-":
            offset = key[len(base_name) + 1:]
            if offset.isascii() and offset.isdigit():
                number = base + int(offset) if key[len(base_name)] == "+" else base - int(offset)
                if SIGRTMIN <= number <= SIGRTMAX:
                    return number
    raise ValueError("unknown signal %r (use a name like SIGTERM or TERM, or a number)" % text)
