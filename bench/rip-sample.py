#!/usr/bin/env python3
"""Sample a QEMU guest's instruction pointer through the HMP monitor.

  rip-sample.py sample SOCKET OUT STOPFILE   sample "info registers" every
                                             2 ms until STOPFILE exists
  rip-sample.py report KALLSYMS OUT [N]      the N (default 25) functions
                                             with the most samples

A poor man's profiler for TCG guests, which have no PMU: KALLSYMS is the
guest's /proc/kallsyms (text symbols). Samples are spread over host time;
under -icount that follows guest instructions, except while the vCPU idles.
"""
import bisect
import collections
import os
import re
import socket
import sys
import time


def sample(path, out, stop):
    s = socket.socket(socket.AF_UNIX)
    s.connect(path)
    s.settimeout(10)
    buf = b''

    def reply():
        nonlocal buf
        while b'(qemu) ' not in buf:
            chunk = s.recv(65536)
            if not chunk:
                raise EOFError('monitor closed')
            buf += chunk
        text, buf = buf.split(b'(qemu) ', 1)
        return text.decode(errors='replace')

    reply()
    with open(out, 'w') as f:
        while not os.path.exists(stop):
            s.sendall(b'info registers\n')
            m = re.search(r'RIP=([0-9a-f]+)', reply())
            if m:
                f.write(m.group(1) + '\n')
            time.sleep(0.002)


def report(kallsyms, out, n):
    syms = []
    with open(kallsyms) as f:
        for line in f:
            fields = line.split()
            if len(fields) >= 3 and fields[1] in 'tTwW':
                syms.append((int(fields[0], 16), fields[2]))
    syms.sort()
    addrs = [a for a, _ in syms]
    count = collections.Counter()
    with open(out) as f:
        for line in f:
            rip = int(line, 16)
            if rip < 0xffff800000000000:
                count['(user space)'] += 1
                continue
            i = bisect.bisect_right(addrs, rip) - 1
            count[syms[i][1] if i >= 0 else '(unknown)'] += 1
    total = sum(count.values())
    print(f'{total} samples')
    for name, k in count.most_common(n):
        print(f'{k:7d} {100.0 * k / max(total, 1):5.1f}% {name}')


if __name__ == '__main__':
    if len(sys.argv) == 5 and sys.argv[1] == 'sample':
        sample(*sys.argv[2:])
    elif len(sys.argv) in (4, 5) and sys.argv[1] == 'report':
        report(sys.argv[2], sys.argv[3], int(sys.argv[4]) if len(sys.argv) == 5 else 25)
    else:
        sys.exit(__doc__)
