"""One set of exit codes for every command, so scripts can rely on them."""

import enum


class Exit(enum.IntEnum):
    OK = 0  # done
    PARTIAL = 1  # done, but some decisions conflicted or were invalid
    USAGE = 2  # bad arguments or configuration
    AUTH = 3  # the backend refused the token
    UNREACHABLE = 4  # the backend could not be reached
