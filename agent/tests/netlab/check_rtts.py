"""``diemcau-agent check`` exactly as shipped, also writing each probe's RTT (ms) to a file.

The check's JSON gives only the median; the accuracy bench needs the
per-probe RTTs for the median's standard error. This wraps the agent's own
``stats.summarize`` (the function the check calls) to keep a copy of the
samples it summarises, one RTT per sequence number as the agent counts them,
and then runs the unchanged command line.

    python check_rtts.py OUTFILE check --reflector HOST:PORT --seconds 20 --json --no-send
"""

import json
import sys

from diemcau_agent import cli, stats


def main():
    outfile, argv = sys.argv[1], sys.argv[2:]
    summarize = stats.summarize

    def keeping(samples, sent):
        unique = {}
        for s in samples:
            unique.setdefault(s.seq, s)
        with open(outfile, "w") as fh:
            json.dump([unique[k].rtt * 1000.0 for k in sorted(unique)], fh)
        return summarize(samples, sent)

    stats.summarize = keeping
    return cli.main(["--config", "/dev/null"] + argv)


if __name__ == "__main__":
    sys.exit(main())
