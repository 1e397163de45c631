"""``python3 -m tfhub ARGS...`` runs the tfhub CLI (``tfhub resolve``,
``tfhub show``, ``tfhub cache ...``): the binary that travels with the
package (tfhub/_bin/tfhub) replaces this process, so its exit codes, signals
and terminal output are exactly the CLI's.
"""

import os
import sys


def main():
    binary = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_bin", "tfhub")
    if not os.access(binary, os.X_OK):
        sys.stderr.write("python3 -m tfhub: the CLI binary %s is missing; rebuild or reinstall tfhub\n" % binary)
        return 1
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(binary, ["tfhub"] + sys.argv[1:])
    return 1  # not reached


if __name__ == "__main__":
    sys.exit(main())
